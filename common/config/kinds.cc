#include "common/config/kinds.h"

namespace weir::config {

namespace {

using enum KindHandling;

constexpr KnownKind kKinds[] = {
    // Modelled.
    {"", "Service", kService, "v1"},
    {"workload.linkerd.io", "ExternalWorkload", kExternalWorkload, "v1beta1"},
    // Mesh configuration not modelled yet.
    {"linkerd.io", "ServiceProfile", kSkip, ""},
    {"split.smi-spec.io", "TrafficSplit", kSkip, ""},
    {"policy.linkerd.io", "Server", kSkip, ""},
    {"policy.linkerd.io", "ServerAuthorization", kSkip, ""},
    {"policy.linkerd.io", "AuthorizationPolicy", kSkip, ""},
    {"policy.linkerd.io", "MeshTLSAuthentication", kSkip, ""},
    {"policy.linkerd.io", "NetworkAuthentication", kSkip, ""},
    {"policy.linkerd.io", "HTTPRoute", kSkip, ""},
    {"gateway.networking.k8s.io", "HTTPRoute", kSkip, ""},
    {"", "Namespace", kSkip, ""},
    {"", "ServiceAccount", kSkip, ""},
    {"", "Endpoints", kSkip, ""},
    {"", "Pod", kSkip, ""},
    // Neighbours that live in the same directories and mean nothing to weir.
    {"apps", "Deployment", kSkip, ""},
    {"apps", "StatefulSet", kSkip, ""},
    {"apps", "DaemonSet", kSkip, ""},
    {"", "ConfigMap", kSkip, ""},
    {"", "Secret", kSkip, ""},
    {"monitoring.coreos.com", "ServiceMonitor", kSkip, ""},
    {"monitoring.coreos.com", "PrometheusRule", kSkip, ""},
    {"source.toolkit.fluxcd.io", "HelmRepository", kSkip, ""},
    {"helm.toolkit.fluxcd.io", "HelmRelease", kSkip, ""},
    {"flagger.app", "Canary", kSkip, ""},
};

std::string_view groupOf(std::string_view apiVersion) {
  size_t slash = apiVersion.find('/');
  return slash == std::string_view::npos ? std::string_view() : apiVersion.substr(0, slash);
}

}  // namespace

std::string_view versionOf(std::string_view apiVersion) {
  size_t slash = apiVersion.find('/');
  return slash == std::string_view::npos ? apiVersion : apiVersion.substr(slash + 1);
}

const KnownKind* findKind(std::string_view apiVersion, std::string_view kind) {
  std::string_view group = groupOf(apiVersion);
  for (const KnownKind& known : kKinds) {
    if (known.group == group && known.kind == kind) {
      return &known;
    }
  }
  return nullptr;
}

}  // namespace weir::config
