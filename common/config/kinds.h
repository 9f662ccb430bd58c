#pragma once

// Internal to weir_config: which (apiVersion, kind) pairs weir reads, skips or rejects.

#include <string_view>

namespace weir::config {

enum class KindHandling { kService, kExternalWorkload, kSkip };

struct KnownKind {
  std::string_view group;  // "" for the core group (apiVersion "v1")
  std::string_view kind;
  KindHandling handling;
  std::string_view version;  // the one version weir reads; "" = any (skipped kinds)
};

// The entry for apiVersion's group and kind, or nullptr when weir does not know the kind.
const KnownKind* findKind(std::string_view apiVersion, std::string_view kind);

// "v1" -> "v1"; "workload.linkerd.io/v1beta1" -> "v1beta1".
std::string_view versionOf(std::string_view apiVersion);

}  // namespace weir::config
