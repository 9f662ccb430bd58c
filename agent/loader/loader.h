#pragma once

// Loads weir's BPF programs, pins maps and links under the bpffs dir and attaches them to the
// node's cgroup root. The only code that includes the skeleton.
//
// Adoption: maps are pinned by name, so a new agent (after a restart or kill -9) reuses the pinned
// maps with their contents, loads fresh programs and swaps them into the pinned links atomically
// (bpf_link_update): traffic never sees a moment without programs.

#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.h"

struct weir_bpf;

namespace weir::agent::loader {

struct Options {
  std::string bpffsDir;    // maps and links are pinned here
  std::string cgroupRoot;  // cgroup v2 directory the programs attach to
};

class Loader {
 public:
  // Loads, pins and attaches (or adopts what is pinned). Fails with context and leaves the
  // previously pinned state untouched when anything is incompatible.
  static Result<std::unique_ptr<Loader>> install(const Options& options);

  // Detaches and unpins everything weir pinned under options.bpffsDir. Established fast-path
  // sockets fall back to plain TCP. Missing pins are not an error.
  static Status uninstall(const Options& options);

  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // File descriptor of the map named by its ABI name (WEIR_MAP_*), or -1.
  int mapFd(std::string_view name) const;

  // True when install() found pinned state from an earlier agent and adopted it.
  bool adopted() const { return adopted_; }

 private:
  Loader() = default;
  weir_bpf* skel_ = nullptr;
  bool adopted_ = false;
};

// Routes libbpf's own output into the "bpf" logger. Called once by install().
void routeLibbpfLogs();

}  // namespace weir::agent::loader
