#pragma once

// A worker's view of the authorities its connections dial: each one's latest resolution and its
// balancer. Lookups never block: an authority discovery has not answered yet is pending, and the
// worker looks again when the resolver says something changed (refresh()). Without a resolver
// (no control plane) every authority is "unknown": connections go to their original destination.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "userspace-proxy/discovery/resolver.h"
#include "userspace-proxy/upstream/balanced_picker.h"

namespace weir::proxy::outbound {

using io::Clock;

struct Resolved {
  bool pending = false;
  // Where connections go; null with pending. A service without endpoints gets a picker that
  // never picks (HTTP answers 503, opaque connections close).
  std::shared_ptr<upstream::Picker> picker;
  bool opaque = false;     // the port is opaque: no detection
  bool single = false;     // one target (the original destination, a pod address)
  std::string authority;   // "web.demo.svc.cluster.local:80" when it is a known service
};

class Authorities {
 public:
  Authorities(discovery::Resolver* resolver, upstream::PickerOptions options)
      : resolver_(resolver), options_(std::move(options)) {}

  // `authority` is the original destination "IP:port"; `sourceNamespace` the client's.
  Resolved get(const std::string& authority, std::string_view sourceNamespace,
               Clock::time_point now, bool fallback = false);
  // Brings every balancer up to its authority's latest resolution.
  void refresh(Clock::time_point now);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string sourceNamespace;
    std::shared_ptr<const discovery::Resolution> resolution;
    std::shared_ptr<upstream::BalancedPicker> picker;
  };
  Resolved from(const std::string& authority, Entry& e, Clock::time_point now);

  discovery::Resolver* resolver_;
  upstream::PickerOptions options_;
  std::unordered_map<std::string, Entry> entries_;  // by source namespace + authority
};

}  // namespace weir::proxy::outbound
