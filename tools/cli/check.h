#pragma once

// A `weir check` run: a table of checks, their outcomes, and the report linkerd users know
// (`√ description` / `× description` grouped under category headers, or `-o json`).

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/result.h"

namespace weir::cli {

struct Check {
  std::string category;     // "kernel"
  std::string description;  // "kernel is 5.15 or later"
  std::string hint;         // what to do when it fails, printed as "see: <hint>"
  // Success carries an optional detail shown after the description ("6.18.44"); an error carries
  // what went wrong.
  std::function<Result<std::string>()> run;
};

struct CheckOutcome {
  std::string category;
  std::string description;
  std::string hint;
  bool ok = false;
  std::string detail;  // on success
  std::string error;   // on failure
};

// Runs every check in table order.
std::vector<CheckOutcome> runChecks(const std::vector<Check>& checks);

// Category header, dashes, then one line per check; a failure adds its error and hint indented;
// last "Status check: N/M passed".
void renderText(const std::vector<CheckOutcome>& outcomes, std::ostream& out);

// linkerd check -o json's shape, keys in its order: {"success", "categories": [{"categoryName",
// "checks": [{"description", "hint", "error", "result": "success"|"error"}]}]}; hint and error
// only on failure.
nlohmann::ordered_json renderJson(const std::vector<CheckOutcome>& outcomes);

// 0 when every check passed, 1 otherwise.
int exitCode(const std::vector<CheckOutcome>& outcomes);

}  // namespace weir::cli
