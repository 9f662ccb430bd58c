// The in-cluster source of ClusterConfig: what the kubelet gives every pod.

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "control/kube/cluster_config.h"
#include "common/base/read_file.h"

namespace weir::control::kube {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

Result<ClusterConfig> loadInCluster(std::string_view serviceAccountDir) {
  std::string host = env("KUBERNETES_SERVICE_HOST");
  std::string port = env("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    return plainError(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set "
        "(not running in a pod?)");
  }
  ClusterConfig c;
  c.source = "in-cluster";
  c.host = host;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), c.port);
  if (ec != std::errc() || end != port.data() + port.size() || c.port == 0) {
    return plainError("in-cluster config: KUBERNETES_SERVICE_PORT \"" + port + "\": bad port");
  }

  std::string dir(serviceAccountDir);
  c.tokenFile = dir + "/token";
  // Fail now rather than on the first request; the file is read again per connection.
  auto token = c.bearerToken();
  if (!token) {
    return Error{token.error().code, "in-cluster config: " + token.error().context};
  }
  auto ca = readSmallFile(dir + "/ca.crt", "service-account CA");
  if (!ca) {
    return Error{ca.error().code, "in-cluster config: " + ca.error().context};
  }
  c.caPem = std::move(*ca);

  auto ns = readSmallFile(dir + "/namespace", "service-account namespace");
  c.defaultNamespace = ns ? *ns : "default";
  while (!c.defaultNamespace.empty() &&
         std::isspace(static_cast<unsigned char>(c.defaultNamespace.back()))) {
    c.defaultNamespace.pop_back();
  }
  return c;
}

}  // namespace weir::control::kube
