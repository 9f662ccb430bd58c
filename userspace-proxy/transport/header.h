#pragma once

// The transport header between node proxies (api/weir/v1/transport.proto): written first on a
// connection to another node's inbound listener, read first by the inbound listener. The bytes
// come from the network: decoding checks the magic and the length before parsing.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "userspace-proxy/io/socket.h"

namespace weir::proxy::transport {

enum class Protocol { kUnknown, kHttp1, kHttp2, kOpaque };

struct Header {
  io::Address target;
  Protocol protocol = Protocol::kUnknown;
  std::string authority;
  bool operator==(const Header&) const = default;
};

inline constexpr std::string_view kMagic = "weir.io/transport/v1";
inline constexpr size_t kMaxMessageBytes = 4096;

// The header's bytes: magic, length, message.
std::string encode(const Header& header);

struct Decoded {
  enum class State { kNeedMore, kDone, kInvalid };
  State state = State::kNeedMore;
  Header header;          // kDone
  size_t consumed = 0;    // kDone: the header's length on the wire
  std::string_view why;   // kInvalid: what was wrong
};

// Decodes a header at the start of `bytes` (everything received so far).
Decoded decode(std::span<const char> bytes);

}  // namespace weir::proxy::transport
