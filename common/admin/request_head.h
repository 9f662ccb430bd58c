#pragma once

// Parser for an HTTP/1.x request head (request line and header fields) received by the admin
// server. The bytes come from the network: nothing here asserts; every defect maps to a status.

#include <cstddef>
#include <string>
#include <string_view>

namespace weir::admin {

// Request line plus header fields, CRLFs included; a larger head is answered 431.
inline constexpr size_t kMaxHeadBytes = size_t{16} * 1024;

struct Request {
  std::string method;
  std::string path;   // "/metrics", without the query
  std::string query;  // after the '?', empty when there is none
  bool fromLoopback = false;  // set by the server: the client's address is 127.0.0.0/8 or ::1
};

struct HeadResult {
  enum class State { kIncomplete, kComplete, kRejected };
  State state = State::kIncomplete;
  int status = 0;           // kRejected: 400, 431 or 505
  std::string_view reason;  // kRejected: a short static description for the log
  Request request;          // kComplete
};

// Parses the request head at the start of `buffered`, everything received on the connection so
// far. Bytes after the head (a body, a pipelined request) are ignored. Header fields are checked
// for syntax but not kept: the admin routes need none of them.
HeadResult parseRequestHead(std::string_view buffered);

}  // namespace weir::admin
