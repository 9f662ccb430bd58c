#pragma once

// Policy.WatchOutbound compiled: how a client's proxy handles traffic to one target at one
// published version.

#include <string>

#include "common/base/result.h"
#include "control/destination/authority.h"
#include "control/destination/catalog.h"
#include "control/policy/options.h"
#include "weir/v1/policy.pb.h"

namespace weir::control::policy {

// The request's target as an authority: its address, or its authority text.
Result<destination::Authority> outboundTarget(const v1::OutboundTarget& target,
                                              const Options& options);

// A service port (by name or VIP): OPAQUE when the port is in the Service's opaque-ports, else
// DETECT; the HTTPRoutes whose parentRef is the Service (and this port, when they name one) --
// those in the client's namespace when it has any (Linkerd's consumer routes), else those in
// the Service's namespace -- or one default route to the Service; the Service as the opaque
// backend; failure accrual from its annotations. A workload address: its endpoint, forwarded
// as is. Anything else: opaque, forwarded to the original address when there is one.
v1::OutboundPolicy compileOutbound(const destination::Catalog& catalog,
                                   const destination::Authority& target,
                                   const std::string& sourceNamespace, const Options& options);

}  // namespace weir::control::policy
