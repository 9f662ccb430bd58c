#pragma once

// One TLS 1.3 connection between node proxies, on memory BIOs: the io::Transport of a stream.
// The client presents its workload's certificate (or none), names the server's identity in SNI
// and accepts only a certificate with that identity that chains to the trust anchors. The server
// presents the certificate of the identity the client named — one of its node's workloads — and
// requires a client certificate that chains to the anchors. Failures are counted by reason.

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "userspace-proxy/io/transport.h"
#include "userspace-proxy/metrics/registry.h"
#include "userspace-proxy/tls/credentials.h"

namespace weir::proxy::tls {

inline constexpr metrics::CounterDesc kHandshakeFailures{
    "weir_proxy_tls_handshake_failures_total",
    "mTLS handshakes between node proxies that failed, by direction and reason (untrusted, "
    "certificate_expired, identity_mismatch, no_certificate, unknown_identity, no_credential, "
    "handshake)."};

class Session final : public io::Transport {
 public:
  // `ctx`: the client context of the source workload's credential. `identity`: the server
  // identity to require, sent as SNI.
  static std::unique_ptr<Session> client(SSL_CTX* ctx, const std::string& identity,
                                         metrics::Registry* registry);
  // `front`: the worker's serving context (serverFront()), whose SNI callback finds the
  // credential in `view`.
  static std::unique_ptr<Session> server(SSL_CTX* front, metrics::Registry* registry);

  ~Session() override;

  void received(std::span<const char> wire) override;
  State pump(std::string& plain, std::string& wire) override;
  bool seal(std::span<const char> plain, std::string& wire) override;
  void closeNotify(std::string& wire) override;
  std::string_view failure() const override { return failure_; }
  std::string_view peerIdentity() const override { return peer_; }
  // The identity the client asked for (server side), once open.
  std::string_view localIdentity() const { return local_; }

 private:
  Session(SSL* ssl, bool isServer, metrics::Registry* registry);
  void fail(std::string_view reason, std::string detail);
  void opened();
  void drainWire(std::string& wire);

  SSL* ssl_;
  BIO* rbio_;
  BIO* wbio_;
  bool server_;
  metrics::Registry* registry_;
  State state_ = State::kHandshaking;
  std::string failure_;
  std::string peer_;
  std::string local_;
};

// A worker's serving context: no certificate of its own; the client's SNI picks one of `view`'s
// credentials (which must outlive the context). Owned by the worker.
Result<CtxPtr> serverFront(View& view);

}  // namespace weir::proxy::tls
