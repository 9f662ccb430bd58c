#pragma once

// Prometheus text exposition format 0.0.4 writer. Families are rendered in declaration order, each
// with all of its samples together, whatever order the samples were added in — so per-worker state
// can be written worker by worker without emitting a family twice.
//
//   TextWriter w;
//   w.family("request_total", "counter", "Total count of HTTP requests.");
//   w.sample("request_total", {{"direction", "inbound"}}, 7);
//   std::string body = w.take();

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace weir::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// The Content-Type a /metrics handler answers with.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Linkerd's latency histogram bounds, in milliseconds (response_latency_ms).
extern const std::vector<double> kLinkerdLatencyBucketsMs;

class TextWriter {
 public:
  // Declares a family (HELP + TYPE lines); type is counter, gauge or histogram. Declaring a family
  // again with the same type is a no-op; with a different type it is a programming error.
  // As in 0.0.4 and Linkerd, a counter's family name normally carries its _total suffix.
  void family(std::string_view name, std::string_view type, std::string_view help);

  // Adds one sample. `name` is the family name or the family name plus _total, _bucket, _sum or
  // _count. Samples of an undeclared family are a programming error (assert; dropped in release).
  void sample(std::string_view name, const Labels& labels, double value);

  // Adds one histogram series: cumulative name_bucket lines with le (last le="+Inf"), name_sum
  // and name_count. bucketCounts holds non-cumulative counts, one per bound plus the overflow
  // bucket last.
  void histogram(std::string_view name, const Labels& labels, const std::vector<double>& bounds,
                 const std::vector<uint64_t>& bucketCounts, double sum);

  // Renders every family and resets the writer.
  std::string take();

 private:
  struct Family {
    std::string header;  // "# HELP ...\n# TYPE ...\n"
    std::string type;
    std::string samples;  // rendered sample lines
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Family* find(std::string_view name);

  std::vector<Family> families_;
  std::unordered_map<std::string, size_t, NameHash, std::equal_to<>> index_;
};

// Appends a sample value: integers without exponent or decimals, NaN, +Inf, -Inf, otherwise the
// shortest representation that round-trips.
void appendValue(std::string& out, double value);

}  // namespace weir::metrics
