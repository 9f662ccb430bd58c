#pragma once

// An HTTP/1.x message head as the parser read it: the request line or status line, the header
// fields in order, and what the parser concluded about framing and the connection. A Head is
// reused message after message, so its strings keep their capacity and a steady connection
// parses without allocating.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace weir::proxy::http1 {

struct Header {
  std::string name;
  std::string value;
};

struct Head {
  // Request line.
  std::string method;  // "GET"
  std::string target;  // "/index.html?q=1", "host:443" for CONNECT
  // Status line.
  int status = 0;
  std::string reason;
  uint8_t major = 1;
  uint8_t minor = 1;

  // Framing and connection, from the parser (RFC 9112 6, 9.3).
  bool keepAlive = false;      // the connection may carry another message after this one
  bool upgrade = false;        // a request asking to switch protocols (Upgrade or CONNECT), or
                               // a 101 response agreeing to
  bool chunked = false;
  bool contentLength = false;  // a Content-Length header framed the body
  uint64_t length = 0;         // its value
  bool untilEof = false;       // a response whose body ends when the connection does

  std::span<const Header> headers() const { return {fields_.data(), used_}; }
  // The first field named `name` (case-insensitive); empty when absent.
  std::string_view find(std::string_view name) const;
  bool has(std::string_view name) const;

  // Appends a new field, reusing an earlier message's strings.
  Header& add();
  void clear();

 private:
  std::vector<Header> fields_;
  size_t used_ = 0;
};

bool equalsIgnoreCase(std::string_view a, std::string_view b);
// True when the comma-separated list `value` holds `token` (case-insensitive, trimmed).
bool listHas(std::string_view value, std::string_view token);

// How a head is written to the next hop.
struct WriteOptions {
  // Keep Upgrade and `Connection: upgrade` (a protocol switch the proxy will tunnel).
  bool upgrade = false;
  // Ask the next hop to close after this message (`Connection: close`).
  bool close = false;
};

// Appends the head for the next hop: the request or status line in HTTP/1.1 (HTTP/1.0 stays
// 1.0), every end-to-end field as received, without the hop-by-hop ones (RFC 9110 7.6.1):
// Connection and every field it names, Keep-Alive, Proxy-Connection, TE, Upgrade (unless
// options.upgrade). Transfer-Encoding and Content-Length are kept: the body is forwarded in the
// framing it arrived in.
void writeRequestHead(const Head& head, const WriteOptions& options, std::string& out);
void writeResponseHead(const Head& head, const WriteOptions& options, std::string& out);

// A complete response of the proxy's own (a 400, a 502, ...) with a small text body.
void writeSimpleResponse(int status, std::string_view body, bool close, std::string& out);

}  // namespace weir::proxy::http1
