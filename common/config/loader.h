#pragma once

// Turns Kubernetes-shaped YAML (or JSON) documents into weir's Model.
//
// Read: core Service, Namespace and ServiceAccount (v1); Linkerd's ExternalWorkload
// (workload.linkerd.io/v1beta1), ServiceProfile (linkerd.io/v1alpha2), Server (v1beta1..v1beta3),
// ServerAuthorization (v1beta1), AuthorizationPolicy, MeshTLSAuthentication (v1alpha1),
// NetworkAuthentication (v1alpha1, v1beta1) and HTTPRoute (v1beta1..v1beta3) of
// policy.linkerd.io; SMI's TrafficSplit (split.smi-spec.io v1alpha1..v1alpha4); the Gateway
// API's HTTPRoute (gateway.networking.k8s.io v1beta1, v1). kinds.cc has the list.
// Skipped, listed in LoadResult::skipped and logged at debug: Endpoints and Pod (only the
// Kubernetes source reads pods, through objects.h), and common neighbours in the same
// directories (Deployment, ConfigMap, Secret, ServiceMonitor, Flux, Flagger, Prometheus rules).
// Any other kind, or another version of a kind read, is an error.
//
// Contract: a load either succeeds whole (ok()) or is rejected. When ok() is false the caller
// must keep its last good Model in force and report `errors`; `model` then holds only the objects
// that were valid and did not clash with an earlier one, and must not be applied. Nothing here
// throws: YAML and I/O errors come back as Diagnostics.

#include <string>
#include <string_view>
#include <vector>

#include "common/config/diagnostic.h"
#include "common/config/model.h"

namespace weir::config {

struct LoadResult {
  Model model;
  std::vector<Diagnostic> errors;    // in file order, then document order
  std::vector<std::string> skipped;  // "file:line: Kind/name: not used by weir"
  bool ok() const { return errors.empty(); }
};

// Parses a multi-document ("---") YAML text; `file` names it in diagnostics. Cross-object
// checks (duplicate names, clusterIP:port, workload IPs) run over the documents of this text.
LoadResult parseText(std::string_view yaml, const std::string& file);

// Loads a file, or every *.yaml, *.yml and *.json file directly in a directory (not recursive;
// hidden files and editor leftovers such as ".x.swp" and "x.yaml~" are ignored) in byte-wise
// sorted name order, then runs the cross-object checks over all of them.
LoadResult loadPath(const std::string& path);

}  // namespace weir::config
