#pragma once

// Destination.GetProfile compiled: the ServiceProfile (linkerd.io/v1alpha2) and TrafficSplit
// (SMI) that apply to an authority at one published version.

#include <string>

#include "control/destination/authority.h"
#include "control/destination/catalog.h"
#include "control/destination/options.h"
#include "weir/v1/destination.pb.h"

namespace weir::control::destination {

// A service port: its fully qualified name, opaque flag, load balancer, and the profile named
// after that name (in the client's namespace first, as Linkerd's client-side profiles, then the
// service's); without a profile the default one (no routes, the proxy's retry budget). Its
// TrafficSplit's backends, when one targets the service, replace the profile's dstOverrides, as
// Linkerd's TrafficSplit adaptor did. A workload address: the single endpoint. Otherwise empty.
v1::DestinationProfile compileProfile(const Catalog& catalog, const Authority& authority,
                                      const std::string& sourceNamespace, const Options& options);

// ServiceProfile parts, in Linkerd's shape: the fields a condition sets are ANDed (an `all` of
// them when more than one is set; `all: []` when none is).
v1::RequestMatch requestMatch(const config::RequestMatch& match);
v1::ResponseMatch responseMatch(const config::ResponseMatch& match);
v1::ProfileRoute profileRoute(const config::ProfileRoute& route);

}  // namespace weir::control::destination
