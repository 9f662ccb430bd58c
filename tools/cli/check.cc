#include "tools/cli/check.h"

#include <algorithm>

namespace weir::cli {

namespace {

constexpr const char* kPass = "\u221a";  // √, as linkerd check prints
constexpr const char* kFail = "\u00d7";  // ×

// Outcomes grouped by category, categories in order of first appearance.
std::vector<std::pair<std::string, std::vector<const CheckOutcome*>>> byCategory(
    const std::vector<CheckOutcome>& outcomes) {
  std::vector<std::pair<std::string, std::vector<const CheckOutcome*>>> groups;
  for (const CheckOutcome& o : outcomes) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == o.category; });
    if (it == groups.end()) {
      groups.emplace_back(o.category, std::vector<const CheckOutcome*>{});
      it = std::prev(groups.end());
    }
    it->second.push_back(&o);
  }
  return groups;
}

}  // namespace

std::vector<CheckOutcome> runChecks(const std::vector<Check>& checks) {
  std::vector<CheckOutcome> outcomes;
  outcomes.reserve(checks.size());
  for (const Check& c : checks) {
    CheckOutcome o{.category = c.category, .description = c.description, .hint = c.hint};
    Result<std::string> r = c.run();
    o.ok = r.ok();
    if (r) {
      o.detail = std::move(*r);
    } else {
      o.error = r.error().str();
    }
    outcomes.push_back(std::move(o));
  }
  return outcomes;
}

void renderText(const std::vector<CheckOutcome>& outcomes, std::ostream& out) {
  for (const auto& [category, checks] : byCategory(outcomes)) {
    out << category << '\n' << std::string(category.size(), '-') << '\n';
    for (const CheckOutcome* o : checks) {
      out << (o->ok ? kPass : kFail) << ' ' << o->description;
      if (o->ok && !o->detail.empty()) {
        out << " (" << o->detail << ')';
      }
      out << '\n';
      if (!o->ok) {
        out << "    " << o->error << '\n';
        if (!o->hint.empty()) {
          out << "    see: " << o->hint << '\n';
        }
      }
    }
    out << '\n';
  }
  auto passed = std::count_if(outcomes.begin(), outcomes.end(), [](auto& o) { return o.ok; });
  out << "Status check: " << passed << '/' << outcomes.size() << " passed\n";
}

nlohmann::ordered_json renderJson(const std::vector<CheckOutcome>& outcomes) {
  nlohmann::ordered_json categories = nlohmann::ordered_json::array();
  for (const auto& [category, checks] : byCategory(outcomes)) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const CheckOutcome* o : checks) {
      nlohmann::ordered_json c{{"description", o->description}};
      if (!o->ok) {
        c["hint"] = o->hint;
        c["error"] = o->error;
      }
      c["result"] = o->ok ? "success" : "error";
      list.push_back(std::move(c));
    }
    categories.push_back({{"categoryName", category}, {"checks", std::move(list)}});
  }
  return {{"success", exitCode(outcomes) == 0}, {"categories", std::move(categories)}};
}

int exitCode(const std::vector<CheckOutcome>& outcomes) {
  bool allOk = std::all_of(outcomes.begin(), outcomes.end(), [](auto& o) { return o.ok; });
  return allOk ? 0 : 1;
}

}  // namespace weir::cli
