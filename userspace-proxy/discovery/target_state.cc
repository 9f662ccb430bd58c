#include "userspace-proxy/discovery/target_state.h"

#include <google/protobuf/util/message_differencer.h>

#include <utility>

namespace weir::proxy::discovery {

size_t TargetState::onUpdate(const v1::Update& update, bool first) {
  if (first) {
    // A new stream's first message is the whole truth (see Destination.Get).
    endpoints_.clear();
  }
  size_t dropped = 0;
  switch (update.update_case()) {
    case v1::Update::kAdd:
      serviceLabels_ = dstLabels(update.add().metric_labels());
      for (const v1::Endpoint& wire : update.add().endpoints()) {
        std::optional<Endpoint> endpoint = endpointFrom(wire, update.add().metric_labels());
        if (!endpoint) {
          ++dropped;
          continue;
        }
        endpoints_[endpointKey(*endpoint)] = std::move(*endpoint);
      }
      get_ = Get::kEndpoints;
      break;
    case v1::Update::kRemove:
      for (const v1::TcpAddress& addr : update.remove().addrs()) {
        if (std::optional<EndpointKey> key = endpointKey(addr)) {
          endpoints_.erase(*key);
        }
      }
      if (first || get_ == Get::kNone) {
        get_ = Get::kEndpoints;  // not sent by weir-control; read as "none left"
      }
      break;
    case v1::Update::kNoEndpoints:
      endpoints_.clear();
      if (update.no_endpoints().exists()) {
        get_ = Get::kNoEndpoints;
      } else {
        get_ = Get::kUnknown;
        serviceLabels_.clear();
      }
      break;
    case v1::Update::UPDATE_NOT_SET:
      break;  // a kind this client does not know: nothing it can act on
  }
  return dropped;
}

void TargetState::onProfile(const v1::DestinationProfile& profile) {
  if (profile_ && google::protobuf::util::MessageDifferencer::Equals(*profile_, profile)) {
    return;  // the same again (a reconnect): keep the pointer, so nothing reads as changed
  }
  profile_ = std::make_shared<const v1::DestinationProfile>(profile);
}

void TargetState::onFailure(std::string error) {
  if (get_ == Get::kNone || !profile_) {
    error_ = std::move(error);
  }
}

Resolution TargetState::build() const {
  Resolution out;
  if (get_ == Get::kNone || !profile_) {
    out.state = error_.empty() ? Resolution::State::kPending : Resolution::State::kError;
    out.error = error_;
  } else if (get_ == Get::kUnknown) {
    out.state = Resolution::State::kUnknown;
  } else if (get_ == Get::kNoEndpoints || endpoints_.empty()) {
    // Removing the last endpoint is the same as no_endpoints {exists: true}.
    out.state = Resolution::State::kNoEndpoints;
  } else {
    out.state = Resolution::State::kResolved;
  }
  out.endpoints.reserve(endpoints_.size());
  for (const auto& [key, endpoint] : endpoints_) {
    out.endpoints.push_back(endpoint);
  }
  out.serviceLabels = serviceLabels_;
  if (profile_) {
    out.loadBalancer = profile_->load_balancer();
    out.fullyQualifiedName = profile_->fully_qualified_name();
    out.opaqueProtocol = profile_->opaque_protocol();
    if (profile_->has_endpoint()) {
      out.profileEndpoint = endpointFrom(profile_->endpoint(), LabelMap());
    }
    out.profile = profile_;
  }
  return out;
}

std::shared_ptr<const Resolution> TargetState::publish(uint64_t& version) {
  Resolution next = build();
  if (next.sameAs(published_ ? *published_ : Resolution())) {
    return nullptr;
  }
  next.version = ++version;
  published_ = std::make_shared<const Resolution>(std::move(next));
  return published_;
}

}  // namespace weir::proxy::discovery
