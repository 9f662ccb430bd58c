#include "agent/state/compile.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <string_view>

namespace weir::agent::state {

namespace {

constexpr const char* kOpaquePorts = "config.linkerd.io/opaque-ports";
constexpr const char* kFastPath = "weir.io/fast-path";

struct Endpoint {
  uint32_t ip4;
  uint16_t port;
  uint32_t weight;
  uint64_t cgroupId;
  uint16_t flags;  // WEIR_BE_*
};

bool isLocal(const config::ExternalWorkload& w, const CompileOptions& options) {
  return w.node.empty() || w.node == options.node;
}

std::string objectName(const char* kind, const std::string& name) {
  return std::string(kind) + "/" + name;
}

// The port a service port reaches on a workload: targetPort by number, by name, or the port.
bool targetPortOn(const config::ServicePort& sp, const config::ExternalWorkload& w,
                  uint16_t* out) {
  if (!sp.targetPortName.empty()) {
    for (const auto& wp : w.ports) {
      if (wp.name == sp.targetPortName) {
        *out = wp.port;
        return true;
      }
    }
    return false;  // Kubernetes leaves such an endpoint out
  }
  *out = sp.targetPort != 0 ? sp.targetPort : sp.port;
  return true;
}

std::string annotation(const std::map<std::string, std::string>& annotations,
                       const char* key) {
  auto it = annotations.find(key);
  return it == annotations.end() ? std::string() : it->second;
}

// A whole item of digits naming a port 1..65535; "80/tcp", "0x50" or "" are not ports.
bool parsePort(std::string_view text, unsigned* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= 1 && *out <= 65535;
}

}  // namespace

bool portInList(const std::string& list, uint16_t port) {
  std::string_view rest(list);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    size_t dash = item.find('-');
    std::string_view a = item.substr(0, dash);
    std::string_view b = dash == std::string_view::npos ? a : item.substr(dash + 1);
    unsigned lo = 0;
    unsigned hi = 0;
    if (parsePort(a, &lo) && parsePort(b, &hi) && lo <= hi && port >= lo && port <= hi) {
      return true;
    }
  }
  return false;
}

CompileResult compile(const config::Model& model, const CompileOptions& options,
                      const CgroupResolver& resolveCgroup) {
  CompileResult result;
  DesiredState& state = result.state;
  state.config.proxy_ip4 = options.proxyIp4;
  state.config.proxy_port = options.proxyPort;

  // Local workloads: their cgroups are meshed.
  std::map<const config::ExternalWorkload*, uint64_t> cgroupOf;
  std::map<uint64_t, const config::ExternalWorkload*> ownerOf;
  std::map<const config::ExternalWorkload*, bool> fastPathOff;
  for (const auto& w : model.workloads) {
    std::string fastPath = annotation(w.annotations, kFastPath);
    if (!fastPath.empty() && fastPath != "true" && fastPath != "false") {
      result.errors.push_back({w.src, objectName("ExternalWorkload", w.name),
                               std::string("metadata.annotations[") + kFastPath + "]",
                               "must be \"true\" or \"false\", got \"" + fastPath + "\""});
      continue;
    }
    fastPathOff[&w] = fastPath == "false";
  }
  for (const auto& w : model.workloads) {
    if (!isLocal(w, options) || w.cgroup.empty()) {
      continue;
    }
    std::string path = options.cgroupRoot + "/" + w.cgroup;
    auto id = resolveCgroup(path);
    if (!id) {
      result.errors.push_back({w.src, objectName("ExternalWorkload", w.name),
                               "metadata.annotations[weir.io/cgroup]",
                               "cgroup " + path + ": " + id.error().str()});
      continue;
    }
    if (auto taken = ownerOf.find(id.value()); taken != ownerOf.end()) {
      const config::ExternalWorkload& other = *taken->second;
      result.errors.push_back(
          {w.src, objectName("ExternalWorkload", w.name), "metadata.annotations[weir.io/cgroup]",
           "cgroup " + w.cgroup + " already used by ExternalWorkload/" + other.name + " (" +
               other.src.file + ":" + std::to_string(other.src.line) + ")"});
      continue;
    }
    cgroupOf[&w] = id.value();
    ownerOf[id.value()] = &w;
    uint32_t flags = WEIR_WL_MESHED | (fastPathOff[&w] ? WEIR_WL_NO_FASTPATH : 0u);
    state.workloads[id.value()] =
        weir_workload{.ip4 = w.ips.empty() ? 0 : w.ips.front(), .flags = flags};
    state.workloadMeta[id.value()] = WorkloadMeta{w.ns, w.name, w.identity};
  }

  for (const auto& svc : model.services) {
    if (svc.clusterIP == 0) {
      continue;  // headless: nothing to steer
    }
    std::string opaque = annotation(svc.annotations, kOpaquePorts);
    for (const auto& sp : svc.ports) {
      if (sp.protocol != "TCP") {
        continue;
      }
      std::vector<Endpoint> endpoints;
      for (const auto& w : model.workloads) {
        uint16_t target = 0;
        if (w.ns != svc.ns || w.ips.empty() || !config::selects(svc.selector, w.labels) ||
            !targetPortOn(sp, w, &target)) {
          continue;
        }
        auto local = cgroupOf.find(&w);
        endpoints.push_back(Endpoint{
            w.ips.front(), target, w.weight, local == cgroupOf.end() ? 0 : local->second,
            static_cast<uint16_t>(fastPathOff[&w] ? WEIR_BE_NO_FASTPATH : 0u)});
      }
      if (endpoints.size() > WEIR_MAX_BACKENDS_PER_SERVICE) {
        result.errors.push_back({svc.src, objectName("Service", svc.name), "spec.selector",
                                 "selects " + std::to_string(endpoints.size()) +
                                     " endpoints; at most " +
                                     std::to_string(WEIR_MAX_BACKENDS_PER_SERVICE) + " per port"});
        continue;
      }
      // Stable slot order: the same endpoints always land in the same slots, so diffs stay small.
      std::sort(endpoints.begin(), endpoints.end(), [](const Endpoint& a, const Endpoint& b) {
        return std::pair(ntohl(a.ip4), a.port) < std::pair(ntohl(b.ip4), b.port);
      });
      weir_svc_key key{.vip4 = svc.clusterIP, .port = sp.port, .pad = 0};
      uint32_t total = 0;
      bool anyRemote = false;
      for (size_t i = 0; i < endpoints.size(); ++i) {
        const Endpoint& e = endpoints[i];
        total += e.weight;
        anyRemote = anyRemote || e.cgroupId == 0;
        weir_backend_key bkey{.vip4 = svc.clusterIP, .port = sp.port,
                              .slot = static_cast<uint16_t>(i + 1)};
        state.backends[bkey] = weir_backend{.ip4 = e.ip4, .port = e.port, .flags = e.flags,
                                            .weight_end = total, .pad1 = 0,
                                            .cgroup_id = e.cgroupId};
      }
      uint32_t flags = 0;
      bool haveProxy = options.proxyIp4 != 0;
      if (haveProxy && (anyRemote || !portInList(opaque, sp.port))) {
        flags |= WEIR_SVC_TO_PROXY;
      }
      state.services[key] = weir_svc{.backend_count = static_cast<uint32_t>(endpoints.size()),
                                     .total_weight = total, .flags = flags, .pad = 0};
      state.serviceMeta[{svc.clusterIP, sp.port}] = ServiceMeta{svc.ns, svc.name, sp.port};
    }
  }
  return result;
}

}  // namespace weir::agent::state
