#pragma once

// One worker thread: its own io_uring ring and receive buffers, its own listening sockets
// (SO_REUSEPORT: the kernel spreads new connections over the workers), connection pools,
// balancers and metrics registry. Nothing on the data path is shared with another worker.

#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "userspace-proxy/app/options.h"
#include "userspace-proxy/discovery/resolver.h"
#include "userspace-proxy/kernel/orig_dst.h"
#include "userspace-proxy/metrics/registry.h"
#include "userspace-proxy/tls/credentials.h"
#include "userspace-proxy/workloads/directory.h"

namespace weir::proxy::app {

// What every worker reads (each is thread-safe).
struct Shared {
  const Options* options = nullptr;
  const kernel::OrigDst* origDst = nullptr;
  const workloads::Directory* directory = nullptr;
  discovery::Resolver* resolver = nullptr;  // null: no discovery
  const tls::Store* tls = nullptr;           // null: no identity, plaintext between proxies
};

class Worker {
 public:
  // Starts the thread; returns once its ring is up (or failed to come up).
  static Result<std::unique_ptr<Worker>> start(unsigned index, const Shared& shared,
                                               std::vector<int> outbound, std::vector<int> inbound);
  ~Worker();

  // Any thread. drain(): stop accepting, finish what is in flight (HTTP/1 connections close
  // after their next response), exit when nothing is left or at the drain timeout. stop(): now.
  void drain();
  void stop();
  void join();
  // Any thread: discovery has news.
  void wake();

  const metrics::Registry& registry() const { return registry_; }
  size_t connections() const { return connections_.load(std::memory_order_relaxed); }

 private:
  struct Impl;
  Worker() = default;
  void run(std::promise<Status>& started);

  unsigned index_ = 0;
  Shared shared_;
  std::vector<int> outbound_;
  std::vector<int> inbound_;
  metrics::Registry registry_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> connections_{0};
  std::atomic<void*> loop_{nullptr};
  std::thread thread_;
};

}  // namespace weir::proxy::app
