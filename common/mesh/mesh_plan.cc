#include "common/mesh/mesh_plan.h"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

#include "common/policy/selection.h"

namespace weir::mesh {

namespace {

constexpr const char* kOpaquePorts = "config.linkerd.io/opaque-ports";
constexpr const char* kFastPath = "weir.io/fast-path";

// More services touched than this by one change: planning everything is as cheap.
constexpr size_t kReplanLimit = 64;

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

// `fresh` unless `previous` holds an equal entry under the same id: then that one, shared.
template <typename T>
std::shared_ptr<const T> shareEqual(T fresh, const std::map<std::string, std::shared_ptr<const T>>* previous) {
  if (previous != nullptr) {
    auto it = previous->find(fresh.id);
    if (it != previous->end() && *it->second == fresh) {
      return it->second;
    }
  }
  return std::make_shared<const T>(std::move(fresh));
}

bool fastPathOff(const config::ExternalWorkload& w) {
  return annotation(w.annotations, kFastPath) == "false";
}

std::vector<config::Diagnostic> fastPathErrors(const config::Model& model) {
  std::vector<config::Diagnostic> errors;
  for (const auto& w : model.workloads) {
    std::string fastPath = annotation(w.annotations, kFastPath);
    if (!fastPath.empty() && fastPath != "true" && fastPath != "false") {
      errors.push_back({w.src, "ExternalWorkload/" + w.name,
                        std::string("metadata.annotations[") + kFastPath + "]",
                        "must be \"true\" or \"false\", got \"" + fastPath + "\""});
    }
  }
  return errors;
}

std::vector<std::pair<uint16_t, uint16_t>> ranges(const std::optional<config::PortList>& list) {
  std::vector<std::pair<uint16_t, uint16_t>> out;
  if (list) {
    for (const auto& r : list->ranges) {
      out.emplace_back(r.first, r.last);
    }
  }
  return out;
}

WorkloadProxy workloadProxy(const config::ExternalWorkload& w) {
  return WorkloadProxy{ranges(w.mesh.skipOutboundPorts), ranges(w.mesh.skipInboundPorts),
                       w.mesh.outboundMaxIdleConnsPerHost.value_or(0),
                       w.mesh.outboundMaxRequestsPerConnection.value_or(0)};
}

WorkloadPtr planWorkload(const config::ExternalWorkload& w, const MeshPlan* previous) {
  return shareEqual(PlanWorkload{workloadId(w), w.ns, w.name, w.cgroup, w.identity,
                                 w.ips.empty() ? 0 : w.ips.front(), fastPathOff(w), w.src, w.node,
                                 workloadProxy(w)},
                    previous ? &previous->workloads : nullptr);
}

// Plans every TCP port of a service with a cluster IP into `out`, choosing endpoints among
// `candidates` (a superset of the workloads it selects).
template <typename Candidates>
void planService(const config::Service& svc, const Candidates& candidates,
                 const MeshPlan* previous, std::map<std::string, PortPtr>& out) {
  if (svc.clusterIP == 0) {
    return;  // headless: nothing to steer
  }
  std::string opaque = annotation(svc.annotations, kOpaquePorts);
  for (const auto& sp : svc.ports) {
    if (sp.protocol != "TCP") {
      continue;
    }
    PlanServicePort port{svc.ns + "/" + svc.name + ":" + std::to_string(sp.port),
                         svc.ns, svc.name, svc.clusterIP, sp.port, false, {}, svc.src,
                         portInList(opaque, sp.port)};
    for (const config::ExternalWorkload* candidate : candidates) {
      const config::ExternalWorkload& w = *candidate;
      uint16_t target = 0;
      // A pod that is not Ready is not an endpoint, as Kubernetes leaves it out of EndpointSlices.
      if (w.ips.empty() || !w.ready || !config::selects(svc.selector, w.labels) ||
          !targetPortOn(sp, w, &target)) {
        continue;
      }
      port.endpoints.push_back(PlanEndpoint{port.id + "/" + workloadId(w), workloadId(w),
                                            w.ips.front(), target, w.weight, w.node, false,
                                            fastPathOff(w), !w.cgroup.empty()});
    }
    // Stable slot order: the same endpoints always land in the same slots, so diffs stay small.
    std::sort(port.endpoints.begin(), port.endpoints.end(),
              [](const PlanEndpoint& a, const PlanEndpoint& b) {
                return std::pair(ntohl(a.ip4), a.port) < std::pair(ntohl(b.ip4), b.port);
              });
    std::string id = port.id;
    out[std::move(id)] = shareEqual(std::move(port), previous ? &previous->ports : nullptr);
  }
}

// The objects of a model vector (sorted by namespace, then name) in namespace `ns`.
template <typename T>
std::pair<typename std::vector<T>::const_iterator, typename std::vector<T>::const_iterator>
inNamespace(const std::vector<T>& objects, const std::string& ns) {
  auto first = std::lower_bound(objects.begin(), objects.end(), ns,
                                [](const T& o, const std::string& n) { return o.ns < n; });
  auto last = std::upper_bound(first, objects.end(), ns,
                               [](const std::string& n, const T& o) { return n < o.ns; });
  return {first, last};
}

template <typename T>
const T* find(const std::vector<T>& objects, const std::string& ns, const std::string& name) {
  auto it = std::lower_bound(objects.begin(), objects.end(), std::pair(ns, name),
                             [](const T& o, const std::pair<std::string, std::string>& k) {
                               return std::tie(o.ns, o.name) < std::tie(k.first, k.second);
                             });
  return it != objects.end() && it->ns == ns && it->name == name ? &*it : nullptr;
}

// The ports services reach each workload on, by workload id.
std::map<std::string, std::set<uint16_t>> endpointPorts(
    const std::map<std::string, PortPtr>& ports) {
  std::map<std::string, std::set<uint16_t>> out;
  for (const auto& [id, port] : ports) {
    for (const PlanEndpoint& e : port->endpoints) {
      out[e.workloadId].insert(e.port);
    }
  }
  return out;
}

// Plans the inbound policy of the given workloads (those with a cgroup) into `result.inbound`.
template <typename Workloads>
void planInboundOf(const config::Model& model, const Workloads& workloads,
                   const policy::Options& options, const MeshPlan* previous, MeshPlan& result) {
  static const std::set<uint16_t> kNone;
  std::optional<std::map<std::string, std::set<uint16_t>>> reached;  // built when needed
  for (const config::ExternalWorkload* w : workloads) {
    if (w->cgroup.empty()) {
      continue;
    }
    const std::set<uint16_t>* ports = &kNone;
    if (policy::annotatedDefaultPolicy(model, *w)) {
      if (!reached) {
        reached = endpointPorts(result.ports);
      }
      auto it = reached->find(workloadId(*w));
      ports = it == reached->end() ? &kNone : &it->second;
    }
    planInbound(model, *w, *ports, options, previous ? &previous->inbound : nullptr,
                result.inbound);
  }
}

// Whether a default inbound policy may be named by an annotation of `w` (its namespace's are
// policy inputs).
bool namesDefaultPolicy(const config::ExternalWorkload& w) {
  return policy::namesDefaultPolicy(w.annotations);
}

bool namespacesNameDefaultPolicy(const config::Model& model) {
  return std::any_of(
      model.namespaces.begin(), model.namespaces.end(),
      [](const config::Namespace& n) { return policy::namesDefaultPolicy(n.annotations); });
}

// Compiles the inbound policy of every workload; nothing to do while there is no Server and no
// annotation naming a default policy (every port follows the cluster's default).
void planAllInbound(const config::Model& model, const policy::Options& options,
                    const MeshPlan* previous, MeshPlan& result) {
  result.defaultVerdict = policy::clusterDefaultVerdict(options);
  if (previous != nullptr && previous->policyInputs && previous->policyInputs->sameAs(model)) {
    result.policyInputs = previous->policyInputs;
  } else {
    result.policyInputs = std::make_shared<const PolicyInputs>(model);
  }
  result.annotated =
      namespacesNameDefaultPolicy(model) ||
      std::any_of(model.workloads.begin(), model.workloads.end(), namesDefaultPolicy);
  result.inbound.clear();
  if (model.servers.empty() && !result.annotated) {
    return;
  }
  std::vector<const config::ExternalWorkload*> all;
  all.reserve(model.workloads.size());
  for (const auto& w : model.workloads) {
    all.push_back(&w);
  }
  planInboundOf(model, all, options, previous, result);
}

// Inbound policy after `delta`: only the delta's workloads are compiled again while the policy
// objects stay the same and no endpoint port a default policy covers may have moved.
void replanInbound(const config::Model& model, const MeshPlan& previous,
                   const config::MeshDelta& delta, const policy::Options& options,
                   MeshPlan& result) {
  bool deltaNames = std::any_of(delta.workloads.begin(), delta.workloads.end(), namesDefaultPolicy);
  bool sameInputs = previous.policyInputs && previous.policyInputs->sameAs(model);
  if (!sameInputs || (!delta.services.empty() && (previous.annotated || deltaNames))) {
    planAllInbound(model, options, &previous, result);
    return;
  }
  result.defaultVerdict = previous.defaultVerdict;
  result.policyInputs = previous.policyInputs;
  result.annotated = previous.annotated || deltaNames;
  result.inbound = previous.inbound;
  if (model.servers.empty() && !result.annotated) {
    return;
  }
  std::vector<const config::ExternalWorkload*> now;
  for (const auto& w : delta.workloads) {
    std::string prefix = workloadId(w) + ":";
    auto it = result.inbound.lower_bound(prefix);
    while (it != result.inbound.end() && it->first.compare(0, prefix.size(), prefix) == 0) {
      it = result.inbound.erase(it);
    }
  }
  for (const auto& w : delta.workloads) {
    const config::ExternalWorkload* current = find(model.workloads, w.ns, w.name);
    if (current != nullptr && std::find(now.begin(), now.end(), current) == now.end()) {
      now.push_back(current);
    }
  }
  planInboundOf(model, now, options, &previous, result);
}

}  // namespace

MeshPlan planMesh(const config::Model& model, const MeshPlan* previous,
                  const policy::Options& options) {
  MeshPlan result;
  result.errors = fastPathErrors(model);
  for (const auto& w : model.workloads) {
    if (!w.cgroup.empty()) {
      result.workloads.emplace(workloadId(w), planWorkload(w, previous));
    }
  }
  LabelIndex index(model.workloads);
  for (const auto& svc : model.services) {
    planService(svc, index.candidates(svc.ns, svc.selector), previous, result.ports);
  }
  planAllInbound(model, options, previous, result);
  return result;
}

MeshPlan replanMesh(const config::Model& model, const MeshPlan& previous,
                    const config::MeshDelta& delta, const policy::Options& options) {
  if (!delta.complete) {
    return planMesh(model, &previous, options);
  }
  // The services whose ports may change: the changed ones, and those selecting a changed
  // workload as it was or as it is.
  std::set<std::pair<std::string, std::string>> touched;
  for (const auto& svc : delta.services) {
    touched.emplace(svc.ns, svc.name);
  }
  for (const auto& w : delta.workloads) {
    auto [first, last] = inNamespace(model.services, w.ns);
    for (auto it = first; it != last; ++it) {
      if (config::selects(it->selector, w.labels)) {
        touched.emplace(it->ns, it->name);
      }
    }
  }
  if (touched.size() > kReplanLimit) {
    return planMesh(model, &previous, options);
  }

  MeshPlan result;
  result.errors = fastPathErrors(model);
  result.ports = previous.ports;
  result.workloads = previous.workloads;
  for (const auto& [ns, name] : touched) {
    std::string prefix = ns + "/" + name + ":";
    auto it = result.ports.lower_bound(prefix);
    while (it != result.ports.end() && it->first.compare(0, prefix.size(), prefix) == 0) {
      it = result.ports.erase(it);
    }
    if (const config::Service* svc = find(model.services, ns, name)) {
      std::vector<const config::ExternalWorkload*> candidates;
      auto [first, last] = inNamespace(model.workloads, ns);
      for (auto w = first; w != last; ++w) {
        candidates.push_back(&*w);
      }
      planService(*svc, candidates, &previous, result.ports);
    }
  }
  for (const auto& w : delta.workloads) {
    result.workloads.erase(workloadId(w));
  }
  for (const auto& w : delta.workloads) {
    const config::ExternalWorkload* now = find(model.workloads, w.ns, w.name);
    if (now != nullptr && !now->cgroup.empty()) {
      result.workloads[workloadId(*now)] = planWorkload(*now, &previous);
    }
  }
  replanInbound(model, previous, delta, options, result);
  return result;
}

namespace {

// Both maps in step (they are sorted by id): one pass, no lookups; shared entries are skipped by
// comparing pointers.
template <typename Ptr>
void changed(const std::map<std::string, Ptr>& before, const std::map<std::string, Ptr>& after,
             std::vector<std::pair<Ptr, Ptr>>& out) {
  auto b = before.begin();
  auto a = after.begin();
  while (b != before.end() || a != after.end()) {
    if (a == after.end() || (b != before.end() && b->first < a->first)) {
      out.emplace_back(b->second, nullptr);
      ++b;
    } else if (b == before.end() || a->first < b->first) {
      out.emplace_back(nullptr, a->second);
      ++a;
    } else {
      if (b->second != a->second && !(*b->second == *a->second)) {
        out.emplace_back(b->second, a->second);
      }
      ++a;
      ++b;
    }
  }
}

}  // namespace

MeshChange changesBetween(const MeshPlan& before, const MeshPlan& after) {
  MeshChange out;
  changed(before.ports, after.ports, out.ports);
  changed(before.workloads, after.workloads, out.workloads);
  changed(before.inbound, after.inbound, out.inbound);
  out.defaultVerdict = before.defaultVerdict != after.defaultVerdict;
  return out;
}

}  // namespace weir::mesh
