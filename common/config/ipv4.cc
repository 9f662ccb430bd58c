#include "common/config/ipv4.h"

#include <arpa/inet.h>

namespace weir::config {

std::optional<uint32_t> parseIPv4(std::string_view text) {
  uint32_t host = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    size_t start = i;
    uint32_t part = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) {
      part = part * 10 + static_cast<uint32_t>(text[i] - '0');
      ++i;
    }
    size_t digits = i - start;
    if (digits == 0 || part > 255 || (digits > 1 && text[start] == '0')) {
      return std::nullopt;
    }
    host = (host << 8) | part;
    ++parts;
    if (parts < 4) {
      if (i >= text.size() || text[i] != '.') {
        return std::nullopt;
      }
      ++i;
    }
  }
  if (i != text.size()) {
    return std::nullopt;
  }
  return htonl(host);
}

std::string formatIPv4(uint32_t networkOrder) {
  uint32_t host = ntohl(networkOrder);
  return std::to_string(host >> 24) + "." + std::to_string((host >> 16) & 0xff) + "." +
         std::to_string((host >> 8) & 0xff) + "." + std::to_string(host & 0xff);
}

}  // namespace weir::config
