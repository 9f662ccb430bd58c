#include "agent/app/workload_directory.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/base/fd.h"

namespace weir::agent::app {

std::string renderWorkloadDirectory(const std::map<uint64_t, state::WorkloadMeta>& workloads) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [cgroup, meta] : workloads) {
    in_addr a{.s_addr = meta.ip4};
    char ip[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &a, ip, sizeof ip);
    list.push_back({{"cgroup_id", cgroup},
                    {"namespace", meta.ns},
                    {"name", meta.name},
                    {"kind", "ExternalWorkload"},
                    {"identity", meta.identity},
                    {"ip", meta.ip4 != 0 ? std::string(ip) : std::string()},
                    {"outbound_max_idle_conns_per_host", meta.maxIdleConnsPerHost},
                    {"outbound_max_requests_per_connection", meta.maxRequestsPerConnection}});
  }
  return nlohmann::json{{"workloads", list}}.dump(1) + "\n";
}

Status writeWorkloadDirectory(const std::string& path,
                              const std::map<uint64_t, state::WorkloadMeta>& workloads) {
  std::string text = renderWorkloadDirectory(workloads);
  std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return osError(errno, "create " + tmp);
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) {
      int err = errno;
      if (err == EINTR) {
        continue;
      }
      ::unlink(tmp.c_str());
      return osError(err, "write " + tmp);
    }
    done += static_cast<size_t>(n);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return osError(err, "rename " + tmp + " to " + path);
  }
  return {};
}

}  // namespace weir::agent::app
