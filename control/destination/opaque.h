#pragma once

// Which ports carry opaque TCP (Linkerd's config.linkerd.io/opaque-ports and Server
// `proxyProtocol: opaque`): the proxy must not detect or parse them.

#include <cstdint>

#include "common/config/model.h"
#include "control/destination/catalog.h"

namespace weir::control::destination {

// A Service port listed in the Service's opaque-ports. The kernel decides its fast path by the
// same rule (mesh::portInList over the annotation as written), so the two never disagree.
bool servicePortOpaque(const config::Service& svc, uint16_t port);

// A port of a workload listed in the workload's opaque-ports annotation, or its namespace's
// when the workload has none (named entries resolved against the workload's ports).
bool annotatedOpaque(const Catalog& catalog, const config::ExternalWorkload& w, uint16_t port);

// annotatedOpaque, or the Server owning the port says `proxyProtocol: opaque`.
bool workloadPortOpaque(const Catalog& catalog, const config::ExternalWorkload& w, uint16_t port);

}  // namespace weir::control::destination
