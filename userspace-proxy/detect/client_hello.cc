#include "userspace-proxy/detect/client_hello.h"

#include <cstddef>
#include <optional>

namespace weir::proxy::detect {

namespace {

constexpr uint8_t kClientHello = 1;
constexpr uint16_t kServerNameExtension = 0;
constexpr uint8_t kHostNameType = 0;
constexpr size_t kRandomBytes = 32;
constexpr size_t kMaxSessionIdBytes = 32;
constexpr size_t kMaxHostNameBytes = 255;

// Big-endian reads from a span that fail, rather than read past the end, when bytes are missing.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }

  std::optional<uint32_t> uint(size_t width) {
    if (remaining() < width) {
      return std::nullopt;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < width; ++i) {
      v = (v << 8) | data_[pos_ + i];
    }
    pos_ += width;
    return v;
  }

  std::optional<std::span<const uint8_t>> bytes(size_t n) {
    if (remaining() < n) {
      return std::nullopt;
    }
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  // A vector with a `width`-byte length prefix (RFC 8446 3.4).
  std::optional<std::span<const uint8_t>> vector(size_t width) {
    auto n = uint(width);
    if (!n) {
      return std::nullopt;
    }
    return bytes(*n);
  }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// A DNS name as RFC 6066 allows it in HostName: letters, digits, '-', '_' and dots between
// non-empty labels, no trailing dot. Returns it lowercased, or nullopt.
std::optional<std::string> hostName(std::span<const uint8_t> name) {
  if (name.empty() || name.size() > kMaxHostNameBytes) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(name.size());
  bool labelStart = true;
  for (uint8_t b : name) {
    char c = static_cast<char>(b);
    if (c == '.') {
      if (labelStart) {
        return std::nullopt;
      }
      labelStart = true;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      labelStart = false;
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
      labelStart = false;
    } else {
      return std::nullopt;
    }
    out.push_back(c);
  }
  if (labelStart) {
    return std::nullopt;
  }
  return out;
}

// The server_name extension's data: a non-empty ServerNameList with at most one host_name.
std::optional<std::string> parseServerName(std::span<const uint8_t> data) {
  Reader r(data);
  auto list = r.vector(2);
  if (!list || list->empty() || r.remaining() != 0) {
    return std::nullopt;
  }
  Reader names(*list);
  std::optional<std::string> found;
  while (names.remaining() > 0) {
    auto type = names.uint(1);
    auto name = names.vector(2);
    if (!type || !name) {
      return std::nullopt;
    }
    if (*type != kHostNameType) {
      continue;
    }
    if (found) {
      return std::nullopt;  // RFC 6066: at most one name of each type
    }
    found = hostName(*name);
    if (!found) {
      return std::nullopt;
    }
  }
  return found;
}

}  // namespace

std::string serverNameOf(std::span<const uint8_t> handshake) {
  Reader header(handshake);
  auto type = header.uint(1);
  auto length = header.uint(3);
  if (!type || !length || *type != kClientHello) {
    return {};
  }
  bool truncated = *length > header.remaining();
  Reader r(handshake.subspan(4, truncated ? header.remaining() : *length));

  // legacy_version, random, legacy_session_id, cipher_suites, legacy_compression_methods.
  auto version = r.uint(2);
  auto random = r.bytes(kRandomBytes);
  auto sessionId = r.vector(1);
  auto cipherSuites = r.vector(2);
  auto compression = r.vector(1);
  if (!version || !random || !sessionId || sessionId->size() > kMaxSessionIdBytes ||
      !cipherSuites || cipherSuites->empty() || cipherSuites->size() % 2 != 0 || !compression ||
      compression->empty()) {
    return {};
  }
  if (r.remaining() == 0) {
    return {};  // no extensions (a TLS 1.2 ClientHello may omit them), or cut short here
  }

  // The extensions block: in a complete message it fills the rest exactly; in a truncated one
  // only the extensions that arrived whole are read.
  auto blockLength = r.uint(2);
  if (!blockLength) {
    return {};
  }
  if (!truncated && *blockLength != r.remaining()) {
    return {};
  }
  bool blockTruncated = *blockLength > r.remaining();
  Reader extensions(*r.bytes(blockTruncated ? r.remaining() : *blockLength));

  std::optional<std::string> sni;
  bool seenServerName = false;
  while (extensions.remaining() > 0) {
    auto extType = extensions.uint(2);
    auto data = extensions.vector(2);
    if (!extType || !data) {
      if (blockTruncated) {
        break;  // the rest did not arrive
      }
      return {};
    }
    if (*extType != kServerNameExtension) {
      continue;
    }
    if (seenServerName) {
      return {};  // RFC 8446 4.2: an extension type appears at most once
    }
    seenServerName = true;
    sni = parseServerName(*data);
    if (!sni) {
      return {};
    }
  }
  return sni.value_or(std::string());
}

}  // namespace weir::proxy::detect
