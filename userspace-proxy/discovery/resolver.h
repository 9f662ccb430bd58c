#pragma once

// weir-proxy's service discovery: what an authority (a connection's original destination
// "IP:port", or a name "web.demo.svc.cluster.local:80") resolves to, kept current by one
// Destination.Get and one Destination.GetProfile stream per authority to weir-control.
//
// One Resolver serves every worker. Lookups never wait for the network: the first one of an
// authority subscribes and answers kPending; the streams run on the resolver's own thread, which
// re-opens broken streams with backoff and drops idle subscriptions. Each change publishes a new
// immutable Resolution, so a worker keeps the one it got without locks.
//
// While weir-control is unreachable every authority keeps its last resolution; the first message
// of a re-opened stream replaces it (Destination.Get's contract).
//
//   auto resolver = createResolver({.destination = "weir-control:8086", .node = "node-a"});
//   (*resolver)->onChange([&] { eventfd_write(wake, 1); });
//   auto r = (*resolver)->lookup("10.96.0.10:80");  // kPending, then kResolved, ...

#include "common/grpctls/control_tls.h"
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "userspace-proxy/discovery/resolution.h"

namespace weir::proxy::discovery {

struct ResolverOptions {
  // weir-control's Destination service, "HOST:PORT".
  std::string destination;
  // TLS to it: weir-control's certificate checked against the anchors (read at every connect);
  // plaintext without anchors.
  grpctls::ControlTls tls;
  // This node's name, sent with every request.
  std::string node;
  // Delay before re-opening a broken stream: `backoffInitial`, doubling up to `backoffMax`. The
  // channel's reconnect backoff follows the same bounds.
  std::chrono::milliseconds backoffInitial{200};
  std::chrono::milliseconds backoffMax{5000};
  // An authority not looked up for this long is unsubscribed (streams closed, resolution
  // forgotten); it is dropped between 1x and 1.5x this after its last lookup. 0: never.
  std::chrono::milliseconds idleTimeout{0};
};

// Counters for the proxy's metrics.
struct ResolverStats {
  uint64_t authorities = 0;     // subscribed now
  uint64_t streams = 0;         // open now (two per authority while connected)
  uint64_t streamFailures = 0;  // streams that ended other than by unsubscribing
  uint64_t droppedEndpoints = 0;  // endpoints left out: not IPv4 with a valid port
};

// The Destination client lives in destination_client.h (createResolver); this is the seam.
class Resolver {
 public:
  // Closes every stream; lookups must have stopped. onChange callbacks are not called once the
  // destructor has begun.
  virtual ~Resolver() = default;

  // The current resolution of `authority` for a client in `sourceNamespace` (whose
  // ServiceProfiles take precedence; empty: the server's). Thread-safe, never blocks on the
  // network; the first lookup subscribes and returns kPending.
  virtual std::shared_ptr<const Resolution> lookup(std::string_view authority,
                                                   std::string_view sourceNamespace = {}) = 0;

  // As lookup(), but blocks up to `timeout` while the resolution is kPending, returning the
  // first one that is not (or the pending one at the timeout). For callers that may block: the
  // proxy's startup, its admin endpoints, tests. An io_uring worker instead calls lookup(), parks
  // the connection on kPending and looks again when onChange fires.
  virtual std::shared_ptr<const Resolution> await(std::string_view authority,
                                                  std::chrono::milliseconds timeout,
                                                  std::string_view sourceNamespace = {}) = 0;

  // Adds a callback called after any resolution changed, from one of the resolver's threads
  // (never with its lock held; it may call lookup()). It must be quick: the proxy writes to an
  // eventfd.
  virtual void onChange(std::function<void()> callback) = 0;

  virtual ResolverStats stats() const = 0;
};

}  // namespace weir::proxy::discovery
