#include "control/identity/authorize.h"

#include "common/mesh/node_plan.h"

namespace weir::control::identity {

Status mayCertify(const config::Model& model, std::string_view node, std::string_view identity) {
  bool elsewhere = false;
  const std::string nodeName(node);
  for (const config::ExternalWorkload& w : model.workloads) {
    if (!w.meshed || w.identity != identity) {
      continue;
    }
    if (mesh::onNode(w.node, nodeName)) {
      return {};
    }
    elsewhere = true;
  }
  return plainError(elsewhere ? "no workload with this identity on the node"
                              : "no workload has this identity");
}

}  // namespace weir::control::identity
