#include "control/kube/watch_event.h"

namespace weir::control::kube {

namespace {

using nlohmann::json;

std::string stringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view toString(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      return "ERROR";
  }
  return "?";
}

Result<WatchEvent> parseWatchEvent(std::string_view line) {
  json doc = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return plainError("watch event: not a JSON object");
  }
  std::string type = stringField(doc, "type");
  WatchEvent event;
  if (type == "ADDED") {
    event.type = WatchEventType::kAdded;
  } else if (type == "MODIFIED") {
    event.type = WatchEventType::kModified;
  } else if (type == "DELETED") {
    event.type = WatchEventType::kDeleted;
  } else if (type == "BOOKMARK") {
    event.type = WatchEventType::kBookmark;
  } else if (type == "ERROR") {
    event.type = WatchEventType::kError;
  } else {
    return plainError("watch event: unknown type \"" + type.substr(0, 32) + "\"");
  }
  auto object = doc.find("object");
  if (object == doc.end() || !object->is_object()) {
    return plainError("watch event " + type + ": no object");
  }
  event.object = std::move(*object);
  return event;
}

std::string resourceVersionOf(const json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) {
    return {};
  }
  return stringField(*meta, "resourceVersion");
}

ApiStatus statusFromObject(const json& status) {
  ApiStatus s;
  if (!status.is_object()) {
    return s;
  }
  auto code = status.find("code");
  if (code != status.end() && code->is_number_integer()) {
    s.code = code->get<int>();
  }
  s.reason = stringField(status, "reason");
  s.message = stringField(status, "message");
  return s;
}

ApiStatus statusFromBody(std::string_view body, int httpStatus) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  ApiStatus s;
  if (!doc.is_discarded() && doc.is_object() && stringField(doc, "kind") == "Status") {
    s = statusFromObject(doc);
  } else {
    s.message = std::string(body.substr(0, 200));
  }
  if (s.code == 0) {
    s.code = httpStatus;
  }
  return s;
}

}  // namespace weir::control::kube
