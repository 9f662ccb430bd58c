// gRPC's length-prefixed messages: framing, messages split anywhere, several in one read, and
// what the peer may not send (compressed messages, lengths over the limit).

#include "userspace-proxy/discovery/grpc_frames.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace weir::proxy::discovery {
namespace {

std::vector<std::string> feed(const std::string& wire, size_t piece) {
  GrpcFrames frames;
  std::vector<std::string> out;
  for (size_t pos = 0; pos < wire.size(); pos += piece) {
    std::string chunk = wire.substr(pos, piece);
    frames.append(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size());
    std::string_view m;
    while (frames.next(m) == GrpcFrames::Next::kMessage) {
      out.emplace_back(m);
    }
  }
  return out;
}

TEST(GrpcFramesTest, MessagesComeOutWholeHoweverTheBytesArrive) {
  std::string wire;
  appendGrpcFrame("first", wire);
  appendGrpcFrame("", wire);
  appendGrpcFrame(std::string(70000, 'x'), wire);
  ASSERT_EQ(wire.size(), 5 + 5 + 5 + 5 + 70000u);
  for (size_t piece : {wire.size(), size_t{1}, size_t{4}, size_t{5}, size_t{6}, size_t{4096}}) {
    auto got = feed(wire, piece);
    ASSERT_EQ(got.size(), 3u) << piece;
    EXPECT_EQ(got[0], "first");
    EXPECT_EQ(got[1], "");
    EXPECT_EQ(got[2], std::string(70000, 'x'));
  }
}

TEST(GrpcFramesTest, CompressedAndOversizedMessagesAreErrors) {
  const struct {
    const char* name;
    std::string bytes;
  } cases[] = {
      {"compressed flag", std::string("\x01\x00\x00\x00\x01z", 6)},
      {"over 4 MiB", std::string("\x00\x00\x40\x00\x01", 5)},
  };
  for (const auto& c : cases) {
    GrpcFrames frames;
    frames.append(reinterpret_cast<const uint8_t*>(c.bytes.data()), c.bytes.size());
    std::string_view m;
    EXPECT_EQ(frames.next(m), GrpcFrames::Next::kError) << c.name;
    EXPECT_FALSE(frames.error().empty()) << c.name;
    EXPECT_EQ(frames.next(m), GrpcFrames::Next::kError) << c.name << ": errors stay";
  }
}

}  // namespace
}  // namespace weir::proxy::discovery
