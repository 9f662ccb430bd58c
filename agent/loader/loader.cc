#include "agent/loader/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <filesystem>

#include "agent/loader/links.h"
#include "common/base/fd.h"
#include "common/base/log.h"
#include "common/bpfabi/abi.h"
#include "weir.skel.h"

namespace weir::agent::loader {

namespace {

int printLibbpf(enum libbpf_print_level level, const char* format, va_list args) {
  char line[1024];
  int n = std::vsnprintf(line, sizeof(line), format, args);
  if (n > 0 && line[std::min<size_t>(n, sizeof(line) - 1) - 1] == '\n') {
    line[std::min<size_t>(n, sizeof(line) - 1) - 1] = '\0';
  }
  static auto log = weir::logger("bpf");
  switch (level) {
    case LIBBPF_WARN:
      log->warn("libbpf {}", line);
      break;
    case LIBBPF_INFO:
      log->debug("libbpf {}", line);
      break;
    default:
      log->trace("libbpf {}", line);
      break;
  }
  return n;
}

}  // namespace

void routeLibbpfLogs() { libbpf_set_print(printLibbpf); }

Result<std::unique_ptr<Loader>> Loader::install(const Options& options) {
  routeLibbpfLogs();
  auto log = weir::logger("loader");
  std::error_code ec;
  std::filesystem::create_directories(options.bpffsDir, ec);
  if (ec) {
    return osError(ec.value(), "create bpffs dir " + options.bpffsDir);
  }
  bool hadPins = std::filesystem::exists(options.bpffsDir + "/" + WEIR_MAP_SOCKHASH);

  UniqueFd cgroup(::open(options.cgroupRoot.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup.valid()) {
    return osError(errno, "open cgroup root " + options.cgroupRoot);
  }

  std::unique_ptr<Loader> loader(new Loader());
  LIBBPF_OPTS(bpf_object_open_opts, openOpts, .pin_root_path = options.bpffsDir.c_str());
  loader->skel_ = weir_bpf__open_opts(&openOpts);
  if (!loader->skel_) {
    return osError(errno, "open BPF skeleton");
  }
  if (weir_bpf__load(loader->skel_) != 0) {
    int err = errno;
    return osError(err, "load BPF programs (pinned maps in " + options.bpffsDir +
                            " from an incompatible weir version must be removed with "
                            "weir-agent --uninstall)");
  }

  weir_bpf* s = loader->skel_;
  const CgroupProgram programs[] = {
      {"connect4", s->progs.weir_connect4, BPF_CGROUP_INET4_CONNECT},
      {"connect6", s->progs.weir_connect6, BPF_CGROUP_INET6_CONNECT},
      {"getpeername4", s->progs.weir_getpeername4, BPF_CGROUP_INET4_GETPEERNAME},
      {"getpeername6", s->progs.weir_getpeername6, BPF_CGROUP_INET6_GETPEERNAME},
      {"getsockopt", s->progs.weir_getsockopt, BPF_CGROUP_GETSOCKOPT},
      {"sockops", s->progs.weir_sockops, BPF_CGROUP_SOCK_OPS},
  };
  for (const auto& program : programs) {
    if (auto st = attachOrAdopt(program, cgroup.get(), options); !st) {
      return st.error();
    }
  }
  if (bpf_prog_attach(bpf_program__fd(s->progs.weir_sk_msg), bpf_map__fd(s->maps.weir_sockhash),
                      BPF_SK_MSG_VERDICT, 0) != 0) {
    return osError(errno, "attach sk_msg to " WEIR_MAP_SOCKHASH);
  }
  loader->adopted_ = hadPins;
  log->info("installed bpffs_dir={} cgroup_root={} adopted={}", options.bpffsDir,
            options.cgroupRoot, hadPins);
  return loader;
}

Status Loader::uninstall(const Options& options) {
  routeLibbpfLogs();
  auto log = weir::logger("loader");
  if (auto st = detachPinnedLinks(options); !st) {
    return st;
  }
  // Empty the sockhash first: every socket in it returns to the plain TCP protocol at once.
  std::string sockhash = options.bpffsDir + "/" + WEIR_MAP_SOCKHASH;
  UniqueFd map(bpf_obj_get(sockhash.c_str()));
  if (map.valid()) {
    weir_sock_key key{};
    weir_sock_key next{};
    while (bpf_map_get_next_key(map.get(), nullptr, &next) == 0) {
      key = next;
      if (bpf_map_delete_elem(map.get(), &key) != 0) {
        break;
      }
    }
  }
  for (auto name : abi::kMapNames) {
    std::string path = options.bpffsDir + "/" + std::string(name);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return osError(errno, "unpin " + path);
    }
  }
  ::rmdir(options.bpffsDir.c_str());  // only if empty; other files are not ours to remove
  log->info("uninstalled bpffs_dir={}", options.bpffsDir);
  return {};
}

Loader::~Loader() {
  if (skel_) {
    weir_bpf__destroy(skel_);  // closes fds only: links and maps stay pinned
  }
}

int Loader::mapFd(std::string_view name) const {
  bpf_map* map = bpf_object__find_map_by_name(skel_->obj, std::string(name).c_str());
  return map ? bpf_map__fd(map) : -1;
}

}  // namespace weir::agent::loader
