#pragma once

// Settings of the Destination service that Linkerd takes from its install values.

#include <string>

namespace weir::control::destination {

struct Options {
  // Authorities "<name>.<ns>.svc.<clusterDomain>" name Services; Linkerd's --cluster-domain.
  std::string clusterDomain = "cluster.local";
};

}  // namespace weir::control::destination
