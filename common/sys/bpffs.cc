#include "common/sys/bpffs.h"

#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace weir::sys {

namespace {

namespace fs = std::filesystem;

// The deepest existing directory on the way to `dir`: the one whose mount `dir` would be on.
fs::path nearestExisting(fs::path dir) {
  std::error_code ec;
  while (!fs::exists(dir, ec) && dir.has_relative_path()) {
    dir = dir.parent_path();
  }
  return dir;
}

bool isUnder(const fs::path& path, const fs::path& root) {
  auto [rootEnd, _] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return rootEnd == root.end();
}

}  // namespace

Result<bool> isOnBpffs(const std::string& path) {
  struct statfs st {};
  if (::statfs(path.c_str(), &st) != 0) {
    return osError(errno, "statfs " + path);
  }
  return st.f_type == static_cast<decltype(st.f_type)>(BPF_FS_MAGIC);
}

Status ensureBpffs(const std::string& dir) {
  fs::path target = fs::path(dir).lexically_normal();
  if (!target.is_absolute()) {
    return plainError("bpffs directory " + dir + " is not an absolute path");
  }
  Result<bool> onBpffs = isOnBpffs(nearestExisting(target).string());
  if (!onBpffs) {
    return onBpffs.error();
  }
  if (!*onBpffs) {
    if (!isUnder(target, kBpffsRoot)) {
      return plainError(dir + " is not on a bpf filesystem and not under " +
                        std::string(kBpffsRoot));
    }
    if (::mount("bpf", kBpffsRoot, "bpf", 0, "mode=0700") != 0) {
      return osError(errno, std::string("mount bpffs at ") + kBpffsRoot);
    }
  }
  std::error_code ec;
  fs::create_directories(target, ec);
  if (ec) {
    return osError(ec.value(), "create " + target.string());
  }
  return {};
}

}  // namespace weir::sys
