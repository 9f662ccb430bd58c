// libFuzzer target: bytes from the Kubernetes API server -> the readers weir-control runs on them
// (control/kube/http_response.h, watch_event.h): the response head, the chunked body, the
// watch stream's lines and each line's watch event or Status. The input is the first byte, which
// picks the sizes of the reads, then a whole response ("HTTP/1.1 ...\r\n\r\n" and a chunked body).
// Besides ASan/UBSan findings and escaping exceptions, it checks the results' contracts and that
// nothing depends on how the bytes were split into reads, as the network splits them anywhere.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control/kube/http_response.h"
#include "control/kube/watch_event.h"
#include "tests/fuzz/check.h"

namespace {

using weir::fuzz::check;
namespace kube = weir::control::kube;

constexpr size_t kMaxLine = 4096;  // small, so the fuzzer reaches the limit

// `in` cut into reads of 1..8 bytes in a pattern `seed` picks.
std::vector<std::string_view> reads(std::string_view in, uint8_t seed) {
  std::vector<std::string_view> out;
  for (size_t i = 0; !in.empty(); ++i) {
    size_t n = std::min<size_t>(in.size(), 1 + ((seed >> (i % 6)) + i) % 8);
    out.push_back(in.substr(0, n));
    in.remove_prefix(n);
  }
  return out;
}

void checkHead(std::string_view text) {
  auto head = kube::parseResponseHead(text);
  if (!head.ok()) {
    check(!head.error().str().empty(), "a head error without a message");
    return;
  }
  check(head->status >= 100 && head->status <= 999, "a status outside 100..999");
  for (const kube::Header& h : head->headers) {
    check(!h.name.empty() && h.name.find(':') == std::string::npos, "a bad header name");
    check(head->find(h.name) != nullptr, "find() misses a header");
  }
}

struct Decoded {
  bool ok = true;
  bool done = false;
  std::string payload;
};

Decoded decode(const std::vector<std::string_view>& pieces) {
  kube::ChunkedDecoder decoder;
  Decoded out;
  for (std::string_view piece : pieces) {
    if (auto st = decoder.feed(piece, out.payload); !st) {
      out.ok = false;
      break;
    }
  }
  out.done = decoder.done();
  return out;
}

struct Split {
  bool ok = true;
  bool stopped = false;
  std::vector<std::string> lines;
};

// Lines of `pieces`; the sink stops after `stopAfter` lines, as the reflector stops on an error.
Split splitLines(const std::vector<std::string_view>& pieces, size_t stopAfter) {
  kube::LineSplitter splitter(kMaxLine);
  Split out;
  kube::LineSink sink = [&](std::string_view line) {
    check(line.size() <= kMaxLine, "a line over the limit");
    check(line.find('\n') == std::string_view::npos, "a line holding a newline");
    out.lines.emplace_back(line);
    return out.lines.size() < stopAfter;
  };
  for (std::string_view piece : pieces) {
    auto more = splitter.feed(piece, sink);
    if (!more.ok() || !*more) {
      out.ok = more.ok();
      out.stopped = more.ok();
      return out;
    }
  }
  auto more = splitter.finish(sink);
  out.ok = more.ok();
  out.stopped = more.ok() && !*more;
  return out;
}

void checkEvent(std::string_view line) {
  auto event = kube::parseWatchEvent(line);
  kube::ApiStatus body = kube::statusFromBody(line, 503);
  check(body.code != 0, "statusFromBody without a code");
  if (!event.ok()) {
    return;
  }
  check(kube::toString(event->type) != "?", "an event of no known type");
  check(event->object.is_object(), "an event object that is not an object");
  kube::resourceVersionOf(event->object);
  kube::statusFromObject(event->object);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  uint8_t seed = data[0];
  std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t blank = wire.find("\r\n\r\n");
  checkHead(wire.substr(0, blank == std::string_view::npos ? wire.size() : blank + 2));
  std::string_view body = blank == std::string_view::npos ? wire : wire.substr(blank + 4);

  Decoded whole = decode({body});
  Decoded pieces = decode(reads(body, seed));
  check(whole.ok == pieces.ok && whole.done == pieces.done && whole.payload == pieces.payload,
        "chunked decoding depends on how the body was read");

  // The reflector hands the decoded payload to the line splitter; a body that is not chunked
  // still makes good input for it.
  std::string_view stream = whole.ok ? std::string_view(whole.payload) : body;
  size_t stopAfter = 1 + seed % 16;
  Split lines = splitLines({stream}, stopAfter);
  Split readLines = splitLines(reads(stream, seed), stopAfter);
  check(lines.ok == readLines.ok && lines.stopped == readLines.stopped &&
            lines.lines == readLines.lines,
        "line splitting depends on how the stream was read");
  for (const std::string& line : lines.lines) {
    checkEvent(line);
  }
  kube::statusFromBody(body, 404);
  return 0;
}
