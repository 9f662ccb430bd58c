#pragma once

// Node-scoped authorization of Certify: a node proxy gets certificates only for the identities
// of the workloads placed on its node, so a compromised node cannot obtain other nodes'.

#include <string_view>

#include "common/base/result.h"
#include "common/config/model.h"

namespace weir::control::identity {

// OK when a meshed workload of `model` with identity `identity` is placed on `node`
// (mesh::onNode: a workload with no node annotation is on every node); else why not.
Status mayCertify(const config::Model& model, std::string_view node, std::string_view identity);

}  // namespace weir::control::identity
