#pragma once

#include <vector>

#include "common/config/model.h"

namespace weir::config {

// What a patched reload changed in the objects the mesh is planned from, each as it was before
// and as it is after (a changed object appears twice). Unknown (complete = false) after a
// rebuild: then anything may have changed.
struct MeshDelta {
  bool complete = false;
  std::vector<Service> services;
  std::vector<ExternalWorkload> workloads;
};

}  // namespace weir::config
