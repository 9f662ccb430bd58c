#include "userspace-proxy/upstream/connect.h"

namespace weir::proxy::upstream {

Result<io::Stream*> connectTo(io::Loop& loop, const Target& target, transport::Protocol protocol,
                              const std::string& authority, io::StreamHandler* handler) {
  auto s = loop.connect(target.connectTo, handler);
  if (!s) {
    return s.error();
  }
  if (target.viaNodeProxy) {
    s.value()->sendCopy(transport::encode(transport::Header{target.endpoint, protocol, authority}));
  }
  return s.value();
}

}  // namespace weir::proxy::upstream
