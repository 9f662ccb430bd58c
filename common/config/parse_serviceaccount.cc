// Core ServiceAccount (v1): the name workloads' identities are built from.

#include "common/config/parse.h"

namespace weir::config {

std::optional<Parsed<ServiceAccount>> parseServiceAccount(Document& doc) {
  Parsed<ServiceAccount> out;
  Metadata meta;
  readMetadata(doc, meta, NameRule::kDnsSubdomain);
  out.object.ns = meta.ns;
  out.object.name = meta.name;
  out.object.src = doc.src();
  out.nameAt = meta.nameAt;
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
