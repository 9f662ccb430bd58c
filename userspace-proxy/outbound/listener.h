#pragma once

// The outbound listener (4140): connections the kernel steered here from a meshed workload. For
// each one: where the client meant to go and who it is (the kernel's record), what discovery
// says of that destination, then detection and the protocol's handler (serve::Dispatch). A
// connection whose destination discovery has not answered for yet waits, reading nothing, until
// it does or the wait times out (then it goes to its original destination).

#include <memory>

#include "userspace-proxy/conn/context.h"
#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/kernel/orig_dst.h"
#include "userspace-proxy/outbound/authorities.h"
#include "userspace-proxy/serve/dispatch.h"
#include "userspace-proxy/workloads/directory.h"

namespace weir::proxy::outbound {

inline constexpr metrics::CounterDesc kNotSteered{
    "weir_proxy_unsteered_connections_total",
    "Connections to the outbound listener the kernel did not steer (no original destination): "
    "closed."};

struct Services {
  io::Loop* loop = nullptr;
  metrics::Registry* registry = nullptr;
  serve::Env* serve = nullptr;
  Authorities* authorities = nullptr;
  const kernel::OrigDst* origDst = nullptr;
  workloads::View* workloads = nullptr;
  std::chrono::milliseconds discoveryTimeout{3000};
  bool mtls = false;  // connections to other nodes' proxies are mTLS
};

class Listener final : public io::AcceptHandler {
 public:
  explicit Listener(Services services) : s_(services) {}
  ~Listener() override;
  void onAccept(int fd) override;
  // Discovery changed something: balancers catch up, waiting connections look again.
  void onDiscoveryChanged();

 private:
  class Waiting;
  void proceed(io::Stream& down, conn::Meter meter, conn::Context ctx, const std::string& authority,
               const Resolved& r);

  Services s_;
  Waiting* waiting_ = nullptr;  // intrusive list of connections waiting for discovery
};

}  // namespace weir::proxy::outbound
