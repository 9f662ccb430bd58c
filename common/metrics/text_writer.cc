#include "common/metrics/text_writer.h"

#include <cassert>
#include <charconv>
#include <cmath>

namespace weir::metrics {

const std::vector<double> kLinkerdLatencyBucketsMs = {
    1,   2,   3,    4,    5,    10,   20,   30,    40,    50,    100,   200,  300,
    400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000};

namespace {

// HELP text escapes backslash and newline; label values also escape the double quote.
void appendEscaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '"':
        out += quote ? "\\\"" : "\"";
        break;
      default:
        out += c;
    }
  }
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// name+suffix{labels,le="..."} value
void appendSeries(std::string& out, std::string_view name, std::string_view suffix,
                  const Labels& labels, std::string_view le, double value) {
  out += name;
  out += suffix;
  if (!labels.empty() || !le.empty()) {
    char sep = '{';
    for (const auto& [key, val] : labels) {
      out += sep;
      out += key;
      out += "=\"";
      appendEscaped(out, val, true);
      out += '"';
      sep = ',';
    }
    if (!le.empty()) {
      out += sep;
      out += "le=\"";
      out += le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  appendValue(out, value);
  out += '\n';
}

}  // namespace

void appendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  std::to_chars_result r;
  // 2^63: every integral double below it fits an int64_t exactly.
  if (std::trunc(value) == value && std::fabs(value) < 9223372036854775808.0) {
    r = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(value));
  } else {
    r = std::to_chars(buf, buf + sizeof(buf), value);
  }
  out.append(buf, r.ptr);
}

void TextWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  assert(type == "counter" || type == "gauge" || type == "histogram");
  if (auto it = index_.find(name); it != index_.end()) {
    assert(families_[it->second].type == type && "family redeclared with another type");
    return;
  }
  Family f;
  f.type = type;
  f.header.reserve(name.size() * 2 + help.size() + type.size() + 16);
  f.header += "# HELP ";
  f.header += name;
  f.header += ' ';
  appendEscaped(f.header, help, false);
  f.header += "\n# TYPE ";
  f.header += name;
  f.header += ' ';
  f.header += type;
  f.header += '\n';
  index_.emplace(std::string(name), families_.size());
  families_.push_back(std::move(f));
}

TextWriter::Family* TextWriter::find(std::string_view name) {
  if (auto it = index_.find(name); it != index_.end()) {
    return &families_[it->second];
  }
  struct Suffix {
    std::string_view suffix;
    std::string_view type;
  };
  static constexpr Suffix kSuffixes[] = {{"_total", "counter"},
                                         {"_bucket", "histogram"},
                                         {"_sum", "histogram"},
                                         {"_count", "histogram"}};
  for (const auto& s : kSuffixes) {
    if (!endsWith(name, s.suffix)) {
      continue;
    }
    auto it = index_.find(name.substr(0, name.size() - s.suffix.size()));
    if (it != index_.end() && families_[it->second].type == s.type) {
      return &families_[it->second];
    }
  }
  return nullptr;
}

void TextWriter::sample(std::string_view name, const Labels& labels, double value) {
  Family* f = find(name);
  assert(f != nullptr && "sample for an undeclared family");
  if (f == nullptr) {
    return;
  }
  appendSeries(f->samples, name, {}, labels, {}, value);
}

void TextWriter::histogram(std::string_view name, const Labels& labels,
                           const std::vector<double>& bounds,
                           const std::vector<uint64_t>& bucketCounts, double sum) {
  Family* f = find(name);
  assert(f != nullptr && f->type == "histogram" && "histogram for an undeclared family");
  assert(bucketCounts.size() == bounds.size() + 1);
  if (f == nullptr || bucketCounts.size() != bounds.size() + 1) {
    return;
  }
  std::string le;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds.size(); ++i) {
    cumulative += bucketCounts[i];
    le.clear();
    appendValue(le, bounds[i]);
    appendSeries(f->samples, name, "_bucket", labels, le, static_cast<double>(cumulative));
  }
  cumulative += bucketCounts.back();
  appendSeries(f->samples, name, "_bucket", labels, "+Inf", static_cast<double>(cumulative));
  appendSeries(f->samples, name, "_sum", labels, {}, sum);
  appendSeries(f->samples, name, "_count", labels, {}, static_cast<double>(cumulative));
}

std::string TextWriter::take() {
  size_t size = 0;
  for (const auto& f : families_) {
    size += f.header.size() + f.samples.size();
  }
  std::string out;
  out.reserve(size);
  for (const auto& f : families_) {
    out += f.header;
    out += f.samples;
  }
  families_.clear();
  index_.clear();
  return out;
}

}  // namespace weir::metrics
