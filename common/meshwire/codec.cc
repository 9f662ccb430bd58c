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

v1::NodeState toWire(const mesh::NodePlan& plan) {
  v1::NodeState out;
  for (const auto& sp : plan.servicePorts) {
    v1::ServicePort* port = out.add_service_ports();
    port->set_id(sp.id);
    port->mutable_service()->set_kind("Service");
    port->mutable_service()->set_namespace_(sp.ns);
    port->mutable_service()->set_name(sp.name);
    *port->add_vips() = wireIp(sp.vip4);
    port->set_port(sp.port);
    port->set_datapath(sp.toProxy ? v1::DATAPATH_PROXY : v1::DATAPATH_FAST_PATH);
    for (const auto& e : sp.endpoints) {
      v1::ServiceEndpoint* ep = out.add_endpoints();
      ep->set_id(e.id);
      ep->set_service_port_id(sp.id);
      *ep->mutable_address() = wireIp(e.ip4);
      ep->set_port(e.port);
      ep->set_weight(e.weight);
      ep->set_node(e.node);
      ep->set_workload_id(e.workloadId);
    }
  }
  for (const auto& w : plan.workloads) {
    v1::Workload* wl = out.add_workloads();
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
  }
  return out;
}

Result<mesh::NodePlan> fromWire(const v1::NodeState& state) {
  mesh::NodePlan plan;
  std::map<std::string, const v1::Workload*> workloads;
  for (const auto& wl : state.workloads()) {
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
    workloads[wl.id()] = &wl;
    plan.workloads.push_back(mesh::PlanWorkload{wl.id(), wl.ref().namespace_(), wl.ref().name(),
                                                wl.cgroup(), wl.identity(), ip4,
                                                wl.fast_path_opt_out(), {}});
  }
  std::map<std::string, size_t> portIndex;
  for (const auto& sp : state.service_ports()) {
    if (sp.vips_size() == 0) {
      return plainError("service port " + sp.id() + ": no VIP");
    }
    auto vip = planIp(sp.vips(0), "service port " + sp.id());
    auto port = planPort(sp.port(), "service port " + sp.id());
    if (!vip || !port) {
      return vip ? port.error() : vip.error();
    }
    portIndex[sp.id()] = plan.servicePorts.size();
    plan.servicePorts.push_back(mesh::PlanServicePort{
        sp.id(), sp.service().namespace_(), sp.service().name(), vip.value(), port.value(),
        sp.datapath() == v1::DATAPATH_PROXY, {}, {}});
  }
  for (const auto& ep : state.endpoints()) {
    auto owner = portIndex.find(ep.service_port_id());
    if (owner == portIndex.end()) {
      return plainError("endpoint " + ep.id() + ": unknown service port " + ep.service_port_id());
    }
    auto ip = planIp(ep.address(), "endpoint " + ep.id());
    auto port = planPort(ep.port(), "endpoint " + ep.id());
    if (!ip || !port) {
      return ip ? port.error() : ip.error();
    }
    auto wl = workloads.find(ep.workload_id());
    bool local = wl != workloads.end();
    plan.servicePorts[owner->second].endpoints.push_back(mesh::PlanEndpoint{
        ep.id(), ep.workload_id(), ip.value(), port.value(), ep.weight(), ep.node(), local,
        local && wl->second->fast_path_opt_out()});
  }
  // The slot order the plan promises, whatever order the wire used.
  for (auto& sp : plan.servicePorts) {
    std::sort(sp.endpoints.begin(), sp.endpoints.end(),
              [](const mesh::PlanEndpoint& a, const mesh::PlanEndpoint& b) {
                return std::pair(ntohl(a.ip4), a.port) < std::pair(ntohl(b.ip4), b.port);
              });
  }
  return plan;
}

}  // namespace weir::meshwire
