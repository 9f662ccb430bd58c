#pragma once

// Watches one directory with inotify and calls back once per burst of changes. Only complete files
// count: close-after-write and rename-into-place (the normal way tools update config), deletions
// and renames away. A file half written fires nothing until it is closed.

#include <chrono>
#include <functional>
#include <string>

#include "common/base/fd.h"
#include "common/base/result.h"

namespace weir::fswatch {

class DirWatcher {
 public:
  // `settle`: how long the directory must be quiet before onChange runs (editors and config tools
  // write several events per save).
  explicit DirWatcher(std::string dir,
                      std::chrono::milliseconds settle = std::chrono::milliseconds(50));

  // Calls onChange once at start, then after every settled burst of changes, until stop().
  // Blocks. Fails when the directory cannot be watched.
  Status run(const std::function<void()>& onChange);

  // Makes run() return; safe from any thread.
  void stop();

 private:
  std::string dir_;
  std::chrono::milliseconds settle_;
  UniqueFd stopFd_;  // eventfd
};

}  // namespace weir::fswatch
