// Linkerd's NetworkAuthentication. Linkerd's CRD serves policy.linkerd.io/v1alpha1 only; the
// seed writes v1beta1, which weir reads the same way so the documents users copied still load.

#include "common/config/fields.h"
#include "common/config/parse.h"

namespace weir::config {

std::optional<Parsed<NetworkAuthentication>> parseNetworkAuthentication(Document& doc) {
  Parsed<NetworkAuthentication> out;
  NetworkAuthentication& authn = out.object;
  std::optional<YAML::Node> found = readObjectAndSpec(doc, out);
  if (!found) {
    return std::nullopt;
  }
  YAML::Node spec = *found;
  YAML::Node networks = child(spec, "networks");
  if (!present(networks)) {
    doc.fail(spec, "spec.networks", "required");
  } else if (readNetworks(doc, networks, "spec.networks", authn.networks) &&
             authn.networks.empty()) {
    // Linkerd's admission webhook: "at least one network must be specified".
    doc.fail(networks, "spec.networks", "must not be empty");
  }
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
