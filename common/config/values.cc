#include "common/config/values.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>

#include "common/config/document.h"

namespace weir::config {

namespace {

using u128 = unsigned __int128;

constexpr uint64_t kMaxNanos = std::numeric_limits<int64_t>::max();  // Go's time.Duration
constexpr size_t kMaxDigits = 30;          // significant digits of a quantity; 10^30 fits in u128
constexpr size_t kMaxFractionDigits = 19;  // of a duration: below a nanosecond is dropped

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Reads the digits at text[i..], advancing past them; returns how many there were. `value` takes
// them in while it is at most `cap` (enough to tell that it is too large) and `limit` digits
// have not been taken (the rest are below the precision kept).
size_t readDigits(std::string_view text, size_t& i, u128& value, u128 cap, size_t limit) {
  size_t count = 0;
  for (; i < text.size() && isDigit(text[i]); ++i, ++count) {
    if (count < limit && value <= cap) {
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
  }
  return count;
}

u128 pow10(int n) {
  u128 out = 1;
  while (n-- > 0) {
    out *= 10;
  }
  return out;
}

// The nanoseconds of one Go duration unit at text[i] (advancing past it), 0 if none is there.
uint64_t durationUnit(std::string_view text, size_t& i) {
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"ns", 1},       {"us", 1000},         {"\xC2\xB5s", 1000},   {"\xCE\xBCs", 1000},
      {"ms", 1000000}, {"s", 1000000000ULL}, {"m", 60000000000ULL}, {"h", 3600000000000ULL}};
  for (const auto& [name, nanos] : kUnits) {
    if (text.substr(i).starts_with(name)) {
      i += name.size();
      return nanos;
    }
  }
  return 0;
}

std::string durationReason(std::string_view text) {
  return "must be a duration such as \"30s\", \"100ms\" or \"1m30s\", got " + quote(text);
}

std::string quantityReason(std::string_view text) {
  return "must be a number or quantity such as \"1\", \"900m\" or \"1k\", got " + quote(text);
}

// A quantity's suffix at text[i..]: powers of 10 and of 2 it multiplies by.
bool quantitySuffix(std::string_view suffix, int& exp10, int& exp2) {
  static constexpr std::pair<std::string_view, int> kDecimal[] = {
      {"", 0},  {"n", -9}, {"u", -6}, {"m", -3}, {"k", 3},
      {"M", 6}, {"G", 9},  {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int> kBinary[] = {
      {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (const auto& [name, exp] : kDecimal) {
    if (suffix == name) {
      exp10 = exp;
      return true;
    }
  }
  for (const auto& [name, exp] : kBinary) {
    if (suffix == name) {
      exp2 = exp;
      return true;
    }
  }
  if (suffix.size() < 2 || (suffix[0] != 'e' && suffix[0] != 'E')) {
    return false;
  }
  size_t start = (suffix[1] == '+' || suffix[1] == '-') ? 2 : 1;
  int value = 0;
  auto [end, ec] = std::from_chars(suffix.data() + start, suffix.data() + suffix.size(), value);
  if (start == suffix.size() || ec != std::errc() || end != suffix.data() + suffix.size() ||
      value > 100) {
    return false;
  }
  exp10 = suffix[1] == '-' ? -value : value;
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// A port 1..65535 written as plain digits.
bool parsePortNumber(std::string_view text, uint16_t& out, std::string& reason) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || end != text.data() + text.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return false;
  }
  if (ec != std::errc() || value < 1 || value > 65535) {
    reason = "port " + std::string(text) + " is not between 1 and 65535";
    return false;
  }
  out = static_cast<uint16_t>(value);
  return true;
}

bool isDnsLikeLabel(std::string_view label) {
  if (label.empty() || label.front() == '-' || label.back() == '-') {
    return false;
  }
  for (char c : label) {
    if (!((c >= 'a' && c <= 'z') || isDigit(c) || c == '-')) {
      return false;
    }
  }
  return true;
}

bool isSpiffeChar(char c, bool path) {
  bool lower = (c >= 'a' && c <= 'z') || isDigit(c) || c == '-' || c == '.' || c == '_';
  return lower || (path && c >= 'A' && c <= 'Z');
}

}  // namespace

std::optional<std::string> parseDuration(std::string_view text, std::chrono::milliseconds& out) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i++] == '-';
  }
  if (text.substr(i) == "0") {
    out = std::chrono::milliseconds(0);
    return std::nullopt;
  }
  if (i == text.size()) {
    return durationReason(text);
  }
  u128 nanos = 0;
  while (i < text.size()) {
    u128 whole = 0;
    u128 fraction = 0;
    size_t wholeDigits = readDigits(text, i, whole, kMaxNanos, SIZE_MAX);
    size_t fractionDigits = 0;
    if (i < text.size() && text[i] == '.') {
      ++i;
      fractionDigits = readDigits(text, i, fraction, kMaxNanos, kMaxFractionDigits);
    }
    uint64_t unit = durationUnit(text, i);
    if (wholeDigits + fractionDigits == 0 || unit == 0) {
      return durationReason(text);
    }
    // whole <= 10 * kMaxNanos + 9 and unit <= 3.6e12: the sum stays far below 2^128.
    int scale = static_cast<int>(std::min(fractionDigits, kMaxFractionDigits));
    nanos += whole * unit + fraction * unit / pow10(scale);
    if (nanos > kMaxNanos) {
      return "must be less than 2562048h, got " + quote(text);
    }
  }
  if (negative && nanos > 0) {
    return "must not be negative, got " + quote(text);
  }
  out = std::chrono::milliseconds(static_cast<int64_t>((nanos + 999999) / 1000000));
  return std::nullopt;
}

std::optional<std::string> parseQuantityMilli(std::string_view text, uint64_t& out) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i++] == '-';
  }
  // The significant digits of integer and fraction, leading zeros dropped.
  std::string digits;
  int exp10 = 0;
  size_t intStart = i;
  for (; i < text.size() && isDigit(text[i]); ++i) {
    if (!(digits.empty() && text[i] == '0')) {
      digits += text[i];
    }
  }
  size_t mantissaDigits = i - intStart;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && isDigit(text[i]); ++i, ++mantissaDigits) {
      --exp10;
      if (!(digits.empty() && text[i] == '0')) {
        digits += text[i];
      }
    }
  }
  int suffix10 = 0;
  int exp2 = 0;
  if (mantissaDigits == 0 || !quantitySuffix(text.substr(i), suffix10, exp2)) {
    return quantityReason(text);
  }
  exp10 += suffix10 + 3;  // milli-units
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++exp10;
  }
  if (digits.empty()) {
    out = 0;
    return std::nullopt;
  }
  if (negative) {
    return "must not be negative, got " + quote(text);
  }
  if (digits.size() > kMaxDigits) {
    return "must have at most 30 significant digits, got " + quote(text);
  }
  std::string tooLarge = "is out of range, got " + quote(text);
  u128 value = 0;
  for (char c : digits) {
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  constexpr u128 kMax = std::numeric_limits<uint64_t>::max();
  for (int k = 0; k < exp2; ++k) {  // value < 10^30 < 2^100: doubling stops well before 2^128
    value *= 2;
    if (value > (u128(1) << 120)) {
      return tooLarge;
    }
  }
  if (exp10 >= 0) {
    for (int k = 0; k < exp10; ++k) {
      value *= 10;
      if (value > kMax) {
        return tooLarge;
      }
    }
  } else if (-exp10 > 38) {
    value = 1;  // below one milli-unit: rounded up
  } else {
    u128 divisor = pow10(-exp10);
    value = (value + divisor - 1) / divisor;
  }
  if (value > kMax) {
    return tooLarge;
  }
  out = static_cast<uint64_t>(value);
  return std::nullopt;
}

std::optional<std::string> parsePortList(std::string_view text, bool allowNames, PortList& out) {
  std::string_view rest = trim(text);
  if (rest.ends_with(',')) {
    rest.remove_suffix(1);  // as Linkerd: "25,443," is fine
  }
  if (trim(rest).empty()) {
    return std::nullopt;
  }
  std::string where = " in port list " + quote(text);
  while (true) {
    size_t comma = rest.find(',');
    std::string_view entry = trim(rest.substr(0, comma));
    std::string reason;
    size_t dash = entry.find('-');
    PortRange range;
    if (entry.empty()) {
      return "empty entry" + where;
    }
    if (parsePortNumber(entry, range.first, reason)) {
      range.last = range.first;
      out.ranges.push_back(range);
    } else if (!reason.empty()) {
      return reason + where;
    } else if (dash != std::string_view::npos &&
               parsePortNumber(entry.substr(0, dash), range.first, reason) &&
               parsePortNumber(entry.substr(dash + 1), range.last, reason)) {
      if (range.last < range.first) {
        return "range " + std::string(entry) + " ends before it starts" + where;
      }
      out.ranges.push_back(range);
    } else if (!reason.empty()) {
      return reason + where;
    } else if (allowNames && isIanaServiceName(entry)) {
      out.names.emplace_back(entry);
    } else {
      return quote(entry) +
             (allowNames ? " is not a port, port range or port name"
                         : " is not a port or port range") +
             where;
    }
    if (comma == std::string_view::npos) {
      return std::nullopt;
    }
    rest = rest.substr(comma + 1);
  }
}

std::optional<std::string> checkRegex(std::string_view pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (re.ok()) {
    return std::nullopt;
  }
  return "must be a regular expression (RE2 syntax), got " + quote(pattern) + ": " + re.error();
}

std::optional<std::string> checkIdentity(std::string_view identity) {
  constexpr std::string_view kSpiffe = "spiffe://";
  if (identity.starts_with(kSpiffe)) {
    std::string_view rest = identity.substr(kSpiffe.size());
    size_t slash = std::min(rest.find('/'), rest.size());
    std::string_view domain = rest.substr(0, slash);
    std::string_view path = rest.substr(slash);
    bool ok = !domain.empty();
    for (char c : domain) {
      ok = ok && isSpiffeChar(c, false);
    }
    // The path: "/segment" repeated; no empty, "." or ".." segment, no trailing slash.
    for (size_t at = 0; ok && at < path.size();) {
      size_t end = std::min(path.find('/', at + 1), path.size());
      std::string_view segment = path.substr(at + 1, end - at - 1);
      ok = !segment.empty() && segment != "." && segment != "..";
      for (char c : segment) {
        ok = ok && isSpiffeChar(c, true);
      }
      at = end;
    }
    if (!ok) {
      return "must be a SPIFFE ID such as \"spiffe://trust.domain/path\", got " + quote(identity);
    }
    return std::nullopt;
  }
  bool ok = !identity.empty();
  size_t start = 0;
  while (ok && start <= identity.size()) {
    size_t end = std::min(identity.find('.', start), identity.size());
    std::string_view label = identity.substr(start, end - start);
    ok = (start == 0 && label == "*") || isDnsLikeLabel(label);
    start = end + 1;
  }
  if (!ok) {
    return "must be an identity such as \"web.prod.serviceaccount.identity.linkerd.cluster.local\""
           ", \"*.linkerd.cluster.local\" or a SPIFFE ID, got " +
           quote(identity);
  }
  return std::nullopt;
}

}  // namespace weir::config
