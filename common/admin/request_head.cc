#include "common/admin/request_head.h"

#include <algorithm>
#include <optional>

namespace weir::admin {

namespace {

// RFC 9110 5.6.2 tchar.
bool isTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  std::string_view specials = "!#$%&'*+-.^_`|~";
  return specials.find(c) != std::string_view::npos;
}

bool isToken(std::string_view s) { return !s.empty() && std::ranges::all_of(s, isTchar); }

// Visible ASCII: what a request-target may hold.
bool isTarget(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
}

// field-value: VCHAR, SP, HTAB and obs-text; no other control characters (NUL, bare CR).
bool isFieldValue(std::string_view s) {
  return std::ranges::all_of(s, [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u >= 0x20 || u == '\t') && u != 0x7f;
  });
}

// The line starting at `pos` without its LF or CRLF; advances `pos` past it. nullopt while the
// line is not complete.
std::optional<std::string_view> nextLine(std::string_view buf, size_t& pos) {
  size_t lf = buf.find('\n', pos);
  if (lf == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view line = buf.substr(pos, lf - pos);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  pos = lf + 1;
  return line;
}

HeadResult reject(int status, std::string_view reason) {
  HeadResult r;
  r.state = HeadResult::State::kRejected;
  r.status = status;
  r.reason = reason;
  return r;
}

HeadResult incompleteOr431(std::string_view buf) {
  if (buf.size() > kMaxHeadBytes) {
    return reject(431, "request head too large");
  }
  return {};
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) {
    return false;
  }
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != prefix[i]) {
      return false;
    }
  }
  return true;
}

// Splits an origin-form ("/p?q") or absolute-form ("http://host/p?q") target. False otherwise.
bool splitTarget(std::string_view target, Request& req) {
  if (target.front() != '/') {
    size_t scheme = startsWithNoCase(target, "http://")    ? 7
                    : startsWithNoCase(target, "https://") ? 8
                                                           : 0;
    if (scheme == 0) {
      return false;
    }
    size_t start = target.find_first_of("/?#", scheme);
    target = start == std::string_view::npos ? std::string_view{} : target.substr(start);
  }
  target = target.substr(0, target.find('#'));
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  req.path = path.empty() ? "/" : path;
  req.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  return true;
}

}  // namespace

HeadResult parseRequestHead(std::string_view buf) {
  size_t pos = 0;
  // RFC 9112 2.2: empty lines before the request line are ignored.
  while (pos < buf.size() && (buf[pos] == '\r' || buf[pos] == '\n')) {
    ++pos;
  }

  size_t lineStart = pos;
  std::optional<std::string_view> line = nextLine(buf, pos);
  if (!line) {
    // Refuse early what can never become a request line (a TLS ClientHello, binary noise):
    // whatever precedes the first space must be a method token.
    std::string_view partial = buf.substr(lineStart);
    std::string_view method = partial.substr(0, partial.find(' '));
    for (char c : method) {
      if (!isTchar(c)) {
        return reject(400, "bad method");
      }
    }
    return incompleteOr431(buf);
  }

  // request-line = method SP request-target SP HTTP-version
  size_t sp1 = line->find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line->find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) {
    return reject(400, "bad request line");
  }
  std::string_view method = line->substr(0, sp1);
  std::string_view target = line->substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line->substr(sp2 + 1);
  if (!isToken(method)) {
    return reject(400, "bad method");
  }
  if (!isTarget(target)) {
    return reject(400, "bad request target");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    bool wellFormed = version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[5] >= '0' &&
                      version[5] <= '9' && version[6] == '.' && version[7] >= '0' &&
                      version[7] <= '9';
    return wellFormed ? reject(505, "unsupported HTTP version") : reject(400, "bad HTTP version");
  }

  HeadResult result;
  if (!splitTarget(target, result.request)) {
    return reject(400, "bad request target");
  }

  // field-line = field-name ":" OWS field-value OWS. A space before the colon and obsolete line
  // folding (a line starting with SP or HTAB) are rejected, as RFC 9112 5.1 and 5.2 require.
  while (true) {
    std::optional<std::string_view> field = nextLine(buf, pos);
    if (!field) {
      return incompleteOr431(buf);
    }
    if (field->empty()) {
      break;
    }
    size_t colon = field->find(':');
    if (colon == std::string_view::npos || !isToken(field->substr(0, colon)) ||
        !isFieldValue(field->substr(colon + 1))) {
      return reject(400, "bad header field");
    }
  }
  if (pos > kMaxHeadBytes) {
    return reject(431, "request head too large");
  }

  result.state = HeadResult::State::kComplete;
  result.request.method = method;
  return result;
}

}  // namespace weir::admin
