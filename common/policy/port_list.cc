#include "common/policy/port_list.h"

#include <charconv>
#include <string_view>

namespace weir::policy {

namespace {

// A whole item of digits naming a port 1..65535; "80/tcp", "0x50" or "" are not ports.
bool parsePort(std::string_view text, unsigned* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= 1 && *out <= 65535;
}

}  // namespace

bool portInList(const std::string& list, uint16_t port) {
  std::string_view rest(list);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    size_t dash = item.find('-');
    std::string_view a = item.substr(0, dash);
    std::string_view b = dash == std::string_view::npos ? a : item.substr(dash + 1);
    unsigned lo = 0;
    unsigned hi = 0;
    if (parsePort(a, &lo) && parsePort(b, &hi) && lo <= hi && port >= lo && port <= hi) {
      return true;
    }
  }
  return false;
}

}  // namespace weir::policy
