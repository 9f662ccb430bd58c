#pragma once

// Parsing of HTTP/1.1 responses from the API server: the head, chunked transfer decoding and the
// newline-delimited framing of watch streams. Push parsers over bytes from the network: they
// bound every buffer and report malformed input as errors.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace weir::control::kube {

struct Header {
  std::string name;
  std::string value;
};

struct ResponseHead {
  int status = 0;
  std::string reason;
  std::vector<Header> headers;

  // The first header named `name` (case-insensitive), or nullptr.
  const std::string* find(std::string_view name) const;
};

// `text` is the status line and header lines, each ending in CRLF (or LF), without the blank
// line that ends the head.
Result<ResponseHead> parseResponseHead(std::string_view text);

// Decodes a "Transfer-Encoding: chunked" body (RFC 9112 section 7.1). Extensions and trailers
// are read and dropped.
class ChunkedDecoder {
 public:
  // Appends the payload carried by `in` to `out`. Input after the final chunk is ignored.
  Status feed(std::string_view in, std::string& out);
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State { kSize, kData, kDataEnd, kTrailer, kDone };
  Status lineComplete();

  State state_ = State::kSize;
  std::string line_;
  uint64_t remaining_ = 0;
};

// Called once per line without its "\n" (or "\r\n"); returns false to stop reading.
using LineSink = std::function<bool(std::string_view line)>;

// Splits a byte stream into lines for a LineSink.
class LineSplitter {
 public:
  explicit LineSplitter(size_t maxLineBytes) : maxLine_(maxLineBytes) {}

  // Delivers every complete line in `in`. Returns false once the sink asked to stop.
  Result<bool> feed(std::string_view in, const LineSink& sink);
  // At end of stream: delivers a last line that had no newline.
  Result<bool> finish(const LineSink& sink);

 private:
  size_t maxLine_;
  std::string partial_;
};

}  // namespace weir::control::kube
