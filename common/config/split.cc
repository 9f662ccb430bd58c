#include "common/config/split.h"

#include <algorithm>

namespace weir::config {

namespace {

std::string_view trimEnd(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  return line;
}

bool isMarker(std::string_view line, std::string_view marker) {
  return line.starts_with(marker) && (line.size() == marker.size() || line[marker.size()] == ' ' ||
                                      line[marker.size()] == '\t' || line[marker.size()] == '\r');
}

// Calls f(line, offset, index) for each line of `text` (without its '\n') until f returns false.
template <typename F>
void forEachLine(std::string_view text, F f) {
  int index = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.find('\n', start), text.size());
    if (!f(text.substr(start, end - start), start, index++)) {
      return;
    }
    start = end + 1;
  }
}

// The part of a line that is document content: not blank, a comment, a directive or a bare
// "---"/"..." marker ("--- {a: 1}" has content after its marker).
std::string_view contentOf(std::string_view line) {
  line = trimEnd(line);
  if (line.starts_with('%')) {
    return {};
  }
  if (isMarker(line, "---") || isMarker(line, "...")) {
    line.remove_prefix(3);
  }
  size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos || line[first] == '#') {
    return {};
  }
  return line.substr(first);
}

}  // namespace

std::vector<TextDocument> splitDocuments(std::string_view stream) {
  std::vector<TextDocument> docs;
  size_t docStart = 0;
  int docLine = 0;
  bool afterEnd = false;  // the previous line was a "..." document end marker
  forEachLine(stream, [&](std::string_view line, size_t offset, int index) {
    if (index > 0 && (isMarker(line, "---") || afterEnd)) {
      docs.push_back({stream.substr(docStart, offset - docStart), docLine});
      docStart = offset;
      docLine = index;
    }
    afterEnd = isMarker(line, "...");
    return true;
  });
  docs.push_back({stream.substr(docStart), docLine});
  return docs;
}

int firstContentLine(std::string_view doc) {
  int found = -1;
  forEachLine(doc, [&](std::string_view line, size_t, int index) {
    if (!contentOf(line).empty()) {
      found = index;
      return false;
    }
    return true;
  });
  return found;
}

bool isNullLiteral(std::string_view doc) {
  int contentLines = 0;
  bool null = false;
  forEachLine(doc, [&](std::string_view line, size_t, int) {
    std::string_view value = contentOf(line);
    if (value.empty()) {
      return true;
    }
    null = value == "~" || value == "null" || value == "Null" || value == "NULL";
    return ++contentLines == 1;
  });
  return contentLines == 1 && null;
}

}  // namespace weir::config
