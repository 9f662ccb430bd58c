#pragma once

// Settings of the Identity service (the mesh CA), from weir-control's --identity-* flags.

#include <chrono>
#include <string>

namespace weir::control::identity {

struct Options {
  std::string listen = "0.0.0.0:8080";  // Linkerd's identity port
  // PEM files: Linkerd's identityTrustAnchorsPEM, identity.issuer.tls.crtPEM and keyPEM.
  std::string trustAnchorsFile;
  std::string issuerCertFile;
  std::string issuerKeyFile;
  // The key node tokens are checked with (node_token.h); optional with serviceAccountTokens.
  std::string nodeTokenKeyFile;
  // Kubernetes: node proxies may prove their node with the projected service-account token of
  // their DaemonSet pod instead, reviewed by the API server (kube/token_review.h): a token for
  // `tokenAudience` of the service account `proxyServiceAccount` ("NAMESPACE/NAME").
  bool serviceAccountTokens = false;
  std::string tokenAudience = "weir-control";
  std::string proxyServiceAccount = "linkerd/weir-proxy";
  std::chrono::seconds certLifetime{86400};
  // Identities are signed only in this trust domain (Linkerd's identityTrustDomain).
  std::string trustDomain = "cluster.local";
  // How often a call may look whether the anchors or the issuer's files changed.
  std::chrono::milliseconds reloadCheckEvery{1000};

  // Whether any file was given: then the service runs, and every file must be given and valid.
  bool enabled() const {
    return !trustAnchorsFile.empty() || !issuerCertFile.empty() || !issuerKeyFile.empty() ||
           !nodeTokenKeyFile.empty();
  }
};

}  // namespace weir::control::identity
