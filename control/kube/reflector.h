#pragma once

// Keeps one resource collection in step with the API server, the way client-go's reflector does:
// LIST (paginated) for a full snapshot, then WATCH from the list's resourceVersion. Bookmarks
// move the resume point; a dropped or failed watch resumes from the last version seen, after an
// exponential backoff; 410 Gone (the version left the server's history) means LIST again, which
// hands the consumer a fresh snapshot to diff against what it had.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/fd.h"
#include "control/kube/backoff.h"
#include "control/kube/https_client.h"
#include "control/kube/watch_event.h"

namespace weir::control::kube {

struct ReflectorHandlers {
  // Every object in the collection (each with kind and apiVersion filled in, as on a watch), and
  // the list's resourceVersion. First at start, then after every re-list.
  std::function<void(std::vector<nlohmann::json> objects, const std::string& resourceVersion)>
      onSnapshot;
  // One change, in the server's order: kAdded, kModified or kDeleted (the last state of the
  // object). Bookmarks and errors are handled inside.
  std::function<void(WatchEventType type, const nlohmann::json& object)> onEvent;
  // The LIST was answered 404: the server does not serve the collection (a CRD that is not, or
  // no longer, installed). The reflector keeps listing with backoff, so the collection is picked
  // up once it appears; while this is set it logs such answers at debug only and leaves telling
  // the user to the consumer. A WATCH answered 404 (the CRD went away) leads to a new LIST.
  std::function<void()> onNotFound;
};

struct ReflectorOptions {
  // The collection: "/api/v1/services", "/apis/discovery.k8s.io/v1/endpointslices",
  // "/apis/policy.linkerd.io/v1beta3/namespaces/emojivoto/servers", ...
  std::string path;
  std::string labelSelector;  // optional, sent on both list and watch
  uint32_t pageSize = 500;    // LIST limit; later pages follow metadata.continue
  // Sent as timeoutSeconds: the server ends a quiet watch after this long and the reflector
  // opens the next. The client gives up on a silent connection after this plus idleSlack.
  std::chrono::seconds watchTimeout{300};
  std::chrono::seconds idleSlack{30};
  BackoffPolicy backoff;
  // Waits between retries; must return early once stop() is called if it sleeps for real.
  // Empty: an interruptible sleep. Tests inject a recorder.
  std::function<void(std::chrono::milliseconds)> sleep;
  // A watch that ends cleanly without delivering anything sooner than this is treated as a
  // failure (backoff), so a server that closes at once cannot make the reflector spin.
  std::chrono::milliseconds minQuietWatch{1000};
  std::function<std::chrono::steady_clock::time_point()> now;  // empty: steady_clock
};

class Reflector {
 public:
  // `client` must outlive the reflector; one client can serve many reflectors.
  Reflector(const HttpsClient& client, ReflectorOptions options, ReflectorHandlers handlers);

  // Lists and watches until stop(). Never returns on API server errors: it logs and retries.
  void run();
  // Makes run() return promptly, from any thread: in-flight requests and sleeps are abandoned.
  void stop();

  // The version a resumed watch would start from ("" before the first list).
  std::string resourceVersion() const;

 private:
  enum class WatchEnd { kTimedOut, kExpired, kFailed, kStopped };
  struct WatchResult {
    WatchEnd end = WatchEnd::kFailed;
    bool progressed = false;  // delivered at least one event or bookmark
  };

  bool list();
  WatchResult watch();
  void setResourceVersion(std::string rv);
  void pause(std::chrono::milliseconds delay);
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  std::string query(const std::string& params) const;

  const HttpsClient& client_;
  ReflectorOptions options_;
  ReflectorHandlers handlers_;
  Backoff backoff_;
  UniqueFd stopFd_;  // eventfd, readable once stop() ran
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::string resourceVersion_;  // guarded by mu_
};

}  // namespace weir::control::kube
