// CIDRs of values.h: parsing, printing, containment.

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "common/config/document.h"
#include "common/config/ipv4.h"
#include "common/config/values.h"

namespace weir::config {

std::optional<std::string> parseCidr(std::string_view text, Cidr& out) {
  std::string reason = "must be a CIDR or IP address such as \"10.0.0.0/8\", got " + quote(text);
  size_t slash = text.find('/');
  std::string address(text.substr(0, slash));
  Cidr cidr;
  cidr.ipv6 = address.find(':') != std::string::npos;
  int bits = cidr.ipv6 ? 128 : 32;
  if (cidr.ipv6) {
    if (inet_pton(AF_INET6, address.c_str(), cidr.address.data()) != 1) {
      return reason;
    }
  } else if (auto ip = parseIPv4(address)) {
    std::memcpy(cidr.address.data(), &*ip, 4);
  } else {
    return reason;
  }
  int prefix = bits;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || digits.size() > 3 || ec != std::errc() ||
        end != digits.data() + digits.size() || prefix < 0 || prefix > bits) {
      return reason;
    }
  }
  cidr.prefixLength = static_cast<uint8_t>(prefix);
  for (int bit = prefix; bit < bits; ++bit) {
    cidr.address[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  out = cidr;
  return std::nullopt;
}

std::string formatCidr(const Cidr& cidr) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(cidr.ipv6 ? AF_INET6 : AF_INET, cidr.address.data(), buf, sizeof(buf));
  return std::string(buf) + "/" + std::to_string(cidr.prefixLength);
}

bool cidrContains(const Cidr& outer, const Cidr& inner) {
  if (outer.ipv6 != inner.ipv6 || outer.prefixLength > inner.prefixLength) {
    return false;
  }
  for (int bit = 0; bit < outer.prefixLength; ++bit) {
    uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    if ((outer.address[bit / 8] & mask) != (inner.address[bit / 8] & mask)) {
      return false;
    }
  }
  return true;
}

}  // namespace weir::config
