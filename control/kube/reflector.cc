#include "control/kube/reflector.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

#include "common/base/log.h"

namespace weir::control::kube {

namespace {

using nlohmann::json;

spdlog::logger& kubeLog() {
  static const auto kLogger = weir::logger("kube");
  return *kLogger;
}

// Query-string escaping (RFC 3986 unreserved characters pass through); continue tokens are
// base64 and label selectors carry '=' and ','.
std::string escape(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : in) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// A list's items carry no kind/apiVersion for built-in types; give them the ones a watch
// event's object has, so consumers see one shape.
void fillTypeMeta(json& item, const std::string& kind, const std::string& apiVersion) {
  if (!item.contains("kind") && !kind.empty()) {
    item["kind"] = kind;
  }
  if (!item.contains("apiVersion") && !apiVersion.empty()) {
    item["apiVersion"] = apiVersion;
  }
}

std::string stringAt(const json& doc, const json::json_pointer& ptr) {
  return doc.contains(ptr) && doc.at(ptr).is_string() ? doc.at(ptr).get<std::string>() : "";
}

}  // namespace

Reflector::Reflector(const HttpsClient& client, ReflectorOptions options,
                     ReflectorHandlers handlers)
    : client_(client),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      backoff_(options_.backoff),
      stopFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!options_.now) {
    options_.now = [] { return std::chrono::steady_clock::now(); };
  }
}

void Reflector::run() {
  bool needList = true;
  while (!stopping()) {
    if (needList) {
      if (!list()) {
        pause(backoff_.next());
        continue;
      }
      backoff_.reset();
      needList = false;
    }
    WatchResult w = watch();
    if (w.progressed) {
      backoff_.reset();
    }
    switch (w.end) {
      case WatchEnd::kStopped:
        return;
      case WatchEnd::kTimedOut:
        break;  // the server ended a quiet watch: open the next one now
      case WatchEnd::kExpired:
        needList = true;
        if (!w.progressed) {
          pause(backoff_.next());  // list-then-410 at once, again and again, must not spin
        }
        break;
      case WatchEnd::kFailed:
        pause(backoff_.next());
        break;
    }
  }
}

void Reflector::stop() {
  stopping_.store(true, std::memory_order_release);
  uint64_t one = 1;
  if (stopFd_.valid()) {
    // The counter cannot overflow from a handful of writes; a failure leaves stopping_ set.
    [[maybe_unused]] ssize_t n = ::write(stopFd_.get(), &one, sizeof(one));
  }
}

std::string Reflector::resourceVersion() const {
  std::lock_guard lock(mu_);
  return resourceVersion_;
}

void Reflector::setResourceVersion(std::string rv) {
  std::lock_guard lock(mu_);
  resourceVersion_ = std::move(rv);
}

void Reflector::pause(std::chrono::milliseconds delay) {
  if (stopping()) {
    return;
  }
  kubeLog().debug("backoff path={} delay_ms={}", options_.path, delay.count());
  if (options_.sleep) {
    options_.sleep(delay);
    return;
  }
  pollfd pfd{stopFd_.get(), POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + delay;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || stopping()) {
      return;
    }
    int n = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (n > 0 || (n < 0 && errno != EINTR)) {
      return;  // stopped (or poll is broken: retrying at once beats never)
    }
  }
}

std::string Reflector::query(const std::string& params) const {
  std::string q = options_.path + "?" + params;
  if (!options_.labelSelector.empty()) {
    q += "&labelSelector=" + escape(options_.labelSelector);
  }
  return q;
}

bool Reflector::list() {
  std::vector<json> objects;
  std::string continueToken;
  std::string rv;
  int restarts = 0;
  GetOptions get;
  get.cancelFd = stopFd_.get();
  for (;;) {
    std::string params = "limit=" + std::to_string(options_.pageSize);
    if (!continueToken.empty()) {
      params += "&continue=" + escape(continueToken);
    }
    auto resp = client_.get(query(params), get);
    if (stopping()) {
      return false;
    }
    if (!resp) {
      kubeLog().warn("list_failed path={} error=\"{}\"", options_.path, resp.error().str());
      return false;
    }
    int status = resp->head.status;
    if (status == 410 && !continueToken.empty() && restarts < 3) {
      // The continue token outlived the server's history: start the list over.
      kubeLog().info("list_restart path={} reason=continue_expired", options_.path);
      objects.clear();
      continueToken.clear();
      ++restarts;
      continue;
    }
    if (status == 404 && handlers_.onNotFound) {
      kubeLog().debug("list_not_found path={}", options_.path);
      handlers_.onNotFound();
      return false;
    }
    if (status != 200) {
      ApiStatus st = statusFromBody(resp->body, status);
      kubeLog().warn("list_failed path={} code={} reason={} message=\"{}\"", options_.path, st.code,
                     st.reason, st.message);
      return false;
    }
    json doc = json::parse(resp->body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("items") ||
        !(doc["items"].is_array() || doc["items"].is_null())) {
      kubeLog().warn("list_failed path={} error=\"response is not a list\"", options_.path);
      return false;
    }
    std::string kind = stringAt(doc, json::json_pointer("/kind"));
    if (kind.ends_with("List")) {
      kind.resize(kind.size() - 4);
    }
    std::string apiVersion = stringAt(doc, json::json_pointer("/apiVersion"));
    if (doc["items"].is_array()) {
      for (json& item : doc["items"]) {
        if (item.is_object()) {
          fillTypeMeta(item, kind, apiVersion);
          objects.push_back(std::move(item));
        }
      }
    }
    rv = resourceVersionOf(doc);
    continueToken = stringAt(doc, json::json_pointer("/metadata/continue"));
    if (continueToken.empty()) {
      break;
    }
  }
  if (rv.empty()) {
    kubeLog().warn("list_failed path={} error=\"list has no metadata.resourceVersion\"",
                   options_.path);
    return false;
  }
  kubeLog().info("list_done path={} objects={} resource_version={}", options_.path, objects.size(),
                 rv);
  setResourceVersion(rv);
  if (handlers_.onSnapshot) {
    handlers_.onSnapshot(std::move(objects), rv);
  }
  return true;
}

Reflector::WatchResult Reflector::watch() {
  WatchResult result;
  bool expired = false;
  bool failed = false;
  LineSink sink = [&](std::string_view line) {
    if (line.empty()) {
      return true;
    }
    auto event = parseWatchEvent(line);
    if (!event) {
      kubeLog().warn("watch_bad_event path={} error=\"{}\"", options_.path, event.error().str());
      failed = true;
      return false;
    }
    if (event->type == WatchEventType::kError) {
      ApiStatus st = statusFromObject(event->object);
      expired = st.code == 410;
      failed = !expired;
      kubeLog().log(expired ? spdlog::level::info : spdlog::level::warn,
                    "watch_error path={} code={} reason={} message=\"{}\"", options_.path, st.code,
                    st.reason, st.message);
      return false;
    }
    std::string rv = resourceVersionOf(event->object);
    if (!rv.empty()) {
      setResourceVersion(std::move(rv));
    }
    result.progressed = true;
    if (event->type != WatchEventType::kBookmark && handlers_.onEvent) {
      handlers_.onEvent(event->type, event->object);
    }
    return !stopping();
  };

  std::string params =
      "watch=1&resourceVersion=" + escape(resourceVersion()) +
      "&allowWatchBookmarks=true&timeoutSeconds=" + std::to_string(options_.watchTimeout.count());
  GetOptions get;
  get.cancelFd = stopFd_.get();
  get.idleTimeout = options_.watchTimeout + options_.idleSlack;
  get.lines = &sink;
  auto started = options_.now();
  auto resp = client_.get(query(params), get);

  if (stopping()) {
    result.end = WatchEnd::kStopped;
  } else if (expired) {
    result.end = WatchEnd::kExpired;
  } else if (failed) {
    result.end = WatchEnd::kFailed;
  } else if (!resp) {
    kubeLog().warn("watch_failed path={} resource_version={} error=\"{}\"", options_.path,
                   resourceVersion(), resp.error().str());
    result.end = WatchEnd::kFailed;
  } else if (resp->head.status == 410) {
    kubeLog().info("watch_expired path={} resource_version={}", options_.path, resourceVersion());
    result.end = WatchEnd::kExpired;
  } else if (resp->head.status == 404) {
    // The collection went away (its CRD was deleted): only a LIST can tell the consumer so.
    kubeLog().info("watch_not_found path={}", options_.path);
    result.end = WatchEnd::kExpired;
  } else if (resp->head.status != 200) {
    ApiStatus st = statusFromBody(resp->body, resp->head.status);
    kubeLog().warn("watch_failed path={} code={} reason={} message=\"{}\"", options_.path, st.code,
                   st.reason, st.message);
    result.end = WatchEnd::kFailed;
  } else if (!result.progressed && options_.now() - started < options_.minQuietWatch) {
    kubeLog().warn("watch_closed_early path={} resource_version={}", options_.path,
                   resourceVersion());
    result.end = WatchEnd::kFailed;
  } else {
    result.end = WatchEnd::kTimedOut;
  }
  return result;
}

}  // namespace weir::control::kube
