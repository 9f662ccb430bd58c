#include "common/config/diagnostic.h"

namespace weir::config {

std::string Diagnostic::str() const {
  std::string out;
  auto append = [&out](const std::string& part) {
    if (part.empty()) {
      return;
    }
    if (!out.empty()) {
      out += ": ";
    }
    out += part;
  };
  std::string where = src.file;
  if (src.line > 0) {
    where += (where.empty() ? "line " : ":") + std::to_string(src.line);
  }
  append(where);
  append(object);
  append(field);
  append(reason);
  return out;
}

}  // namespace weir::config
