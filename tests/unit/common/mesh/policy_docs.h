#pragma once

// Policy documents the tests of the kernel's L4 authorizations share.

#include <string>

namespace weir::test_docs {

// A Server on port 8080 (opaque) of the workloads of `ns` labelled app=`app`, and a
// ServerAuthorization admitting the mesh identities `identities` (the body of a YAML list).
inline std::string guardedPort(const std::string& ns, const std::string& app,
                               const std::string& identities) {
  std::string meta = "metadata: {name: " + app + ", namespace: " + ns + "}\n";
  return "---\napiVersion: policy.linkerd.io/v1beta3\nkind: Server\n" + meta +
         "spec: {podSelector: {matchLabels: {app: " + app +
         "}}, port: 8080, proxyProtocol: opaque}\n---\napiVersion: policy.linkerd.io/v1beta1\n"
         "kind: ServerAuthorization\n" +
         meta + "spec:\n  server: {name: " + app + "}\n  client: {meshTLS: {identities: [" +
         identities + "]}}\n";
}

}  // namespace weir::test_docs
