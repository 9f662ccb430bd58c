#include "common/mesh/node_plan.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <string_view>
#include <unordered_map>

namespace weir::mesh {

namespace {

constexpr const char* kOpaquePorts = "config.linkerd.io/opaque-ports";
constexpr const char* kFastPath = "weir.io/fast-path";

bool isLocal(const config::ExternalWorkload& w, const PlanOptions& options) {
  return w.node.empty() || w.node == options.node;
}

std::string annotation(const std::map<std::string, std::string>& annotations, const char* key) {
  auto it = annotations.find(key);
  return it == annotations.end() ? std::string() : it->second;
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

// A whole item of digits naming a port 1..65535; "80/tcp", "0x50" or "" are not ports.
bool parsePort(std::string_view text, unsigned* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= 1 && *out <= 65535;
}

std::string workloadId(const config::ExternalWorkload& w) { return w.ns + "/" + w.name; }

// Workloads by (namespace, label, value). A selector's candidates are the workloads carrying its
// first pair; selects() then checks the rest. Planning a node costs O(endpoints), not
// O(services x workloads).
class LabelIndex {
 public:
  explicit LabelIndex(const std::vector<config::ExternalWorkload>& workloads) {
    for (const auto& w : workloads) {
      for (const auto& [k, v] : w.labels) {
        index_[key(w.ns, k, v)].push_back(&w);
      }
    }
  }

  const std::vector<const config::ExternalWorkload*>& candidates(
      const std::string& ns, const std::map<std::string, std::string>& selector) const {
    static const std::vector<const config::ExternalWorkload*> kNone;
    if (selector.empty()) {
      return kNone;  // an empty selector selects nothing
    }
    auto it = index_.find(key(ns, selector.begin()->first, selector.begin()->second));
    return it == index_.end() ? kNone : it->second;
  }

 private:
  static std::string key(const std::string& ns, const std::string& k, const std::string& v) {
    std::string out;
    out.reserve(ns.size() + k.size() + v.size() + 2);
    out.append(ns).push_back('\0');
    out.append(k).push_back('\0');
    out.append(v);
    return out;
  }
  std::unordered_map<std::string, std::vector<const config::ExternalWorkload*>> index_;
};

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

PlanResult plan(const config::Model& model, const PlanOptions& options) {
  PlanResult result;
  std::map<const config::ExternalWorkload*, bool> fastPathOff;
  for (const auto& w : model.workloads) {
    std::string fastPath = annotation(w.annotations, kFastPath);
    if (!fastPath.empty() && fastPath != "true" && fastPath != "false") {
      result.errors.push_back({w.src, "ExternalWorkload/" + w.name,
                               std::string("metadata.annotations[") + kFastPath + "]",
                               "must be \"true\" or \"false\", got \"" + fastPath + "\""});
    }
    fastPathOff[&w] = fastPath == "false";
    if (isLocal(w, options) && !w.cgroup.empty()) {
      result.plan.workloads.push_back(PlanWorkload{workloadId(w), w.ns, w.name, w.cgroup,
                                                   w.identity, w.ips.empty() ? 0 : w.ips.front(),
                                                   fastPathOff[&w], w.src});
    }
  }

  LabelIndex index(model.workloads);
  for (const auto& svc : model.services) {
    if (svc.clusterIP == 0) {
      continue;  // headless: nothing to steer
    }
    std::string opaque = annotation(svc.annotations, kOpaquePorts);
    for (const auto& sp : svc.ports) {
      if (sp.protocol != "TCP") {
        continue;
      }
      PlanServicePort port{svc.ns + "/" + svc.name + ":" + std::to_string(sp.port),
                           svc.ns, svc.name, svc.clusterIP, sp.port, false, {}, svc.src};
      bool anyRemote = false;
      for (const config::ExternalWorkload* candidate : index.candidates(svc.ns, svc.selector)) {
        const config::ExternalWorkload& w = *candidate;
        uint16_t target = 0;
        if (w.ips.empty() || !config::selects(svc.selector, w.labels) ||
            !targetPortOn(sp, w, &target)) {
          continue;
        }
        bool local = isLocal(w, options) && !w.cgroup.empty();
        anyRemote = anyRemote || !local;
        port.endpoints.push_back(PlanEndpoint{port.id + "/" + workloadId(w), workloadId(w),
                                              w.ips.front(), target, w.weight, w.node, local,
                                              fastPathOff[&w]});
      }
      // Stable slot order: the same endpoints always land in the same slots, so diffs stay small.
      std::sort(port.endpoints.begin(), port.endpoints.end(),
                [](const PlanEndpoint& a, const PlanEndpoint& b) {
                  return std::pair(ntohl(a.ip4), a.port) < std::pair(ntohl(b.ip4), b.port);
                });
      port.toProxy = options.proxy && (anyRemote || !portInList(opaque, sp.port));
      result.plan.servicePorts.push_back(std::move(port));
    }
  }
  return result;
}

}  // namespace weir::mesh
