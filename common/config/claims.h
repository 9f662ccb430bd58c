#pragma once

// Internal to weir_config: the cross-object rules of validate.h as keys, so a reload that changes
// a few documents can be checked against the rest without rebuilding the model. A state with no
// clash is exactly a state ModelBuilder accepts; when a change would clash, the caller falls back
// to ModelBuilder for the exact messages.

#include <string>
#include <unordered_map>
#include <vector>

#include "common/config/parsed_document.h"

namespace weir::config {

struct Claim {
  std::string key;         // counted in the index
  bool exclusive = true;   // no other claim of `key` may exist
  std::string excludes;    // a key that must have no claim ("" = none)
};

// The claims of one parsed object, each key once (an object never clashes with itself).
std::vector<Claim> claimsOf(const ParsedObject& object);

class ClaimIndex {
 public:
  // Adds every claim, or none when one would clash (with the index or with an earlier claim of
  // the same call): then returns false and the index is unchanged.
  bool add(const std::vector<Claim>& claims);
  void remove(const std::vector<Claim>& claims);
  void clear() { counts_.clear(); }

 private:
  bool fits(const Claim& claim) const;
  std::unordered_map<std::string, int> counts_;
};

}  // namespace weir::config
