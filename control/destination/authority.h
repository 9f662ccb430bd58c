#pragma once

// What a Destination or Policy client asks about: a Service by name, or an IPv4 address (a
// service VIP or a workload address), with a port.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace weir::control::destination {

struct Authority {
  enum class Kind {
    kService,  // ns/name
    kIpv4,     // ip
    kOther,    // a syntactically valid name or address the mesh cannot know (another domain,
               // a pod DNS name, IPv6): answered as unknown, not as an error
  };
  Kind kind = Kind::kOther;
  std::string ns;
  std::string name;
  uint32_t ip = 0;  // network order
  uint16_t port = 0;

  bool operator==(const Authority&) const = default;
};

// Parses "host[:port]" as Linkerd's destination controller does: a missing port is 80. Service
// names are "<name>.<ns>.svc.<clusterDomain>", or the shorter forms Kubernetes DNS resolves
// from inside the cluster ("<name>.<ns>.svc", "<name>.<ns>"), with or without a final dot.
// An error only for text that is no authority at all (empty host, bad port).
Result<Authority> parseAuthority(std::string_view text, std::string_view clusterDomain);

// "<name>.<ns>.svc.<clusterDomain>".
std::string serviceFqdn(const std::string& ns, const std::string& name,
                        std::string_view clusterDomain);

}  // namespace weir::control::destination
