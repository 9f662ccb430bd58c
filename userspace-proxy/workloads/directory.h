#pragma once

// The node's workloads by cgroup, from the directory file weir-agent writes
// (`weir-agent --workloads-file`): the names the proxy labels a connection's series with.
// Reloaded when the file changes; a file that does not parse leaves the last good directory.

#include <sys/stat.h>

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
  metrics::Labels labels;  // namespace, external_workload|pod, serviceaccount
};

using Table = std::unordered_map<uint64_t, std::shared_ptr<const Workload>>;

// Parses the directory file's text. An error names what is wrong.
Result<std::shared_ptr<const Table>> parseDirectory(std::string_view text);

class Directory {
 public:
  explicit Directory(std::string path) : path_(std::move(path)), table_(std::make_shared<Table>()) {}

  // Re-reads the file when its modification time or size changed. Any thread; cheap when
  // nothing changed (one stat). Returns false when the file was there and did not parse.
  bool refresh();

  // The workload of a cgroup; nullptr when unknown. Any thread.
  std::shared_ptr<const Workload> find(uint64_t cgroupId) const;
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
};

}  // namespace weir::proxy::workloads
