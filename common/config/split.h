#pragma once

// Internal to weir_config: a YAML stream cut into its documents before yaml-cpp sees it.
//
// yaml-cpp 0.7's LoadAll can loop forever, allocating, on some malformed input (",\"a" is
// enough; upstream jbeder/yaml-cpp#1319). Loading one document at a time with YAML::Load is
// bounded, and a malformed document then costs only itself.

#include <string_view>
#include <vector>

namespace weir::config {

struct TextDocument {
  std::string_view text;
  int firstLine = 0;  // 0-based line of text[0] in the whole stream
};

// Splits before every line that is a "---" marker (alone or followed by a space or tab) and after
// every "..." marker: YAML forbids such lines inside any scalar, so these are the places where a
// YAML parser splits too.
std::vector<TextDocument> splitDocuments(std::string_view stream);

// The 0-based line (within `doc`) of its first line that is neither blank, a comment, a
// directive nor a "---"/"..." marker; -1 when there is none.
int firstContentLine(std::string_view doc);

// Whether the content of `doc` is just a null literal ("~", "null"): an empty document.
bool isNullLiteral(std::string_view doc);

}  // namespace weir::config
