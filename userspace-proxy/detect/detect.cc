#include "userspace-proxy/detect/detect.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "userspace-proxy/detect/client_hello.h"

namespace weir::proxy::detect {

namespace {

constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// RFC 9110 9.1: methods are tokens; every registered one is uppercase letters and '-'
// (M-SEARCH, VERSION-CONTROL). Anything longer than this is not a method.
constexpr size_t kMaxMethodBytes = 24;

constexpr uint8_t kTlsHandshake = 0x16;
constexpr uint8_t kTlsMajor = 3;
constexpr uint8_t kTlsMaxMinor = 4;  // SSL 3.0 (0x0300) to TLS 1.3's record version range
constexpr uint8_t kClientHello = 1;
constexpr size_t kTlsHeaderBytes = 5;
constexpr size_t kHandshakeHeaderBytes = 4;
constexpr size_t kMaxTlsFragmentBytes = kMaxTlsRecordBytes - kTlsHeaderBytes;

bool isMethodChar(uint8_t b) { return (b >= 'A' && b <= 'Z') || b == '-'; }

// request-target (RFC 9112 3.2): visible ASCII only.
bool isTargetChar(uint8_t b) { return b > 0x20 && b < 0x7f; }

// `METHOD SP request-target SP HTTP/1.0|1.1 CRLF`, decided at the first byte that cannot belong
// to such a line, at its CRLF, or when the line would exceed kMaxRequestLineBytes.
Protocol detectHttp1(std::span<const uint8_t> bytes) {
  size_t n = std::min(bytes.size(), kMaxRequestLineBytes);
  auto more = [n] { return n == kMaxRequestLineBytes ? Protocol::kOpaque : Protocol::kNeedMore; };
  size_t i = 0;
  while (i < n && isMethodChar(bytes[i])) {
    if (++i > kMaxMethodBytes) {
      return Protocol::kOpaque;
    }
  }
  if (i == n) {
    return more();
  }
  if (i == 0 || bytes[i] != ' ') {
    return Protocol::kOpaque;
  }
  size_t targetStart = ++i;
  while (i < n && isTargetChar(bytes[i])) {
    ++i;
  }
  if (i == n) {
    return more();
  }
  if (i == targetStart || bytes[i] != ' ') {
    return Protocol::kOpaque;
  }
  ++i;
  for (std::string_view rest : {"HTTP/1.", "01", "\r", "\n"}) {
    if (i == n) {
      return more();
    }
    // "01" is the one position with a choice (the minor version); the others are literal.
    bool ok = rest.size() == 2 ? (bytes[i] == '0' || bytes[i] == '1') : false;
    if (rest.size() != 2) {
      size_t k = 0;
      while (k < rest.size() && i < n && bytes[i] == static_cast<uint8_t>(rest[k])) {
        ++i;
        ++k;
      }
      if (k < rest.size()) {
        return i == n ? more() : Protocol::kOpaque;
      }
      continue;
    }
    if (!ok) {
      return Protocol::kOpaque;
    }
    ++i;
  }
  return Protocol::kHttp1;
}

// A TLS record header (handshake, version 3.0-3.4, a plausible length) whose first handshake
// message is a ClientHello. The whole record is waited for, then the SNI read from it.
Detection detectTls(std::span<const uint8_t> bytes, bool final) {
  Detection d;
  auto at = [&](size_t i) { return bytes.size() > i ? std::optional<uint8_t>(bytes[i]) : std::nullopt; };
  if (at(1) && *at(1) != kTlsMajor) {
    d.protocol = Protocol::kOpaque;
    return d;
  }
  if (at(2) && *at(2) > kTlsMaxMinor) {
    d.protocol = Protocol::kOpaque;
    return d;
  }
  size_t length = 0;
  if (at(4)) {
    length = (size_t{*at(3)} << 8) | *at(4);
    if (length < kHandshakeHeaderBytes || length > kMaxTlsFragmentBytes) {
      d.protocol = Protocol::kOpaque;
      return d;
    }
  }
  if (at(5) && *at(5) != kClientHello) {
    d.protocol = Protocol::kOpaque;
    return d;
  }
  if (bytes.size() <= kTlsHeaderBytes) {
    d.protocol = final ? Protocol::kOpaque : Protocol::kNeedMore;
    return d;
  }
  size_t available = std::min(bytes.size() - kTlsHeaderBytes, length);
  if (available < length && !final) {
    return d;  // kNeedMore
  }
  d.protocol = Protocol::kTls;
  d.sni = serverNameOf(bytes.subspan(kTlsHeaderBytes, available));
  return d;
}

}  // namespace

ServerFirst serverFirst(std::span<const uint8_t> bytes) {
  // Frame header (RFC 9113 4.1): length (24 bits; a SETTINGS payload is a few entries of six
  // bytes, so the top byte is 0), type 0x4, flags 0 (not an ACK), stream 0.
  constexpr uint8_t kSettings = 0x4;
  constexpr size_t kFrameHeaderBytes = 9;
  for (size_t i = 0; i < bytes.size() && i < kFrameHeaderBytes; ++i) {
    bool ok = i == 1 || i == 2 || (i == 3 ? bytes[i] == kSettings : bytes[i] == 0);
    if (!ok) {
      return ServerFirst::kOpaque;
    }
  }
  if (bytes.size() < kFrameHeaderBytes) {
    return ServerFirst::kNeedMore;
  }
  size_t length = (size_t{bytes[1]} << 8) | bytes[2];
  return length % 6 == 0 ? ServerFirst::kHttp2 : ServerFirst::kOpaque;
}

Detection detect(std::span<const uint8_t> bytes, bool final) {
  Detection d;
  if (bytes.empty()) {
    d.protocol = final ? Protocol::kOpaque : Protocol::kNeedMore;
    return d;
  }
  if (bytes[0] == kTlsHandshake) {
    return detectTls(bytes, final);
  }

  size_t common = 0;
  while (common < bytes.size() && common < kHttp2Preface.size() &&
         bytes[common] == static_cast<uint8_t>(kHttp2Preface[common])) {
    ++common;
  }
  if (common == kHttp2Preface.size()) {
    d.protocol = Protocol::kHttp2;
  } else if (common == bytes.size()) {
    d.protocol = Protocol::kNeedMore;  // a prefix of the preface (and of a "PRI" request line)
  } else {
    d.protocol = detectHttp1(bytes);
  }
  if (final && d.protocol == Protocol::kNeedMore) {
    d.protocol = Protocol::kOpaque;
  }
  return d;
}

}  // namespace weir::proxy::detect
