// Core Namespace (v1): its Linkerd annotations are the defaults of the workloads in it.

#include <utility>

#include "common/config/parse.h"

namespace weir::config {

std::optional<Parsed<Namespace>> parseNamespace(Document& doc) {
  Parsed<Namespace> out;
  Metadata meta;
  readMetadata(doc, meta, NameRule::kDnsLabel);
  readMeshAnnotations(doc, meta, AnnotationScope::kNamespace, out.object.mesh);
  out.object.name = meta.name;
  out.object.labels = std::move(meta.labels);
  out.object.annotations = std::move(meta.annotations);
  out.object.src = doc.src();
  out.nameAt = meta.nameAt;
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
