#pragma once

// The JSON the API server speaks on list and watch: one watch event per line
// ({"type":"ADDED","object":{...}}), and metav1.Status for failures (in an ERROR event or as
// the body of a non-2xx response).

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace weir::control::kube {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

std::string_view toString(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  nlohmann::json object;  // the object; a Status for kError
};

// One line of a watch stream. Fails on bad JSON, an unknown type or a missing object.
Result<WatchEvent> parseWatchEvent(std::string_view line);

// metadata.resourceVersion of an object or list, "" when absent.
std::string resourceVersionOf(const nlohmann::json& object);

// The parts of a metav1.Status the reflector acts on.
struct ApiStatus {
  int code = 0;         // HTTP-style code, 410 for Gone/Expired
  std::string reason;   // "Expired", "Gone", "NotFound", ...
  std::string message;  // human-readable
};

ApiStatus statusFromObject(const nlohmann::json& status);
// The Status in a response body; falls back to `httpStatus` and the start of the body when the
// body is not a Status.
ApiStatus statusFromBody(std::string_view body, int httpStatus);

}  // namespace weir::control::kube
