#pragma once

// A rejected document, object or field: where, what and why.

#include <string>

#include "common/config/model.h"

namespace weir::config {

struct Diagnostic {
  SourceRef src;
  std::string object;  // "Service/web" (Kind/name; just Kind when unnamed; empty if unknown)
  std::string field;   // "spec.ports[0].port"; empty for the whole document
  std::string reason;  // "must be between 1 and 65535, got 70000"

  // "file:line: Kind/name: field: reason"; ":line" is left out when unknown, empty parts are
  // left out with their separator.
  std::string str() const;
};

}  // namespace weir::config
