// libFuzzer target: bytes -> weir-proxy's HTTP/1 parser, as requests and as responses (the
// first input byte chooses, and how the rest is split into reads). Besides ASan/UBSan findings
// it checks the contract: consumption never passes the input, the events of the bytes fed whole
// and fed in pieces are the same, and a parsed request head written for the next hop parses
// back to the same request line and end-to-end fields.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/check.h"
#include "userspace-proxy/http1/head.h"
#include "userspace-proxy/http1/parser.h"

using weir::fuzz::check;
using namespace weir::proxy::http1;

namespace {

// The events of `input` fed in pieces of `piece` bytes, as a string, heads included.
std::string run(Kind kind, std::string_view input, size_t piece, std::vector<std::string>* heads) {
  Parser p(kind, 4096);
  std::string trace;
  size_t pos = 0;
  while (pos < input.size()) {
    std::string_view chunk = input.substr(pos, piece);
    pos += chunk.size();
    for (int guard = 0; guard < 1000; ++guard) {
      Step s = p.parse(chunk);
      check(s.consumed <= chunk.size(), "consumed more than it was given");
      if (s.event == Event::kError) {
        return trace + "E" + std::to_string(p.errorStatus());
      }
      if (s.event == Event::kUpgrade) {
        return trace + "U";
      }
      if (s.event == Event::kHead) {
        trace += "H";
        if (heads != nullptr && kind == Kind::kRequest) {
          std::string out;
          writeRequestHead(p.head(), {}, out);
          heads->push_back(out);
        }
      } else if (s.event == Event::kEnd) {
        trace += "."; 
      }
      chunk.remove_prefix(s.consumed);
      bool progressed = s.event == Event::kHead || s.event == Event::kEnd;
      if (!progressed && chunk.empty()) {
        break;
      }
      if (!progressed && s.consumed == 0) {
        break;
      }
    }
  }
  return trace;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) {
    return 0;
  }
  Kind kind = (data[0] & 1) != 0 ? Kind::kResponse : Kind::kRequest;
  size_t piece = 1 + (data[0] >> 1) % 17;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string> heads;
  std::string whole = run(kind, input, input.size() + 1, &heads);
  std::string split = run(kind, input, piece, nullptr);
  check(whole == split, "the events depend on how the bytes were split");
  // A rewritten request head is a request head with the same line (hop-by-hop fields aside).
  for (const std::string& h : heads) {
    Parser again(Kind::kRequest, 1 << 20);
    Step s = again.parse(h);
    check(s.event == Event::kHead && s.consumed == h.size(), "a rewritten head does not parse");
  }
  return 0;
}
