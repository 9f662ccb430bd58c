#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace weir::proxy::metrics {

// The value of the sample `series` (name plus rendered labels, exactly as in the text) in a
// rendered exposition, or nullopt when it is absent.
inline std::optional<double> sampleValue(std::string_view text, std::string_view series) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (line.size() > series.size() && line.substr(0, series.size()) == series &&
        line[series.size()] == ' ') {
      return std::stod(std::string(line.substr(series.size() + 1)));
    }
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace weir::proxy::metrics
