#pragma once

// Where the Kubernetes API server is and how to authenticate to it: from inside a pod (the
// service-account token and CA) or from a kubeconfig file. Certificates are held as PEM text so
// the TLS layer never reads files; the token may name a file that is re-read on every new
// connection, because projected service-account tokens rotate (about hourly) under a running pod.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace weir::control::kube {

inline constexpr std::string_view kServiceAccountDir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

struct ClusterConfig {
  std::string host;  // "10.96.0.1", "fd00::1" (no brackets) or "api.example.com"
  uint16_t port = 443;
  std::string basePath;  // path prefix of the server URL, "" or "/k8s/clusters/c-1" (no trailing /)
  std::string tlsServerName;  // name checked in the server certificate; empty: host
  std::string caPem;          // trusted CA bundle; empty: the system roots
  bool insecureSkipTlsVerify = false;
  std::string clientCertPem;  // client certificate chain, with clientKeyPem
  std::string clientKeyPem;
  std::string token;      // static bearer token
  std::string tokenFile;  // bearer token read from this file per connection (wins over token)
  std::string defaultNamespace;
  std::string source;  // "in-cluster" or the kubeconfig path, for log lines and errors

  // The bearer token to send on a new connection, "" when none is configured.
  Result<std::string> bearerToken() const;
  // "host:port" as written in a Host header or a log line (IPv6 in brackets).
  std::string authority() const;
};

// In-cluster: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT from the environment, and token,
// ca.crt and namespace from `serviceAccountDir`.
Result<ClusterConfig> loadInCluster(std::string_view serviceAccountDir = kServiceAccountDir);

// A kubeconfig file: `context` (empty: current-context) -> its cluster (server,
// certificate-authority[-data], insecure-skip-tls-verify, tls-server-name) and user (token,
// tokenFile, client-certificate[-data], client-key[-data]). Relative file paths are resolved
// against the kubeconfig's directory. Exec and auth-provider plugins are not supported.
Result<ClusterConfig> loadKubeconfig(const std::string& path, const std::string& context = "");

// Splits "https://host[:port][/prefix]" into `out`; `what` names the field for errors.
Status parseServerUrl(std::string_view url, const std::string& what, ClusterConfig& out);

}  // namespace weir::control::kube
