// libFuzzer target: bytes -> the other wire formats weir-proxy reads: the transport header a
// node proxy sends first (transport::decode), gRPC's length-prefixed messages from weir-control
// (GrpcFrames), and the workload directory weir-agent writes (workloads::parseDirectory). The
// first input byte picks the parser. Besides ASan/UBSan findings: a decoded header consumed no
// more than it was given and encodes back to the same fields; frames never exceed the input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/check.h"
#include "userspace-proxy/discovery/grpc_frames.h"
#include "userspace-proxy/transport/header.h"
#include "userspace-proxy/workloads/directory.h"

using weir::fuzz::check;
using namespace weir::proxy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) {
    return 0;
  }
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      // A transport header, possibly after the magic the fuzzer may not find by itself.
      std::string input = (data[0] & 4) != 0 ? std::string(transport::kMagic) + std::string(rest)
                                              : std::string(rest);
      transport::Decoded d = transport::decode(input);
      if (d.state == transport::Decoded::State::kDone) {
        check(d.consumed <= input.size(), "consumed more than the input");
        transport::Decoded again = transport::decode(transport::encode(d.header));
        check(again.state == transport::Decoded::State::kDone && again.header == d.header,
              "a decoded header does not encode back to itself");
      }
      break;
    }
    case 1: {
      discovery::GrpcFrames frames;
      frames.append(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
      std::string_view m;
      size_t total = 0;
      while (frames.next(m) == discovery::GrpcFrames::Next::kMessage) {
        total += 5 + m.size();
        check(total <= rest.size(), "frames beyond the input");
      }
      break;
    }
    default:
      (void)workloads::parseDirectory(rest);
      break;
  }
  return 0;
}
