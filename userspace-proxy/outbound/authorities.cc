#include "userspace-proxy/outbound/authorities.h"

namespace weir::proxy::outbound {

namespace {

// A picker with nothing to pick: a service that exists with no ready endpoint.
class NoEndpoints final : public upstream::Picker {
 public:
  std::optional<upstream::Pick> pick(Clock::time_point) override { return std::nullopt; }
  void connected(const upstream::Pick&) override {}
  void connectFailed(const upstream::Pick&, Clock::time_point) override {}
  void finish(const upstream::Pick&, Clock::duration, Clock::time_point) override {}
  void abandon(const upstream::Pick&) override {}
};

// "10.96.0.10:80" -> 80.
std::string portOf(const std::string& authority) {
  size_t colon = authority.rfind(':');
  return colon == std::string::npos ? std::string() : authority.substr(colon + 1);
}

}  // namespace

Resolved Authorities::get(const std::string& authority, std::string_view sourceNamespace,
                          Clock::time_point now, bool fallback) {
  Resolved out;
  if (resolver_ == nullptr || fallback) {
    auto addr = io::parseAddress(authority);
    if (addr) {
      out.picker = std::make_shared<upstream::FixedPicker>(upstream::plainTarget(addr.value()));
      out.single = true;
    } else {
      out.picker = std::make_shared<NoEndpoints>();
    }
    return out;
  }
  std::string key(sourceNamespace);
  key += '/';
  key += authority;
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (inserted) {
    e.sourceNamespace = std::string(sourceNamespace);
  }
  auto latest = resolver_->lookup(authority, sourceNamespace);
  if (latest != e.resolution) {
    e.resolution = std::move(latest);
    if (e.picker && e.resolution->state == discovery::Resolution::State::kResolved) {
      e.picker->update(*e.resolution, now);
    }
  }
  return from(authority, e, now);
}

Resolved Authorities::from(const std::string& authority, Entry& e, Clock::time_point now) {
  Resolved out;
  const discovery::Resolution& r = *e.resolution;
  switch (r.state) {
    case discovery::Resolution::State::kPending:
      out.pending = true;
      return out;
    case discovery::Resolution::State::kResolved:
      if (!e.picker) {
        upstream::PickerOptions options = options_;
        options.seed = options_.seed ^ std::hash<std::string>{}(authority);
        e.picker = std::make_shared<upstream::BalancedPicker>(r, options, now);
      }
      out.picker = e.picker;
      break;
    case discovery::Resolution::State::kNoEndpoints:
      out.picker = std::make_shared<NoEndpoints>();
      break;
    case discovery::Resolution::State::kUnknown:
    case discovery::Resolution::State::kError: {
      // Not a mesh service (or no answer): as it was dialled, or the pod address's endpoint.
      upstream::TargetPtr target;
      if (r.profileEndpoint) {
        target = upstream::BalancedPicker::targetOf(*r.profileEndpoint, options_.node);
      } else if (auto addr = io::parseAddress(authority)) {
        target = upstream::plainTarget(addr.value());
      }
      if (target) {
        out.picker = std::make_shared<upstream::FixedPicker>(std::move(target));
        out.single = true;
      } else {
        out.picker = std::make_shared<NoEndpoints>();
      }
      break;
    }
  }
  out.opaque = r.opaqueProtocol;
  if (!r.fullyQualifiedName.empty()) {
    out.authority = r.fullyQualifiedName + ":" + portOf(authority);
  }
  return out;
}

void Authorities::refresh(Clock::time_point now) {
  if (resolver_ == nullptr) {
    return;
  }
  for (auto& [key, e] : entries_) {
    std::string authority = key.substr(key.find('/') + 1);
    auto latest = resolver_->lookup(authority, e.sourceNamespace);
    if (latest != e.resolution) {
      e.resolution = std::move(latest);
      if (e.picker && e.resolution->state == discovery::Resolution::State::kResolved) {
        e.picker->update(*e.resolution, now);
      }
    }
  }
}

}  // namespace weir::proxy::outbound
