#include "userspace-proxy/http1/head.h"

#include <charconv>

#include "common/http/status.h"

namespace weir::proxy::http1 {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Fields that describe this hop only, never forwarded (RFC 9110 7.6.1, and the non-standard
// Proxy-Connection clients still send).
bool hopByHop(const Head& head, std::string_view name, bool keepUpgrade, bool anyConnection) {
  for (std::string_view h : {"connection", "keep-alive", "proxy-connection", "te"}) {
    if (equalsIgnoreCase(name, h)) {
      return true;
    }
  }
  if (equalsIgnoreCase(name, "upgrade")) {
    return !keepUpgrade;
  }
  if (!anyConnection) {
    return false;
  }
  // Every field the Connection header lists is hop-by-hop too.
  for (const Header& h : head.headers()) {
    if (equalsIgnoreCase(h.name, "connection") && listHas(h.value, name)) {
      return true;
    }
  }
  return false;
}

void writeFields(const Head& head, const WriteOptions& options, std::string& out) {
  // Only look for Connection-listed names when there is a Connection header.
  const bool anyConnection = head.has("connection");
  for (const Header& h : head.headers()) {
    if (hopByHop(head, h.name, options.upgrade, anyConnection)) {
      continue;
    }
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  if (options.upgrade) {
    out += "Connection: upgrade\r\n";
  } else if (options.close) {
    out += "Connection: close\r\n";
  }
  out += "\r\n";
}

void appendVersion(const Head& head, std::string& out) {
  out += head.minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
}

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

bool listHas(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = trim(value.substr(0, comma));
    if (equalsIgnoreCase(item, token)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view Head::find(std::string_view name) const {
  for (const Header& h : headers()) {
    if (equalsIgnoreCase(h.name, name)) {
      return h.value;
    }
  }
  return {};
}

bool Head::has(std::string_view name) const {
  for (const Header& h : headers()) {
    if (equalsIgnoreCase(h.name, name)) {
      return true;
    }
  }
  return false;
}

Header& Head::add() {
  if (used_ == fields_.size()) {
    fields_.emplace_back();
  }
  Header& h = fields_[used_++];
  h.name.clear();
  h.value.clear();
  return h;
}

void Head::clear() {
  method.clear();
  target.clear();
  status = 0;
  reason.clear();
  major = 1;
  minor = 1;
  keepAlive = upgrade = chunked = contentLength = untilEof = false;
  length = 0;
  used_ = 0;
}

void writeRequestHead(const Head& head, const WriteOptions& options, std::string& out) {
  out += head.method;
  out += ' ';
  out += head.target;
  out += ' ';
  appendVersion(head, out);
  out += "\r\n";
  writeFields(head, options, out);
}

void writeResponseHead(const Head& head, const WriteOptions& options, std::string& out) {
  appendVersion(head, out);
  out += ' ';
  char digits[4] = {};
  auto [end, ec] = std::to_chars(digits, digits + 3, head.status);
  out.append(digits, ec == std::errc() ? end : digits);
  out += ' ';
  out += head.reason;
  out += "\r\n";
  writeFields(head, options, out);
}

void writeSimpleResponse(int status, std::string_view body, bool close, std::string& out) {
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += http::reasonPhrase(status);
  out += "\r\ncontent-type: text/plain\r\ncontent-length: ";
  out += std::to_string(body.size());
  out += "\r\nl5d-proxy-error: ";
  out += body.empty() ? http::reasonPhrase(status) : body.substr(0, body.find('\n'));
  out += close ? "\r\nconnection: close\r\n\r\n" : "\r\n\r\n";
  out += body;
}

}  // namespace weir::proxy::http1
