#pragma once

// Protocol detection on the first bytes a client sends on an intercepted connection: HTTP/2 with
// prior knowledge, HTTP/1.x, TLS (with the ClientHello's SNI) or anything else, which the proxy
// forwards as opaque TCP. Pure: the caller owns the buffer, the reads and the detection timeout.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace weir::proxy::detect {

enum class Protocol {
  kNeedMore,  // the bytes so far are a prefix of more than one answer: read more
  kHttp1,     // a complete HTTP/1.0 or HTTP/1.1 request line
  kHttp2,     // the 24-byte HTTP/2 client connection preface (RFC 9113 3.4)
  kTls,       // a TLS handshake record holding a ClientHello
  kOpaque,    // anything else
};

struct Detection {
  Protocol protocol = Protocol::kNeedMore;
  // kTls only: the ClientHello's server_name (host_name type), lowercased. Empty when the
  // extension is absent or anything in the ClientHello is malformed.
  std::string sni;
};

// An HTTP/1 request line (method, target, version, CRLF) longer than this is not waited for.
inline constexpr size_t kMaxRequestLineBytes = size_t{8} * 1024;
// A TLS record header plus the largest plaintext fragment (RFC 8446 5.1): the whole first record
// is waited for so that the SNI can be read.
inline constexpr size_t kMaxTlsRecordBytes = 5 + size_t{16} * 1024;
// With this many bytes a decision is always made (detect never returns kNeedMore).
inline constexpr size_t kMaxDetectBytes = kMaxTlsRecordBytes;
static_assert(kMaxDetectBytes >= kMaxRequestLineBytes);

// Classifies `bytes`, everything the client has sent so far. `final`: no more bytes will come
// (EOF or the detection timeout); kNeedMore is never returned then, and a TLS record cut short
// still counts as TLS when its header and handshake type were right. A decision, once made, does
// not change when more bytes are appended.
Detection detect(std::span<const uint8_t> bytes, bool final);

// What the server said before the client: an HTTP/2 server's connection preface (a SETTINGS
// frame on stream 0, which HTTP/2 servers send at once) is no server-speaks-first protocol.
enum class ServerFirst {
  kNeedMore,  // a prefix of a SETTINGS frame header: wait for the rest of it
  kHttp2,     // an HTTP/2 SETTINGS frame header: wait for the client's bytes
  kOpaque,    // anything else: a server-speaks-first protocol
};
ServerFirst serverFirst(std::span<const uint8_t> bytes);

}  // namespace weir::proxy::detect
