#include "common/meshwire/codec.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>

namespace weir::meshwire {

namespace {

v1::IpAddress wireIp(uint32_t ip4) {
  v1::IpAddress out;
  out.set_ipv4(ntohl(ip4));  // the wire carries 10.1.2.3 as 0x0A010203
  return out;
}

Result<uint32_t> planIp(const v1::IpAddress& ip, const std::string& what) {
  if (ip.ip_case() != v1::IpAddress::kIpv4) {
    return plainError(what + ": only IPv4 addresses are supported");
  }
  return htonl(ip.ipv4());
}

Result<uint16_t> planPort(uint32_t port, const std::string& what) {
  if (port == 0 || port > 65535) {
    return plainError(what + ": port " + std::to_string(port) + " out of range");
  }
  return static_cast<uint16_t>(port);
}

}  // namespace

void toWire(const mesh::PlanServicePort& sp, v1::ServicePort* port) {
  port->set_id(sp.id);
  port->mutable_service()->set_kind("Service");
  port->mutable_service()->set_namespace_(sp.ns);
  port->mutable_service()->set_name(sp.name);
  *port->add_vips() = wireIp(sp.vip4);
  port->set_port(sp.port);
  port->set_datapath(sp.toProxy ? v1::DATAPATH_PROXY : v1::DATAPATH_FAST_PATH);
}

void toWire(const mesh::PlanEndpoint& e, const std::string& portId, v1::ServiceEndpoint* ep) {
  ep->set_id(e.id);
  ep->set_service_port_id(portId);
  *ep->mutable_address() = wireIp(e.ip4);
  ep->set_port(e.port);
  ep->set_weight(e.weight);
  ep->set_node(e.node);
  ep->set_workload_id(e.workloadId);
}

void toWire(const mesh::PlanWorkload& w, v1::Workload* wl) {
  wl->set_id(w.id);
  wl->mutable_ref()->set_kind("ExternalWorkload");
  wl->mutable_ref()->set_namespace_(w.ns);
  wl->mutable_ref()->set_name(w.name);
  wl->set_cgroup(w.cgroup);
  wl->set_identity(w.identity);
  if (w.ip4 != 0) {
    *wl->add_ips() = wireIp(w.ip4);
  }
  wl->set_fast_path_opt_out(w.fastPathOff);
  for (auto [first, last] : w.proxy.skipOutbound) {
    auto* r = wl->add_skip_outbound_ports();
    r->set_first(first);
    r->set_last(last);
  }
  for (auto [first, last] : w.proxy.skipInbound) {
    auto* r = wl->add_skip_inbound_ports();
    r->set_first(first);
    r->set_last(last);
  }
  wl->set_outbound_max_idle_conns_per_host(w.proxy.maxIdleConnsPerHost);
  wl->set_outbound_max_requests_per_connection(w.proxy.maxRequestsPerConnection);
}

void toWire(const mesh::PlanAuthorization& a, v1::L4Authorization* out) {
  out->set_id(a.id);
  out->set_workload_id(a.workloadId);
  out->set_port(a.port);
  out->set_client_identity(a.clientIdentity);
  out->set_verdict(static_cast<v1::L4Verdict>(a.verdict));
}

v1::NodeSettings settingsToWire(policy::Verdict defaultVerdict) {
  v1::NodeSettings out;
  out.set_default_verdict(static_cast<v1::L4Verdict>(defaultVerdict));
  return out;
}

v1::NodeState toWire(const mesh::NodePlan& plan) {
  v1::NodeState out;
  *out.mutable_settings() = settingsToWire(plan.defaultVerdict);
  for (const auto& sp : plan.servicePorts) {
    toWire(sp, out.add_service_ports());
    for (const auto& e : sp.endpoints) {
      toWire(e, sp.id, out.add_endpoints());
    }
  }
  for (const auto& w : plan.workloads) {
    toWire(w, out.add_workloads());
  }
  for (const auto& a : plan.authorizations) {
    toWire(a, out.add_authorizations());
  }
  return out;
}

Result<mesh::PlanWorkload> fromWire(const v1::Workload& wl) {
  if (wl.placement_case() != v1::Workload::kCgroup) {
    return plainError("workload " + wl.id() + ": no cgroup (pods are not supported yet)");
  }
  uint32_t ip4 = 0;
  if (wl.ips_size() > 0) {
    auto ip = planIp(wl.ips(0), "workload " + wl.id());
    if (!ip) {
      return ip.error();
    }
    ip4 = ip.value();
  }
  mesh::WorkloadProxy proxy;
  proxy.maxIdleConnsPerHost = wl.outbound_max_idle_conns_per_host();
  proxy.maxRequestsPerConnection = wl.outbound_max_requests_per_connection();
  for (const auto* list : {&wl.skip_outbound_ports(), &wl.skip_inbound_ports()}) {
    for (const v1::WorkloadPortRange& r : *list) {
      if (r.first() == 0 || r.last() > 65535 || r.first() > r.last()) {
        return plainError("workload " + wl.id() + ": bad skip port range " +
                          std::to_string(r.first()) + "-" + std::to_string(r.last()));
      }
      (list == &wl.skip_outbound_ports() ? proxy.skipOutbound : proxy.skipInbound)
          .emplace_back(static_cast<uint16_t>(r.first()), static_cast<uint16_t>(r.last()));
    }
  }
  return mesh::PlanWorkload{wl.id(), wl.ref().namespace_(), wl.ref().name(), wl.cgroup(),
                            wl.identity(), ip4, wl.fast_path_opt_out(), {}, {}, std::move(proxy)};
}

Result<mesh::PlanServicePort> fromWire(const v1::ServicePort& sp) {
  if (sp.vips_size() == 0) {
    return plainError("service port " + sp.id() + ": no VIP");
  }
  auto vip = planIp(sp.vips(0), "service port " + sp.id());
  auto port = planPort(sp.port(), "service port " + sp.id());
  if (!vip || !port) {
    return vip ? port.error() : vip.error();
  }
  return mesh::PlanServicePort{sp.id(), sp.service().namespace_(), sp.service().name(),
                               vip.value(), port.value(), sp.datapath() == v1::DATAPATH_PROXY,
                               {}, {}};
}

Result<mesh::PlanEndpoint> fromWire(const v1::ServiceEndpoint& ep, const v1::Workload* local) {
  auto ip = planIp(ep.address(), "endpoint " + ep.id());
  auto port = planPort(ep.port(), "endpoint " + ep.id());
  if (!ip || !port) {
    return ip ? port.error() : ip.error();
  }
  return mesh::PlanEndpoint{ep.id(), ep.workload_id(), ip.value(), port.value(), ep.weight(),
                            ep.node(), local != nullptr,
                            local != nullptr && local->fast_path_opt_out()};
}

Result<mesh::PlanAuthorization> fromWire(const v1::L4Authorization& a) {
  auto port = planPort(a.port(), "authorization " + a.id());
  if (!port) {
    return port.error();
  }
  if (!v1::L4Verdict_IsValid(a.verdict())) {
    return plainError("authorization " + a.id() + ": unknown verdict " +
                      std::to_string(a.verdict()));
  }
  return mesh::PlanAuthorization{a.id(), a.workload_id(), port.value(), a.client_identity(),
                                 static_cast<policy::Verdict>(a.verdict())};
}

void sortSlots(mesh::PlanServicePort& port) {
  std::sort(port.endpoints.begin(), port.endpoints.end(),
            [](const mesh::PlanEndpoint& a, const mesh::PlanEndpoint& b) {
              return std::pair(ntohl(a.ip4), a.port) < std::pair(ntohl(b.ip4), b.port);
            });
}

Result<mesh::NodePlan> fromWire(const v1::NodeState& state) {
  mesh::NodePlan plan;
  std::map<std::string, const v1::Workload*> workloads;
  for (const auto& wl : state.workloads()) {
    auto planned = fromWire(wl);
    if (!planned) {
      return planned.error();
    }
    workloads[wl.id()] = &wl;
    plan.workloads.push_back(std::move(planned.value()));
  }
  std::map<std::string, size_t> portIndex;
  for (const auto& sp : state.service_ports()) {
    auto planned = fromWire(sp);
    if (!planned) {
      return planned.error();
    }
    portIndex[sp.id()] = plan.servicePorts.size();
    plan.servicePorts.push_back(std::move(planned.value()));
  }
  for (const auto& ep : state.endpoints()) {
    auto owner = portIndex.find(ep.service_port_id());
    if (owner == portIndex.end()) {
      return plainError("endpoint " + ep.id() + ": unknown service port " + ep.service_port_id());
    }
    auto wl = workloads.find(ep.workload_id());
    auto planned = fromWire(ep, wl == workloads.end() ? nullptr : wl->second);
    if (!planned) {
      return planned.error();
    }
    plan.servicePorts[owner->second].endpoints.push_back(std::move(planned.value()));
  }
  // The slot order the plan promises, whatever order the wire used.
  for (auto& sp : plan.servicePorts) {
    sortSlots(sp);
  }
  for (const auto& a : state.authorizations()) {
    if (workloads.count(a.workload_id()) == 0) {
      return plainError("authorization " + a.id() + ": unknown workload " + a.workload_id());
    }
    auto planned = fromWire(a);
    if (!planned) {
      return planned.error();
    }
    plan.authorizations.push_back(std::move(planned.value()));
  }
  std::sort(plan.authorizations.begin(), plan.authorizations.end(),
            [](const mesh::PlanAuthorization& a, const mesh::PlanAuthorization& b) {
              return a.id < b.id;
            });
  // An unset verdict is PROXY (the proto's zero value): the safe reading of an old server.
  plan.defaultVerdict = static_cast<policy::Verdict>(
      v1::L4Verdict_IsValid(state.settings().default_verdict()) ? state.settings().default_verdict()
                                                                : v1::L4_VERDICT_PROXY);
  return plan;
}

}  // namespace weir::meshwire
