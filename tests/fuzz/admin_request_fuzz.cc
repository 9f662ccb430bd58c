// libFuzzer target: bytes -> weir::admin::parseRequestHead, which reads whatever a client sends to
// the admin port. Besides ASan/UBSan findings it checks the result's contract and that the answer
// does not depend on how the bytes were split into reads: the server parses everything received
// so far after each read, so a prefix may only be incomplete or give the same answer.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/admin/request_head.h"
#include "tests/fuzz/check.h"

namespace {

using weir::admin::HeadResult;
using weir::admin::parseRequestHead;
using weir::fuzz::check;
using State = HeadResult::State;

bool visible(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return false;
    }
  }
  return true;
}

void checkContract(std::string_view input, const HeadResult& r) {
  switch (r.state) {
    case State::kIncomplete:
      check(r.status == 0, "incomplete with a status");
      check(input.size() <= weir::admin::kMaxHeadBytes, "incomplete beyond kMaxHeadBytes");
      break;
    case State::kRejected:
      check(r.status == 400 || r.status == 431 || r.status == 505, "rejected with another status");
      check(!r.reason.empty(), "rejected without a reason");
      break;
    case State::kComplete:
      check(r.status == 0, "complete with a status");
      check(!r.request.method.empty() && visible(r.request.method), "bad method accepted");
      check(r.request.path.starts_with('/') && visible(r.request.path), "bad path accepted");
      check(r.request.path.find_first_of("?#") == std::string::npos, "path holds ? or #");
      check(r.request.query.find('#') == std::string::npos &&
                (r.request.query.empty() || visible(r.request.query)),
            "bad query accepted");
      break;
  }
}

bool same(const HeadResult& a, const HeadResult& b) {
  if (a.state != b.state) {
    return false;
  }
  if (a.state == State::kRejected) {
    return a.status == b.status;
  }
  return a.request.method == b.request.method && a.request.path == b.request.path &&
         a.request.query == b.request.query;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  HeadResult whole = parseRequestHead(input);
  checkContract(input, whole);
  if (whole.state == State::kIncomplete) {
    return 0;
  }

  // More bytes after a decided head change nothing (a body, a pipelined request, more junk).
  std::string longer(input);
  longer += "\r\n\r\nGET / HTTP/1.1\r\n\r\n";
  check(same(parseRequestHead(longer), whole), "bytes after the head changed the answer");

  // A prefix (an earlier read) is still incomplete or already gives the same answer; one past
  // the size limit may instead be answered 431 without waiting for the rest.
  for (size_t cut : {size / 2, size - 1}) {
    std::string_view prefix = input.substr(0, cut);
    HeadResult part = parseRequestHead(prefix);
    checkContract(prefix, part);
    bool tooLarge = prefix.size() > weir::admin::kMaxHeadBytes && part.status == 431;
    check(part.state == State::kIncomplete || same(part, whole) || tooLarge,
          "a prefix of the input gave another answer");
  }
  return 0;
}
