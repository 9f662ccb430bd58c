#include "userspace-proxy/upstream/connect.h"

#include "userspace-proxy/tls/session.h"

namespace weir::proxy::upstream {

namespace {
Error refuse(const Mtls& mtls, std::string_view reason, std::string why) {
  if (mtls.registry != nullptr) {
    mtls.registry
        ->counter(tls::kHandshakeFailures,
                  {{"direction", "outbound"}, {"reason", std::string(reason)}})
        ->inc();
  }
  return osError(EACCES, std::move(why));
}
}  // namespace

Result<io::Stream*> connectTo(io::Loop& loop, const Target& target, transport::Protocol protocol,
                              const std::string& authority, io::StreamHandler* handler,
                              const Mtls* mtls, std::string_view sourceIdentity) {
  bool secure = target.viaNodeProxy && mtls != nullptr && mtls->view != nullptr;
  SSL_CTX* ctx = nullptr;
  if (secure) {
    if (target.identity.empty()) {
      return refuse(*mtls, "no_server_identity",
                    "endpoint " + target.endpoint.str() + " has no identity to require");
    }
    const tls::Credential* c = mtls->view->find(sourceIdentity);
    if (c == nullptr) {
      return refuse(*mtls, "no_credential",
                    "no certificate for " + std::string(sourceIdentity) + " yet");
    }
    ctx = c->client.get();
    if (mtls->tunnels == nullptr) {
      return osError(EINVAL, "mTLS without a tunnel pool");
    }
  }
  Result<io::Stream*> s = secure ? mtls->tunnels->open(target.connectTo, ctx, sourceIdentity,
                                                      target.identity, target.endpoint.str(),
                                                      handler)
                                 : loop.connect(target.connectTo, handler);
  if (!s) {
    return s.error();
  }
  if (target.viaNodeProxy) {
    s.value()->sendCopy(transport::encode(transport::Header{target.endpoint, protocol, authority}));
  }
  return s.value();
}

}  // namespace weir::proxy::upstream
