#pragma once

// Objects an API server hands over one at a time (the Kubernetes source) rather than in files:
// each is parsed on its own when it changes (parseObject), and a model is built from the current
// set on demand (buildModel). Parsing is the expensive part (YAML), so a source that keeps the
// parsed objects pays for one changed object, not for all of them, on each build.
//
// The per-kind parsers and the cross-object checks are loadPath's. What differs is naming: an
// object has no file:line, so each diagnostic names the source its caller gives the object, and
// reads "kubernetes:Pod/emojivoto/web-1: Pod/web-1: status.podIPs[0].ip: <reason>".

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/loader.h"

namespace weir::config {

struct ParsedDocument;  // internal to weir_config: one object, checked on its own

struct ObjectOptions {
  // Read core v1 Pods as workloads (parse_pod.cc). Only the Kubernetes source sees pods; in
  // files a Pod says nothing weir uses and is skipped.
  bool pods = false;
};

using ObjectPtr = std::shared_ptr<const ParsedDocument>;

// One object: the text of one JSON or YAML document. Never null: what is wrong with the object is
// kept with it and reported by buildModel. Safe to call from several threads.
ObjectPtr parseObject(const std::string& source, std::string_view text,
                      const ObjectOptions& options);

// The model of `objects`, taken in this order (of two objects that clash, the later one is the
// error). Pods are meshed here, as only here their Namespace is known: a pod is meshed when its
// own linkerd.io/inject, or else its Namespace's, is "enabled" or "ingress". Contract as
// parseText's: ok(), or rejected whole.
LoadResult buildModel(const std::vector<ObjectPtr>& objects);

}  // namespace weir::config
