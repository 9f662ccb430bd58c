#include "common/config/model.h"

#include <algorithm>

namespace weir::config {

bool selects(const std::map<std::string, std::string>& selector,
             const std::map<std::string, std::string>& labels) {
  if (selector.empty()) {
    return false;
  }
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) {
      return false;
    }
  }
  return true;
}

bool matches(const LabelSelector& selector, const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector.matchLabels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) {
      return false;
    }
  }
  for (const LabelRequirement& req : selector.matchExpressions) {
    auto it = labels.find(req.key);
    bool in = it != labels.end() &&
              std::find(req.values.begin(), req.values.end(), it->second) != req.values.end();
    bool holds = req.op == "In"       ? in
                 : req.op == "NotIn"  ? !in
                 : req.op == "Exists" ? it != labels.end()
                                      : it == labels.end();  // DoesNotExist
    if (!holds) {
      return false;
    }
  }
  return true;
}

}  // namespace weir::config
