#include "agent/loader/links.h"

#include <bpf/bpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/base/fd.h"
#include "common/base/log.h"

namespace weir::agent::loader {

namespace {

constexpr const char* kLinkPrefix = "link_";

std::string linkPath(const Options& options, const char* name) {
  return options.bpffsDir + "/" + kLinkPrefix + name;
}

// The cgroup a pinned link is attached to, or 0 when the link is defunct.
uint64_t linkCgroupId(int linkFd) {
  bpf_link_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(linkFd, &info, &len) != 0) {
    return 0;
  }
  return info.cgroup.cgroup_id;
}

uint64_t dirCgroupId(int cgroupFd) {
  struct stat st{};
  return ::fstat(cgroupFd, &st) == 0 ? st.st_ino : 0;
}

}  // namespace

Status attachOrAdopt(const CgroupProgram& program, int cgroupFd, const Options& options) {
  auto log = weir::logger("loader");
  std::string path = linkPath(options, program.name);
  int progFd = bpf_program__fd(program.program);

  UniqueFd pinned(bpf_obj_get(path.c_str()));
  if (pinned.valid()) {
    uint64_t attachedTo = linkCgroupId(pinned.get());
    if (attachedTo != 0 && attachedTo == dirCgroupId(cgroupFd)) {
      if (bpf_link_update(pinned.get(), progFd, nullptr) == 0) {
        log->debug("link adopted name={} path={}", program.name, path);
        return {};
      }
      log->warn("link update failed name={} err={}; re-attaching", program.name, errno);
    }
    bpf_link_detach(pinned.get());
    ::unlink(path.c_str());
  }

  bpf_link* link = bpf_program__attach_cgroup(program.program, cgroupFd);
  if (!link) {
    return osError(errno, std::string("attach ") + program.name + " to " + options.cgroupRoot);
  }
  if (bpf_link__pin(link, path.c_str()) != 0) {
    int err = errno;
    bpf_link__destroy(link);
    return osError(err, "pin link " + path);
  }
  bpf_link__destroy(link);  // closes our fd; the pin keeps the link attached
  log->debug("link attached name={} path={}", program.name, path);
  return {};
}

Status detachPinnedLinks(const Options& options) {
  std::error_code ec;
  std::filesystem::directory_iterator it(options.bpffsDir, ec);
  if (ec) {
    return {};  // nothing pinned
  }
  for (const auto& entry : it) {
    std::string name = entry.path().filename();
    if (name.rfind(kLinkPrefix, 0) != 0) {
      continue;
    }
    UniqueFd fd(bpf_obj_get(entry.path().c_str()));
    if (fd.valid() && bpf_link_detach(fd.get()) != 0 && errno != ENOLINK) {
      return osError(errno, "detach link " + entry.path().string());
    }
    if (::unlink(entry.path().c_str()) != 0 && errno != ENOENT) {
      return osError(errno, "unpin " + entry.path().string());
    }
  }
  return {};
}

}  // namespace weir::agent::loader
