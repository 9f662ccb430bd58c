#include "userspace-proxy/discovery/grpc_frames.h"

namespace weir::proxy::discovery {

void appendGrpcFrame(std::string_view message, std::string& out) {
  auto n = static_cast<uint32_t>(message.size());
  const char prefix[5] = {0, static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                          static_cast<char>(n >> 8), static_cast<char>(n)};
  out.append(prefix, sizeof prefix);
  out.append(message);
}

GrpcFrames::Next GrpcFrames::next(std::string_view& message) {
  if (off_ > 0 && off_ == buf_.size()) {
    buf_.clear();
    off_ = 0;
  } else if (off_ > 64 * 1024) {
    buf_.erase(0, off_);
    off_ = 0;
  }
  if (!error_.empty()) {
    return Next::kError;
  }
  if (buf_.size() - off_ < 5) {
    return Next::kNeedMore;
  }
  const auto* p = reinterpret_cast<const uint8_t*>(buf_.data() + off_);
  if (p[0] != 0) {
    error_ = "a compressed message (none was asked for)";
    return Next::kError;
  }
  uint32_t n = (uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 8) | p[4];
  if (n > kMaxGrpcMessageBytes) {
    error_ = "a message over 4 MiB";
    return Next::kError;
  }
  if (buf_.size() - off_ - 5 < n) {
    return Next::kNeedMore;
  }
  message = std::string_view(buf_.data() + off_ + 5, n);
  off_ += 5 + n;
  return Next::kMessage;
}

}  // namespace weir::proxy::discovery
