#include "common/config/kinds.h"

namespace weir::config {

namespace {

using enum KindHandling;

constexpr KnownKind kKinds[] = {
    // Modelled.
    {"", "Service", kService, "v1"},
    {"workload.linkerd.io", "ExternalWorkload", kExternalWorkload, "v1beta1"},
    {"", "Namespace", kNamespace, "v1"},
    {"", "ServiceAccount", kServiceAccount, "v1"},
    {"linkerd.io", "ServiceProfile", kServiceProfile, "v1alpha2"},
    {"split.smi-spec.io", "TrafficSplit", kTrafficSplit, "v1alpha1 v1alpha2 v1alpha3 v1alpha4"},
    {"policy.linkerd.io", "HTTPRoute", kHttpRoute, "v1beta1 v1beta2 v1beta3"},
    {"gateway.networking.k8s.io", "HTTPRoute", kHttpRoute, "v1beta1 v1"},
    {"policy.linkerd.io", "Server", kServer, "v1beta1 v1beta2 v1beta3"},
    {"policy.linkerd.io", "ServerAuthorization", kServerAuthorization, "v1beta1"},
    {"policy.linkerd.io", "AuthorizationPolicy", kAuthorizationPolicy, "v1alpha1"},
    {"policy.linkerd.io", "MeshTLSAuthentication", kMeshTLSAuthentication, "v1alpha1"},
    // Linkerd's CRD serves v1alpha1 only; the seed's documents are written as v1beta1.
    {"policy.linkerd.io", "NetworkAuthentication", kNetworkAuthentication, "v1alpha1 v1beta1"},
    // Core kinds only the Kubernetes source reads; in files they say nothing weir uses. Any
    // version is skipped, as before pods were read at all.
    {"", "Endpoints", kSkip, ""},
    {"", "Pod", kPod, ""},
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

// Calls f(version) for each of the space-separated `versions`.
template <typename F>
void forEachVersion(std::string_view versions, F f) {
  while (!versions.empty()) {
    size_t space = versions.find(' ');
    f(versions.substr(0, space));
    versions = space == std::string_view::npos ? std::string_view() : versions.substr(space + 1);
  }
}

}  // namespace

std::string_view versionOf(std::string_view apiVersion) {
  size_t slash = apiVersion.find('/');
  return slash == std::string_view::npos ? apiVersion : apiVersion.substr(slash + 1);
}

std::string_view groupOf(std::string_view apiVersion) {
  size_t slash = apiVersion.find('/');
  return slash == std::string_view::npos ? std::string_view() : apiVersion.substr(0, slash);
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

bool readsVersion(const KnownKind& known, std::string_view apiVersion) {
  bool found = known.versions.empty();
  forEachVersion(known.versions,
                 [&](std::string_view v) { found = found || v == versionOf(apiVersion); });
  return found;
}

std::string expectedApiVersions(const KnownKind& known) {
  std::string list;
  int count = 0;
  forEachVersion(known.versions, [&](std::string_view v) {
    list += (count++ == 0 ? "\"" : ", \"");
    if (!known.group.empty()) {
      list += std::string(known.group) + "/";
    }
    list += std::string(v) + "\"";
  });
  return count > 1 ? "one of " + list : list;
}

}  // namespace weir::config
