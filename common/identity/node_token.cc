#include "common/identity/node_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>

#include "common/identity/pem.h"
#include "common/base/read_file.h"

namespace weir::identity {

namespace {

constexpr size_t kMacHexChars = size_t{2} * 32;  // SHA-256, as hex

std::string macHex(std::string_view key, std::string_view node) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (key.size() > static_cast<size_t>(INT_MAX) ||
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(node.data()), node.size(), mac,
           &len) == nullptr) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size_t{2} * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string_view trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

std::string issueNodeToken(std::string_view key, std::string_view node) {
  return std::string(node) + "." + macHex(key, node);
}

Result<std::string> verifyNodeToken(std::string_view key, std::string_view token) {
  if (key.empty()) {
    return plainError("node token: no key configured");
  }
  token = trimmed(token);
  size_t dot = token.rfind('.');
  if (dot == std::string_view::npos || dot == 0) {
    return plainError("node token: not <node>.<mac>");
  }
  std::string_view node = token.substr(0, dot);
  std::string_view mac = token.substr(dot + 1);
  std::string expected = macHex(key, node);
  if (mac.size() != kMacHexChars || expected.size() != kMacHexChars ||
      CRYPTO_memcmp(mac.data(), expected.data(), kMacHexChars) != 0) {
    return plainError("node token: MAC does not verify");
  }
  return std::string(node);
}

Result<std::string> readNodeTokenKey(const std::string& path) {
  auto text = readSmallFile(path, "node token key");
  if (!text) {
    return text.error();
  }
  std::string key(trimmed(*text));
  if (key.size() < kMinNodeTokenKey) {
    return plainError("node token key " + path + ": shorter than " +
                      std::to_string(kMinNodeTokenKey) + " characters");
  }
  return key;
}

}  // namespace weir::identity
