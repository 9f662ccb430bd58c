#pragma once

// Graceful restart: a running weir-proxy serves its listening sockets on a unix socket; a new
// weir-proxy started with the same path receives them (SCM_RIGHTS), starts accepting from the
// same accept queues, and says so; the old one then stops accepting, finishes what is in flight
// and exits. The queues never close, so no connection is refused during the hand-over.

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/fd.h"
#include "common/base/result.h"

namespace weir::proxy::app {

struct Listeners {
  std::vector<UniqueFd> outbound;  // one per worker of the process that made them
  std::vector<UniqueFd> inbound;
};

// Asks a running proxy at `path` for its listeners. Returns an empty Listeners when nobody
// serves the path (the first proxy of the node); an error when one does and the exchange failed.
// On success `confirm` must be called once the new proxy accepts from them.
struct Received {
  Listeners listeners;
  UniqueFd channel;  // confirm() writes on it
  bool fromPeer = false;
};
Result<Received> requestListeners(const std::string& path);
Status confirmTakeover(Received& received);

// Serves the listeners to a successor. `onHandedOver` runs (on the server's thread) once a
// successor confirmed: the caller stops accepting and drains.
class TakeoverServer {
 public:
  static Result<std::unique_ptr<TakeoverServer>> start(const std::string& path,
                                                       std::vector<int> outbound,
                                                       std::vector<int> inbound,
                                                       std::function<void()> onHandedOver);
  ~TakeoverServer();

 private:
  TakeoverServer() = default;
  void run();
  std::string path_;
  UniqueFd listener_;
  UniqueFd stop_;
  std::vector<int> outbound_;
  std::vector<int> inbound_;
  std::function<void()> onHandedOver_;
  std::thread thread_;
};

}  // namespace weir::proxy::app
