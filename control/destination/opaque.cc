#include "control/destination/opaque.h"

#include "control/destination/wire.h"

namespace weir::control::destination {

namespace {

constexpr char kOpaquePorts[] = "config.linkerd.io/opaque-ports";

bool listed(const config::PortList& list, const config::ExternalWorkload& w, uint16_t port) {
  for (const config::PortRange& range : list.ranges) {
    if (port >= range.first && port <= range.last) {
      return true;
    }
  }
  for (const std::string& name : list.names) {
    for (const config::WorkloadPort& wp : w.ports) {
      if (wp.name == name && wp.port == port) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool servicePortOpaque(const config::Service& svc, uint16_t port) {
  return mesh::portInList(annotation(svc.annotations, kOpaquePorts), port);
}

bool annotatedOpaque(const Catalog& catalog, const config::ExternalWorkload& w, uint16_t port) {
  if (w.mesh.opaquePorts) {
    return listed(*w.mesh.opaquePorts, w, port);
  }
  const config::Namespace* ns = catalog.findNamespace(w.ns);
  return ns != nullptr && ns->mesh.opaquePorts && listed(*ns->mesh.opaquePorts, w, port);
}

bool workloadPortOpaque(const Catalog& catalog, const config::ExternalWorkload& w, uint16_t port) {
  if (annotatedOpaque(catalog, w, port)) {
    return true;
  }
  const config::Server* server = catalog.serverFor(w, port);
  return server != nullptr && server->proxyProtocol == "opaque";
}

}  // namespace weir::control::destination
