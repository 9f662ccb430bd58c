#pragma once

// Typed access to one BPF hash/array map and diff-based synchronisation: the kernel map is made
// equal to a desired set of entries by writing only what changed.

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace weir::agent::kmaps {

// Orders plain-old-data keys by their bytes (keys have explicit padding, always zeroed).
template <typename K>
struct BytesLess {
  bool operator()(const K& a, const K& b) const { return std::memcmp(&a, &b, sizeof(K)) < 0; }
};

template <typename K, typename V>
using Entries = std::map<K, V, BytesLess<K>>;

template <typename V>
bool sameBytes(const V& a, const V& b) {
  return std::memcmp(&a, &b, sizeof(V)) == 0;
}

struct SyncStats {
  size_t updated = 0;
  size_t deleted = 0;
  size_t unchanged = 0;
};

// Reads every entry of a (non per-CPU) map.
template <typename K, typename V>
Result<Entries<K, V>> readAll(int fd, const std::string& name) {
  Entries<K, V> out;
  K key{};
  K next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    V value{};
    if (bpf_map_lookup_elem(fd, &next, &value) == 0) {
      out.emplace(next, value);
    } else if (errno != ENOENT) {
      return osError(errno, "read map " + name);
    }
    key = next;
    prev = &key;
  }
  if (errno != ENOENT) {
    return osError(errno, "iterate map " + name);
  }
  return out;
}

// Reads every entry of a per-CPU map, folding the CPUs' values with add(sum, cpuValue).
template <typename K, typename V, typename Add>
Result<Entries<K, V>> readAllPercpu(int fd, const std::string& name, Add add) {
  (void)name;  // kept for symmetry with readAll; lookups of a vanished key are skipped
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) {
    return osError(-cpus, "count possible CPUs");
  }
  static_assert(sizeof(V) % 8 == 0, "per-CPU values are laid out in 8-byte slots");
  std::vector<V> values(cpus);
  Entries<K, V> out;
  K key{};
  K next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    if (bpf_map_lookup_elem(fd, &next, values.data()) == 0) {
      V sum{};
      for (const V& v : values) {
        add(sum, v);
      }
      out.emplace(next, sum);
    }
    key = next;
    prev = &key;
  }
  return out;
}

// Keeps one kernel map equal to a desired state by diffs. The last applied state is kept in
// memory; adopt() seeds it from the kernel so a restarted agent rewrites nothing that is right.
template <typename K, typename V>
class MapSync {
 public:
  MapSync(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

  Status adopt() {
    auto current = readAll<K, V>(fd_, name_);
    if (!current) {
      return current.error();
    }
    current_ = std::move(current.value());
    return {};
  }

  // Writes entries that are new or changed. Call before applyDeletes so readers never see a
  // reference to a missing entry during the switch.
  Result<SyncStats> applyUpdates(const Entries<K, V>& desired) {
    return applyUpdatesIf(desired, [](const V&) { return true; });
  }

  // The same, for the desired entries whose value satisfies `pick` (the syncer orders writes by
  // what they mean, e.g. narrowing authorizations before widening ones).
  template <typename Pick>
  Result<SyncStats> applyUpdatesIf(const Entries<K, V>& desired, Pick pick) {
    SyncStats stats;
    for (const auto& [key, value] : desired) {
      if (!pick(value)) {
        continue;
      }
      if (Status st = write(key, value, stats); !st) {
        return st.error();
      }
    }
    return stats;
  }

  // Removes entries that are not desired any more.
  Result<SyncStats> applyDeletes(const Entries<K, V>& desired) {
    SyncStats stats;
    for (auto it = current_.begin(); it != current_.end();) {
      if (desired.count(it->first) != 0) {
        ++it;
        continue;
      }
      if (bpf_map_delete_elem(fd_, &it->first) != 0 && errno != ENOENT) {
        return osError(errno, "delete from map " + name_);
      }
      it = current_.erase(it);
      ++stats.deleted;
    }
    return stats;
  }

  // The same, looking only at `keys` (which may list keys absent from `desired`).
  Result<SyncStats> applyUpdates(const Entries<K, V>& desired, const std::vector<K>& keys) {
    SyncStats stats;
    for (const K& key : keys) {
      auto want = desired.find(key);
      if (want == desired.end()) {
        continue;
      }
      if (Status st = write(key, want->second, stats); !st) {
        return st.error();
      }
    }
    return stats;
  }

  Result<SyncStats> applyDeletes(const Entries<K, V>& desired, const std::vector<K>& keys) {
    SyncStats stats;
    for (const K& key : keys) {
      auto it = current_.find(key);
      if (it == current_.end() || desired.count(key) != 0) {
        continue;
      }
      if (bpf_map_delete_elem(fd_, &key) != 0 && errno != ENOENT) {
        return osError(errno, "delete from map " + name_);
      }
      current_.erase(it);
      ++stats.deleted;
    }
    return stats;
  }

  Result<SyncStats> sync(const Entries<K, V>& desired) {
    auto updated = applyUpdates(desired);
    if (!updated) {
      return updated.error();
    }
    auto deleted = applyDeletes(desired);
    if (!deleted) {
      return deleted.error();
    }
    SyncStats total = updated.value();
    total.deleted = deleted.value().deleted;
    return total;
  }

  const Entries<K, V>& current() const { return current_; }

 private:
  // Writes one entry unless the kernel holds it already.
  Status write(const K& key, const V& value, SyncStats& stats) {
    auto it = current_.find(key);
    if (it != current_.end() && sameBytes(it->second, value)) {
      ++stats.unchanged;
      return {};
    }
    if (bpf_map_update_elem(fd_, &key, &value, BPF_ANY) != 0) {
      return osError(errno, "update map " + name_);
    }
    current_[key] = value;
    ++stats.updated;
    return {};
  }

  int fd_;
  std::string name_;
  Entries<K, V> current_;
};

}  // namespace weir::agent::kmaps
