#pragma once

// How weir's clients reach weir-control's gRPC ports (Destination and NodeSync 8086, Identity
// 8080, Policy 8090): over TLS, accepting only a certificate for the control plane's identity
// that chains to the mesh's trust anchors — or in plaintext when no anchors are given (a mesh
// without a CA). Clients read the anchors file at every dial, so a rotated bundle is taken up by
// the next connection. control_channel.h dials with gRPC; weir-proxy's Destination client
// dials with its own TLS.

#include <string>
#include <string_view>

namespace weir::grpctls {

// The identity weir-control serves its gRPC ports as, in Linkerd's form: its service account
// "weir-control" in the control namespace "linkerd", in the trust domain.
std::string controlIdentity(std::string_view trustDomain);
inline constexpr std::string_view kDefaultTrustDomain = "cluster.local";

struct ControlTls {
  std::string anchorsFile;  // PEM bundle; empty: plaintext
  std::string serverName = controlIdentity(kDefaultTrustDomain);
  bool enabled() const { return !anchorsFile.empty(); }
};

}  // namespace weir::grpctls
