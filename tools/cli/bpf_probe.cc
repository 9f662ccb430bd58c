#include "tools/cli/bpf_probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string_view>

#include "common/base/fd.h"
#include "common/base/log.h"
#include "common/sys/privileges.h"

namespace weir::cli {

namespace {

int libbpfPrint(libbpf_print_level level, const char* format, va_list args) {
  char buf[1024];
  int n = std::vsnprintf(buf, sizeof(buf), format, args);
  std::string_view msg(buf, n < 0 ? 0 : std::min<size_t>(n, sizeof(buf) - 1));
  while (!msg.empty() && msg.back() == '\n') {
    msg.remove_suffix(1);
  }
  logger("bpf")->log(level == LIBBPF_WARN ? spdlog::level::warn : spdlog::level::debug,
                     "libbpf msg=\"{}\"", msg);
  return 0;
}

void routeLibbpfOutput() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(libbpfPrint); });
}

// Loading networking programs takes CAP_BPF and CAP_NET_ADMIN; CAP_SYS_ADMIN stands in for both.
Status canProbe() {
  routeLibbpfOutput();
  Result<uint64_t> caps = sys::effectiveCapabilities();
  if (!caps) {
    return caps.error();
  }
  auto has = [&](int bit) { return (*caps >> bit & 1) != 0; };
  if (has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_NET_ADMIN))) {
    return {};
  }
  return plainError("cannot probe without CAP_BPF and CAP_NET_ADMIN (see permissions)");
}

bpf_attach_type weirAttachType(bpf_prog_type type) {
  switch (type) {
    case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
      return BPF_CGROUP_INET4_CONNECT;
    case BPF_PROG_TYPE_CGROUP_SOCKOPT:
      return BPF_CGROUP_GETSOCKOPT;
    default:
      return static_cast<bpf_attach_type>(0);  // ignored by the other types weir loads
  }
}

Result<bool> libbpfAnswer(int ret, const std::string& what) {
  if (ret < 0) {
    return osError(-ret, "probe " + what);
  }
  return ret == 1;
}

}  // namespace

Result<bool> progTypeSupported(bpf_prog_type type) {
  if (Status s = canProbe(); !s) {
    return s.error();
  }
  return libbpfAnswer(libbpf_probe_bpf_prog_type(type, nullptr),
                      std::string(libbpf_bpf_prog_type_str(type)) + " programs");
}

Result<bool> mapTypeSupported(bpf_map_type type) {
  if (Status s = canProbe(); !s) {
    return s.error();
  }
  return libbpfAnswer(libbpf_probe_bpf_map_type(type, nullptr),
                      std::string(libbpf_bpf_map_type_str(type)) + " maps");
}

// Not libbpf_probe_bpf_helper(): libbpf 1.1 recognises only the verifier's older wording
// ("invalid func", "unknown func"), and reads the 6.x kernels' "program of this type cannot use
// helper" as supported (seen on 6.18: it reports bpf_msg_redirect_hash usable in
// cgroup_sock_addr programs). Same probe, one more message.
Result<bool> helperSupported(bpf_prog_type type, bpf_func_id helper) {
  if (Status s = canProbe(); !s) {
    return s.error();
  }
  const bpf_insn insns[] = {
      {.code = BPF_JMP | BPF_CALL, .imm = helper},
      {.code = BPF_JMP | BPF_EXIT},
  };
  char log[4096] = "";
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = weirAttachType(type),
              .log_level = 1, .log_size = sizeof(log), .log_buf = log);
  UniqueFd prog(bpf_prog_load(type, nullptr, "GPL", insns, std::size(insns), &opts));
  int err = errno;
  if (prog.valid()) {
    return true;
  }
  for (const char* refusal :
       {"invalid func ", "unknown func ", "program of this type cannot use helper "}) {
    if (std::strstr(log, refusal) != nullptr) {
      return false;
    }
  }
  if (err == EPERM) {
    return osError(err, "probe helper " + std::to_string(helper));
  }
  // Any other rejection (arguments, return value) comes after the helper was accepted.
  return true;
}

Status loadKernelBtf(const std::string& path) {
  routeLibbpfOutput();
  btf* kernel = btf__parse(path.c_str(), nullptr);
  if (kernel == nullptr) {
    return osError(errno, "parse BTF " + path);
  }
  btf__free(kernel);
  return {};
}

}  // namespace weir::cli
