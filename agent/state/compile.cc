#include "agent/state/compile.h"

#include <optional>
#include <map>

namespace weir::agent::state {

namespace {

std::string where(const config::SourceRef& src) {
  return src.line > 0 ? src.file + ":" + std::to_string(src.line) : src.file;
}

}  // namespace

std::optional<config::Diagnostic> compilePort(const mesh::PlanServicePort& sp,
                                              const std::map<std::string, uint64_t>& cgroupOf,
                                              const CompileOptions& options, DesiredState& state) {
  if (sp.endpoints.size() > WEIR_MAX_BACKENDS_PER_SERVICE) {
    return config::Diagnostic{sp.src, "Service/" + sp.name, "spec.selector",
                              "selects " + std::to_string(sp.endpoints.size()) +
                                  " endpoints; at most " +
                                  std::to_string(WEIR_MAX_BACKENDS_PER_SERVICE) + " per port"};
  }
  uint32_t total = 0;
  for (size_t i = 0; i < sp.endpoints.size(); ++i) {
    const mesh::PlanEndpoint& e = sp.endpoints[i];
    total += e.weight;
    auto local = e.local ? cgroupOf.find(e.workloadId) : cgroupOf.end();
    weir_backend_key key{.vip4 = sp.vip4, .port = sp.port, .slot = static_cast<uint16_t>(i + 1)};
    state.backends[key] = weir_backend{
        .ip4 = e.ip4,
        .port = e.port,
        .flags = static_cast<uint16_t>(e.fastPathOff ? WEIR_BE_NO_FASTPATH : 0u),
        .weight_end = total,
        .pad1 = 0,
        .cgroup_id = local == cgroupOf.end() ? 0 : local->second};
  }
  uint32_t flags = sp.toProxy && options.proxyIp4 != 0 ? WEIR_SVC_TO_PROXY : 0u;
  state.services[weir_svc_key{.vip4 = sp.vip4, .port = sp.port, .pad = 0}] =
      weir_svc{.backend_count = static_cast<uint32_t>(sp.endpoints.size()),
               .total_weight = total, .flags = flags, .pad = 0};
  state.serviceMeta[{sp.vip4, sp.port}] = ServiceMeta{sp.ns, sp.name, sp.port};
  return std::nullopt;
}

void removePort(uint32_t vip4, uint16_t port, DesiredState& state) {
  weir_svc_key key{.vip4 = vip4, .port = port, .pad = 0};
  auto svc = state.services.find(key);
  if (svc == state.services.end()) {
    return;
  }
  for (uint32_t slot = 1; slot <= svc->second.backend_count; ++slot) {
    state.backends.erase(
        weir_backend_key{.vip4 = vip4, .port = port, .slot = static_cast<uint16_t>(slot)});
  }
  state.services.erase(svc);
  state.serviceMeta.erase({vip4, port});
}

std::vector<config::Diagnostic> compileAuthorizations(
    const std::vector<mesh::PlanAuthorization>& authorizations,
    const std::map<std::string, uint64_t>& cgroupOf,
    const std::map<std::string, std::vector<uint64_t>>& cgroupsOfIdentity, DesiredState& state) {
  std::vector<config::Diagnostic> errors;
  static const std::vector<uint64_t> kEveryOther = {0};
  static const std::vector<uint64_t> kNone;
  state.authz.clear();
  for (const mesh::PlanAuthorization& a : authorizations) {
    auto server = cgroupOf.find(a.workloadId);
    if (server == cgroupOf.end()) {
      errors.push_back({{},
                        "authorization " + a.id,
                        "workload_id",
                        "workload " + a.workloadId + " has no cgroup on this node"});
      continue;
    }
    const std::vector<uint64_t>* clients = &kEveryOther;
    if (!a.clientIdentity.empty()) {
      auto it = cgroupsOfIdentity.find(a.clientIdentity);
      clients = it == cgroupsOfIdentity.end() ? &kNone : &it->second;
    }
    for (uint64_t client : *clients) {
      weir_authz_key key{.server_cgroup_id = server->second,
                         .client_cgroup_id = client,
                         .port = a.port,
                         .pad0 = 0,
                         .pad1 = 0};
      state.authz[key] = weir_authz{.verdict = static_cast<uint32_t>(a.verdict)};
    }
  }
  return errors;
}

namespace {

// A workload's skip-outbound-ports as one weir_skip_out entry per port. The kernel looks ports
// up one by one, so a workload may skip at most kMaxSkipPorts of them.
constexpr size_t kMaxSkipPorts = 4096;

std::optional<config::Diagnostic> compileSkipOut(const mesh::PlanWorkload& w, uint64_t cgroup,
                                                 const std::string& object, DesiredState& state) {
  size_t ports = 0;
  for (auto [first, last] : w.proxy.skipOutbound) {
    ports += static_cast<size_t>(last - first) + 1;
  }
  if (ports > kMaxSkipPorts) {
    return config::Diagnostic{w.src, object,
                              "metadata.annotations[config.linkerd.io/skip-outbound-ports]",
                              std::to_string(ports) + " ports; the kernel path takes at most " +
                                  std::to_string(kMaxSkipPorts) + " per workload"};
  }
  for (auto [first, last] : w.proxy.skipOutbound) {
    for (uint32_t p = first; p <= last; ++p) {
      state.skipOut[weir_skip_key{.cgroup_id = cgroup, .port = static_cast<uint16_t>(p)}] =
          weir_skip{};
    }
  }
  return std::nullopt;
}

}  // namespace

CompileResult compilePlan(const mesh::NodePlan& plan, const CompileOptions& options,
                          const CgroupResolver& resolveCgroup) {
  CompileResult result;
  DesiredState& state = result.state;
  state.config.proxy_ip4 = options.proxyIp4;
  state.config.proxy_port = options.proxyPort;
  state.config.proxy_cgroup_id = options.proxyCgroupId;
  state.config.default_verdict = static_cast<uint32_t>(plan.defaultVerdict);

  // The workloads placed here: their cgroups are meshed.
  std::map<std::string, uint64_t>& cgroupOf = result.cgroupOf;
  std::map<uint64_t, const mesh::PlanWorkload*> ownerOf;
  for (const auto& w : plan.workloads) {
    std::string object = "ExternalWorkload/" + w.name;
    std::string path = options.cgroupRoot + "/" + w.cgroup;
    auto id = resolveCgroup(path);
    if (!id) {
      result.errors.push_back({w.src, object, "metadata.annotations[weir.io/cgroup]",
                               "cgroup " + path + ": " + id.error().str()});
      continue;
    }
    if (auto taken = ownerOf.find(id.value()); taken != ownerOf.end()) {
      const mesh::PlanWorkload& other = *taken->second;
      result.errors.push_back({w.src, object, "metadata.annotations[weir.io/cgroup]",
                               "cgroup " + w.cgroup + " already used by ExternalWorkload/" +
                                   other.name + " (" + where(other.src) + ")"});
      continue;
    }
    cgroupOf[w.id] = id.value();
    ownerOf[id.value()] = &w;
    if (!w.identity.empty()) {
      result.cgroupsOfIdentity[w.identity].push_back(id.value());
    }
    uint32_t flags = WEIR_WL_MESHED | (w.fastPathOff ? WEIR_WL_NO_FASTPATH : 0u);
    if (auto error = compileSkipOut(w, id.value(), object, state)) {
      result.errors.push_back(std::move(*error));
    } else if (!w.proxy.skipOutbound.empty()) {
      flags |= WEIR_WL_SKIP_OUT;
    }
    state.workloads[id.value()] = weir_workload{.ip4 = w.ip4, .flags = flags};
    state.workloadMeta[id.value()] =
        WorkloadMeta{w.ns, w.name, w.identity, w.ip4, w.proxy.maxIdleConnsPerHost,
                     w.proxy.maxRequestsPerConnection};
  }

  for (const auto& sp : plan.servicePorts) {
    if (auto error = compilePort(sp, result.cgroupOf, options, state)) {
      result.errors.push_back(std::move(*error));
    }
  }
  if (result.errors.empty()) {
    // With a workload missing, its authorizations would be too: nothing to add to the errors.
    for (auto& e : compileAuthorizations(plan.authorizations, result.cgroupOf,
                                         result.cgroupsOfIdentity, state)) {
      result.errors.push_back(std::move(e));
    }
  }
  return result;
}

CompileResult compile(const config::Model& model, const CompileOptions& options,
                      const CgroupResolver& resolveCgroup) {
  mesh::PlanResult planned =
      mesh::plan(model, mesh::PlanOptions{.node = options.node, .proxy = options.proxyIp4 != 0});
  CompileResult result = compilePlan(planned.plan, options, resolveCgroup);
  result.errors.insert(result.errors.begin(), planned.errors.begin(), planned.errors.end());
  return result;
}

}  // namespace weir::agent::state
