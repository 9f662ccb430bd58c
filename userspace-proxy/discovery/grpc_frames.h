#pragma once

// gRPC's length-prefixed messages on an HTTP/2 stream (gRPC over HTTP/2, "Length-Prefixed-
// Message"): one byte compressed flag, four bytes big-endian length, the message. The bytes come
// from the network: a message longer than the limit, or compressed (weir never asks for
// compression), is an error, never an allocation of what the peer claims.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace weir::proxy::discovery {

inline constexpr size_t kMaxGrpcMessageBytes = size_t{4} << 20;  // gRPC's default limit

// Appends `message` framed.
void appendGrpcFrame(std::string_view message, std::string& out);

// Splits complete messages off the front of a receive buffer.
class GrpcFrames {
 public:
  void append(const uint8_t* data, size_t n) {
    buf_.append(reinterpret_cast<const char*>(data), n);
  }
  enum class Next { kMessage, kNeedMore, kError };
  // The next complete message (valid until the next call), or why there is none.
  Next next(std::string_view& message);
  std::string_view error() const { return error_; }

 private:
  std::string buf_;
  size_t off_ = 0;
  std::string_view error_;
};

}  // namespace weir::proxy::discovery
