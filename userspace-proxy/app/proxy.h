#pragma once

// weir-proxy as a whole: the listening sockets (made here, or taken over from a running
// weir-proxy), the workers, discovery, the workload directory, the admin server, and the
// hand-over to a successor.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/admin/server.h"
#include "common/base/fd.h"
#include "common/base/result.h"
#include "common/fswatch/dir_watcher.h"
#include "userspace-proxy/app/options.h"
#include "userspace-proxy/app/takeover.h"
#include "userspace-proxy/app/worker.h"
#include "userspace-proxy/discovery/resolver.h"
#include "userspace-proxy/identity/certifier.h"
#include "userspace-proxy/identity/grpc_authority.h"
#include "userspace-proxy/tls/credentials.h"
#include "userspace-proxy/kernel/orig_dst.h"
#include "userspace-proxy/workloads/directory.h"

namespace weir::proxy::app {

class Proxy {
 public:
  static Result<std::unique_ptr<Proxy>> start(const Options& options);
  ~Proxy();

  // Blocks until the proxy has stopped (after drain() or stop()).
  void wait();
  // Stop accepting, finish in-flight work, exit. Any thread, idempotent.
  void drain();
  void stop();

  std::string metricsText() const;

 private:
  Proxy() = default;
  Status makeListeners();
  Status startAdmin();
  Status startIdentity();
  void housekeeping();

  Options options_;
  std::unique_ptr<kernel::OrigDst> origDst_;
  std::unique_ptr<workloads::Directory> directory_;
  std::unique_ptr<discovery::Resolver> resolver_;
  std::unique_ptr<tls::Store> tls_;                    // with --identity
  std::unique_ptr<identity::Certifier> certifier_;
  Listeners listeners_;
  Received takeover_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<admin::Server> admin_;
  std::unique_ptr<TakeoverServer> handover_;
  std::unique_ptr<fswatch::DirWatcher> watcher_;
  std::thread housekeeper_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::atomic<bool> draining_{false};
  std::atomic<bool> ready_{false};
  std::chrono::steady_clock::time_point startedAt_;
};

}  // namespace weir::proxy::app
