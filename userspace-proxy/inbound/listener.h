#pragma once

// The inbound listener (4143): connections from other nodes' proxies to this node's workloads.
// Each starts with a transport header naming the workload's address and the protocol; then the
// connection is served like any other (serve::Dispatch) with that workload as its one target.
// A connection without a valid header within the timeout is closed and counted. With mTLS the
// header comes inside TLS: the client named the workload's identity in SNI (its certificate is
// presented) and proved its own with a certificate; a header naming a workload of another
// identity is refused.

#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/serve/dispatch.h"
#include "userspace-proxy/tls/session.h"
#include "userspace-proxy/workloads/directory.h"

namespace weir::proxy::inbound {

inline constexpr metrics::CounterDesc kBadHeaders{
    "weir_proxy_inbound_rejected_total",
    "Inbound connections closed before serving: no valid transport header, or a target that is "
    "not a workload of this node."};

struct Services {
  io::Loop* loop = nullptr;
  metrics::Registry* registry = nullptr;
  serve::Env* serve = nullptr;
  workloads::View* workloads = nullptr;
  std::chrono::milliseconds headerTimeout{5000};
  SSL_CTX* tlsFront = nullptr;  // the worker's serving context (tls::serverFront); null: plaintext
};

class Listener final : public io::AcceptHandler {
 public:
  explicit Listener(Services services) : s_(services) {}
  void onAccept(int fd) override;

 private:
  class Reading;
  Services s_;
};

}  // namespace weir::proxy::inbound
