#pragma once

// Workload identities. Linkerd names a workload's identity after its service account:
//   <sa>.<ns>.serviceaccount.identity.<control-ns>.<trust-domain>
// ("web.emojivoto.serviceaccount.identity.linkerd.cluster.local"), the DNS SAN of its
// certificate; the same identity as a SPIFFE ID is spiffe://<trust-domain>/ns/<ns>/sa/<sa>.

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace weir::identity {

struct IdentityName {
  std::string serviceAccount;  // a DNS subdomain (may hold dots)
  std::string ns;              // a DNS label
  std::string controlNs;       // a DNS label ("linkerd")
  std::string trustDomain;     // a DNS name ("cluster.local")

  bool operator==(const IdentityName&) const = default;
};

// Parses Linkerd's form; the error says which part is wrong and why. Lower case only, as
// Kubernetes names are.
Result<IdentityName> parseIdentity(std::string_view identity);

std::string linkerdName(const IdentityName& name);
std::string spiffeId(const IdentityName& name);

// Whether `name` is a DNS name of lower-case labels (1..63 of [a-z0-9-], no leading or
// trailing '-'), at most 253 characters; an empty string is not. Else why not.
Status checkDnsName(std::string_view name);

}  // namespace weir::identity
