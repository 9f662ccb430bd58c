#include "agent/state/view_compiler.h"

#include <optional>
#include <utility>

#include "common/meshwire/codec.h"

namespace weir::agent::state {

namespace {

using PortAddr = std::pair<uint32_t, uint16_t>;  // VIP (network order), port (host order)

std::optional<PortAddr> addressOf(const v1::ServicePort* port) {
  if (port == nullptr) {
    return std::nullopt;
  }
  auto planned = meshwire::fromWire(*port);
  if (!planned) {
    return std::nullopt;  // never compiled, so nothing of it is in the desired state
  }
  return PortAddr{planned.value().vip4, planned.value().port};
}

// The port `id` of the view with its endpoints, in slot order.
Result<mesh::PlanServicePort> portOf(const meshwire::NodeStateView& view, const v1::ServicePort& port) {
  auto planned = meshwire::fromWire(port);
  if (!planned) {
    return planned.error();
  }
  for (const std::string& id : view.endpointsOf(port.id())) {
    const v1::ServiceEndpoint* e = view.endpoint(id);
    auto endpoint = meshwire::fromWire(*e, view.workload(e->workload_id()));
    if (!endpoint) {
      return endpoint.error();
    }
    planned.value().endpoints.push_back(std::move(endpoint.value()));
  }
  meshwire::sortSlots(planned.value());
  return planned;
}

}  // namespace

ViewCompiler::ViewCompiler(CompileOptions options, CgroupResolver resolver)
    : options_(std::move(options)), resolver_(std::move(resolver)) {}

std::vector<std::string> ViewCompiler::applySnapshot(meshwire::NodeStateView& view,
                                                     const v1::NodeState& state) {
  view.reset(state);
  return compileAll(view);
}

std::vector<std::string> ViewCompiler::compileAll(const meshwire::NodeStateView& view) {
  std::vector<std::string> errors;
  auto plan = meshwire::fromWire(view.state());
  if (!plan) {
    errors.push_back(plan.error().str());
    return errors;
  }
  CompileResult compiled = compilePlan(plan.value(), options_, resolver_);
  for (const auto& e : compiled.errors) {
    errors.push_back(e.str());
  }
  if (errors.empty()) {
    incremental_ = false;
    desired_ = std::move(compiled.state);
    cgroupOf_ = std::move(compiled.cgroupOf);
    cgroupsOfIdentity_ = std::move(compiled.cgroupsOfIdentity);
    compiled_ = true;
    lastCompiledPorts_ = plan.value().servicePorts.size();
  }
  return errors;
}

std::vector<std::string> ViewCompiler::applyDiff(meshwire::NodeStateView& view,
                                                 const v1::Diff& diff) {
  const v1::NodeState& up = diff.upserts();
  const v1::Deletions& del = diff.deletes();
  if (!compiled_ || up.workloads_size() > 0 || del.workloads_size() > 0 || up.has_settings()) {
    view.apply(up, del);
    return compileAll(view);
  }

  // The ports this diff touches, with where each was before it.
  std::map<std::string, std::optional<PortAddr>> touched;
  auto touch = [&](const std::string& portId) {
    if (touched.count(portId) == 0) {
      touched.emplace(portId, addressOf(view.port(portId)));
    }
  };
  for (const auto& p : up.service_ports()) {
    touch(p.id());
  }
  for (const auto& id : del.service_ports()) {
    touch(id);
  }
  for (const auto& e : up.endpoints()) {
    touch(e.service_port_id());
    if (const v1::ServiceEndpoint* old = view.endpoint(e.id())) {
      touch(old->service_port_id());
    }
  }
  for (const auto& id : del.endpoints()) {
    if (const v1::ServiceEndpoint* old = view.endpoint(id)) {
      touch(old->service_port_id());
    }
  }
  view.apply(up, del);

  // Compile them aside; commit only when all compile.
  std::vector<std::string> errors;
  DesiredState fresh;
  for (const auto& [id, before] : touched) {
    const v1::ServicePort* port = view.port(id);
    if (port == nullptr) {
      continue;
    }
    auto planned = portOf(view, *port);
    if (!planned) {
      errors.push_back(planned.error().str());
      continue;
    }
    if (auto error = compilePort(planned.value(), cgroupOf_, options_, fresh)) {
      errors.push_back(error->str());
    }
  }
  for (const auto& e : up.endpoints()) {
    if (view.port(e.service_port_id()) == nullptr) {
      errors.push_back("endpoint " + e.id() + ": unknown service port " + e.service_port_id());
    }
  }
  bool authz = up.authorizations_size() > 0 || del.authorizations_size() > 0;
  if (authz) {
    std::vector<mesh::PlanAuthorization> planned;
    for (const auto& [id, a] : view.authorizations()) {
      auto decoded = meshwire::fromWire(a);
      if (!decoded) {
        errors.push_back(decoded.error().str());
        continue;
      }
      planned.push_back(std::move(decoded.value()));
    }
    for (const auto& e : compileAuthorizations(planned, cgroupOf_, cgroupsOfIdentity_, fresh)) {
      errors.push_back(e.str());
    }
  }
  if (!errors.empty()) {
    return errors;
  }
  if (authz) {
    desired_.authz = std::move(fresh.authz);
  }
  touched_ = Touched();
  for (const auto& [id, before] : touched) {
    if (!before) {
      continue;
    }
    weir_svc_key key{.vip4 = before->first, .port = before->second, .pad = 0};
    if (auto svc = desired_.services.find(key); svc != desired_.services.end()) {
      touched_.services.push_back(key);
      for (uint32_t slot = 1; slot <= svc->second.backend_count; ++slot) {
        touched_.backends.push_back(weir_backend_key{
            .vip4 = key.vip4, .port = key.port, .slot = static_cast<uint16_t>(slot)});
      }
    }
    removePort(before->first, before->second, desired_);
  }
  for (const auto& [key, value] : fresh.services) {
    touched_.services.push_back(key);
  }
  for (const auto& [key, value] : fresh.backends) {
    touched_.backends.push_back(key);
  }
  incremental_ = true;
  for (auto& [key, value] : fresh.backends) {
    desired_.backends[key] = value;
  }
  for (auto& [key, value] : fresh.services) {
    desired_.services[key] = value;
  }
  for (auto& [key, value] : fresh.serviceMeta) {
    desired_.serviceMeta[key] = std::move(value);
  }
  lastCompiledPorts_ = touched.size();
  return errors;
}

}  // namespace weir::agent::state
