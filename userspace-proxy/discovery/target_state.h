#pragma once

// One authority as its two Destination streams described it, turned into Resolutions: the
// rules of Destination.Get's updates (add replaces by address, remove drops, the first message
// of a stream replaces everything before it) and of GetProfile (each message replaces the
// last). No gRPC and no locking here: the resolver calls it under its lock.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "userspace-proxy/discovery/resolution.h"
#include "userspace-proxy/discovery/wire.h"
#include "weir/v1/destination.pb.h"

namespace weir::proxy::discovery {

class TargetState {
 public:
  // A message of a Get stream; `first`: the first of its stream. Returns how many endpoints
  // were left out because their address is not IPv4 with a valid port.
  size_t onUpdate(const v1::Update& update, bool first);
  // A message of a GetProfile stream.
  void onProfile(const v1::DestinationProfile& profile);
  // A stream ended or was refused. Shown as kError only while the authority has no answer from
  // both streams yet; after that the last answers stay until a new stream replaces them.
  void onFailure(std::string error);

  // The resolution as it stands when it differs from the last one published (then stamped with
  // `++version`), else null.
  std::shared_ptr<const Resolution> publish(uint64_t& version);

 private:
  enum class Get { kNone, kEndpoints, kNoEndpoints, kUnknown };

  Resolution build() const;

  Get get_ = Get::kNone;
  std::map<EndpointKey, Endpoint> endpoints_;
  Labels serviceLabels_;
  std::shared_ptr<const v1::DestinationProfile> profile_;
  std::string error_;
  std::shared_ptr<const Resolution> published_;
};

}  // namespace weir::proxy::discovery
