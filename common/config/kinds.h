#pragma once

// Internal to weir_config: which (apiVersion, kind) pairs weir reads, skips or rejects.

#include <string>
#include <string_view>

namespace weir::config {

enum class KindHandling {
  kService,
  kExternalWorkload,
  kNamespace,
  kServiceAccount,
  kServiceProfile,
  kTrafficSplit,
  kHttpRoute,
  kServer,
  kServerAuthorization,
  kAuthorizationPolicy,
  kMeshTLSAuthentication,
  kNetworkAuthentication,
  kPod,  // read only when the caller asks for pods (ObjectOptions), otherwise skipped
  kSkip,
};

struct KnownKind {
  std::string_view group;  // "" for the core group (apiVersion "v1")
  std::string_view kind;
  KindHandling handling;
  std::string_view versions;  // the versions weir reads, space-separated; "" = any (skipped)
};

// The entry for apiVersion's group and kind, or nullptr when weir does not know the kind.
const KnownKind* findKind(std::string_view apiVersion, std::string_view kind);

// Whether weir reads `known` in the version of `apiVersion`.
bool readsVersion(const KnownKind& known, std::string_view apiVersion);

// The apiVersions weir reads `known` in: "\"v1\"", or "one of \"a/v1\", \"a/v2\"".
std::string expectedApiVersions(const KnownKind& known);

// "v1" -> "v1"; "workload.linkerd.io/v1beta1" -> "v1beta1".
std::string_view versionOf(std::string_view apiVersion);
// "v1" -> ""; "workload.linkerd.io/v1beta1" -> "workload.linkerd.io".
std::string_view groupOf(std::string_view apiVersion);

}  // namespace weir::config
