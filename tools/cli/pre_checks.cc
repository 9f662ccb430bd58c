#include "tools/cli/pre_checks.h"

#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/capability.h>

#include <fstream>

#include "common/sys/bpffs.h"
#include "common/sys/kernel.h"
#include "common/sys/mountinfo.h"
#include "common/sys/privileges.h"
#include "tools/cli/bpf_probe.h"
#include "tools/cli/io_uring_probe.h"

namespace weir::cli {

namespace {

constexpr int kMinKernelMajor = 5;
constexpr int kMinKernelMinor = 15;
constexpr const char* kBtfPath = "/sys/kernel/btf/vmlinux";

struct Capability {
  int bit;
  const char* name;
};
constexpr Capability kNeededCaps[] = {
    {CAP_BPF, "CAP_BPF"}, {CAP_NET_ADMIN, "CAP_NET_ADMIN"}, {CAP_SYS_ADMIN, "CAP_SYS_ADMIN"}};

std::string minKernel() {
  return std::to_string(kMinKernelMajor) + "." + std::to_string(kMinKernelMinor);
}

bool has(uint64_t caps, int bit) { return (caps >> bit & 1) != 0; }

Result<std::string> checkPrivileges() {
  Result<uint64_t> caps = sys::effectiveCapabilities();
  if (!caps) {
    return caps.error();
  }
  std::string missing;
  for (const Capability& c : kNeededCaps) {
    if (!has(*caps, c.bit)) {
      missing += missing.empty() ? "" : ", ";
      missing += c.name;
    }
  }
  if (!missing.empty()) {
    return plainError(std::string(sys::isRoot() ? "running as root, but " : "") +
                      "missing effective capabilities " + missing);
  }
  return std::string(sys::isRoot() ? "root" : "CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN");
}

Result<std::string> checkKernelVersion() {
  Result<sys::KernelVersion> v = sys::kernelVersion();
  if (!v) {
    return v.error();
  }
  if (!v->atLeast(kMinKernelMajor, kMinKernelMinor)) {
    return plainError("kernel " + v->release + " is older than " + minKernel());
  }
  return v->release;
}

Result<std::string> checkCgroup2() {
  Result<std::string> mount = sys::findCgroup2Mount();
  if (!mount) {
    return mount.error();
  }
  return "at " + *mount;
}

bool kernelHasBpffs() {
  std::ifstream in("/proc/filesystems");
  std::string line;
  while (std::getline(in, line)) {
    if (line == "nodev\tbpf") {
      return true;
    }
  }
  return false;
}

// Read-only: weir-agent mounts bpffs itself (sys::ensureBpffs); the check only says whether it can.
Result<std::string> checkBpffs() {
  Result<bool> mounted = sys::isOnBpffs(sys::kBpffsRoot);
  if (!mounted) {
    return mounted.error();
  }
  if (*mounted) {
    return std::string("mounted");
  }
  if (!kernelHasBpffs()) {
    return plainError("not mounted, and the kernel has no bpf filesystem (/proc/filesystems)");
  }
  Result<uint64_t> caps = sys::effectiveCapabilities();
  if (!caps || !has(*caps, CAP_SYS_ADMIN)) {
    return plainError("not mounted, and mounting it needs CAP_SYS_ADMIN");
  }
  return std::string("not mounted; weir-agent will mount it");
}

Result<std::string> checkBtf() {
  if (Status s = loadKernelBtf(kBtfPath); !s) {
    return s.error();
  }
  return std::string();
}

Result<std::string> supported(Result<bool> answer, const std::string& what) {
  if (!answer) {
    return answer.error();
  }
  if (!*answer) {
    return plainError("the kernel does not support " + what);
  }
  return std::string();
}

Check progTypeCheck(bpf_prog_type type, std::string hint) {
  std::string name = libbpf_bpf_prog_type_str(type);
  return Check{"bpf", "kernel supports " + name + " programs", std::move(hint),
               [type, name] { return supported(progTypeSupported(type), name + " programs"); }};
}

Check mapTypeCheck(bpf_map_type type, std::string hint) {
  std::string name = libbpf_bpf_map_type_str(type);
  return Check{"bpf", "kernel supports " + name + " maps", std::move(hint),
               [type, name] { return supported(mapTypeSupported(type), name + " maps"); }};
}

Check helperCheck(bpf_prog_type type, bpf_func_id helper, const char* helperName,
                  std::string hint) {
  std::string what =
      std::string(helperName) + " in " + libbpf_bpf_prog_type_str(type) + " programs";
  return Check{"bpf", "kernel allows " + what, std::move(hint),
               [type, helper, what] { return supported(helperSupported(type, helper), what); }};
}

}  // namespace

std::vector<Check> preInstallChecks() {
  const std::string cgroupBpf =
      "needs a kernel built with CONFIG_BPF_SYSCALL=y and CONFIG_CGROUP_BPF=y";
  const std::string sockmap =
      "needs a kernel built with CONFIG_BPF_SYSCALL=y and CONFIG_NET_SOCK_MSG=y";
  const std::string bpfSyscall = "needs a kernel built with CONFIG_BPF_SYSCALL=y";
  return {
      {"permissions", "has the privileges to load and attach BPF programs",
       "run as root, or grant CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN (in Kubernetes: "
       "securityContext.capabilities.add)",
       checkPrivileges},
      {"kernel", "kernel is " + minKernel() + " or later",
       "upgrade to Linux " + minKernel() + " or later", checkKernelVersion},
      {"kernel", "cgroup v2 is mounted",
       "mount it (mount -t cgroup2 none /sys/fs/cgroup) or boot with "
       "systemd.unified_cgroup_hierarchy=1",
       checkCgroup2},
      {"bpf", std::string("bpffs is mounted or mountable at ") + sys::kBpffsRoot,
       std::string("mount -t bpf bpf ") + sys::kBpffsRoot, checkBpffs},
      {"bpf", std::string("kernel BTF is available at ") + kBtfPath,
       "needs a kernel built with CONFIG_DEBUG_INFO_BTF=y", checkBtf},
      progTypeCheck(BPF_PROG_TYPE_SOCK_OPS, cgroupBpf),
      progTypeCheck(BPF_PROG_TYPE_SK_MSG, sockmap),
      progTypeCheck(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, cgroupBpf),
      progTypeCheck(BPF_PROG_TYPE_CGROUP_SOCKOPT, cgroupBpf),
      mapTypeCheck(BPF_MAP_TYPE_SOCKHASH, sockmap),
      mapTypeCheck(BPF_MAP_TYPE_LRU_HASH, bpfSyscall),
      mapTypeCheck(BPF_MAP_TYPE_PERCPU_HASH, bpfSyscall),
      // The helpers bpf/ calls that are younger than the program types themselves.
      helperCheck(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_loop, "bpf_loop",
                  "bpf_loop needs Linux 5.17 or later"),
      helperCheck(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_set_retval, "bpf_set_retval",
                  "bpf_set_retval in cgroup programs needs Linux 5.18 or later"),
      helperCheck(BPF_PROG_TYPE_SOCK_OPS, BPF_FUNC_get_netns_cookie, "bpf_get_netns_cookie",
                  "bpf_get_netns_cookie in sock_ops programs needs Linux 5.15 or later"),
      helperCheck(BPF_PROG_TYPE_SK_MSG, BPF_FUNC_get_netns_cookie, "bpf_get_netns_cookie",
                  "bpf_get_netns_cookie in sk_msg programs needs Linux 5.15 or later"),
      helperCheck(BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_FUNC_get_netns_cookie, "bpf_get_netns_cookie",
                  "bpf_get_netns_cookie in cgroup_sockopt programs needs Linux 5.9 or later"),
      {"io_uring", "can create an io_uring instance",
       "enable io_uring: sysctl kernel.io_uring_disabled=0, and allow io_uring_setup in the "
       "container's seccomp profile",
       probeIoUringSetup},
      {"io_uring", "io_uring supports accept, connect, recv, send, close and provided buffers",
       "upgrade to Linux 5.15 or later", probeIoUringOpcodes},
      {"io_uring", "io_uring supports multishot accept and provided buffer rings",
       "multishot accept and buffer rings need Linux 5.19 or later", probeIoUringMultishot},
  };
}

}  // namespace weir::cli
