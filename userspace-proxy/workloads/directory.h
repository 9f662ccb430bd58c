#pragma once

// The node's workloads by cgroup, from the directory file weir-agent writes
// (`weir-agent --workloads-file`): the names the proxy labels a connection's series with.
// Reloaded when the file changes; a file that does not parse leaves the last good directory.

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/base/result.h"
#include "common/metrics/text_writer.h"

namespace weir::proxy::workloads {

struct Workload {
  std::string ns;
  std::string name;
  std::string kind;      // "ExternalWorkload" (Pods when the agent places them)
  std::string identity;  // Linkerd-form identity; empty when not meshed
  uint32_t ip4 = 0;      // network order; 0 when it has no address
  // Its outbound pools (config.linkerd.io/proxy-outbound-*); 0: the proxy's defaults.
  uint32_t maxIdleConnsPerHost = 0;
  uint32_t maxRequestsPerConnection = 0;
  metrics::Labels labels;  // namespace, external_workload|pod, serviceaccount
};

struct Table {
  std::unordered_map<uint64_t, std::shared_ptr<const Workload>> byCgroup;
  std::unordered_map<uint32_t, std::shared_ptr<const Workload>> byIp;  // network order
};

// Parses the directory file's text. An error names what is wrong.
Result<std::shared_ptr<const Table>> parseDirectory(std::string_view text);

class Directory {
 public:
  explicit Directory(std::string path) : path_(std::move(path)), table_(std::make_shared<Table>()) {}

  // Re-reads the file when its modification time or size changed. Any thread; cheap when
  // nothing changed (one stat). Returns false when the file was there and did not parse.
  bool refresh();

  // The current table, and a number that changes whenever it does (read without a lock).
  std::shared_ptr<const Table> table() const;
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  uint64_t reloads() const;
  uint64_t errors() const;

 private:
  std::string path_;
  mutable std::mutex mu_;
  std::shared_ptr<const Table> table_;
  timespec mtime_{};
  off_t size_ = -1;
  uint64_t reloads_ = 0;
  uint64_t errors_ = 0;
  std::atomic<uint64_t> version_{0};
};

// One worker's copy of the directory: lookups take no lock; a changed directory is copied (one
// pointer, under the directory's lock) at the next lookup after the change.
class View {
 public:
  explicit View(const Directory& directory) : directory_(directory) {}
  std::shared_ptr<const Workload> find(uint64_t cgroupId);
  std::shared_ptr<const Workload> findByIp(uint32_t ip4);

 private:
  const Table& current();
  const Directory& directory_;
  uint64_t version_ = UINT64_MAX;
  std::shared_ptr<const Table> table_;
};

}  // namespace weir::proxy::workloads
