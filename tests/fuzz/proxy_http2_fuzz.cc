// libFuzzer target: bytes -> weir-proxy's HTTP/2 server connection (h2::Conn on nghttp2, with a
// handler that serves as the proxy's sessions do: a leg per request stream, request bodies
// taken and acknowledged, a response with a body and trailers). The input is what a client
// sends after the preface; it reaches the connection through a real io_uring loop and socket
// pair. Besides ASan/UBSan findings it checks that nothing crashes or leaks whatever the frames,
// and that a connection the input broke closes.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/fuzz/check.h"
#include "tests/fuzz/socket_harness.h"
#include "userspace-proxy/h2/conn.h"
#include "userspace-proxy/io/loop.h"

using weir::fuzz::check;
using namespace weir::proxy;

namespace {

struct Handler final : h2::ConnHandler {
  std::vector<std::unique_ptr<h2::Leg>> legs;
  bool closed = false;
  void onHeaders(h2::Conn& c, int32_t id, h2::Leg* leg, h2::Block block, h2::Headers&,
                 bool end) override {
    if (block == h2::Block::kRequest && leg == nullptr) {
      auto l = std::make_unique<h2::Leg>();
      c.attach(id, *l);
      l->out.buf = "response body";
      l->out.ended = end;
      l->out.hasTrailers = true;
      l->out.trailers = {{"grpc-status", "0"}};
      c.response({{":status", "200"}}, *l, false);
      legs.push_back(std::move(l));
    }
  }
  void onData(h2::Conn& c, int32_t id, h2::Leg*, const uint8_t*, size_t n) override {
    c.consume(id, n);
  }
  void onEnd(h2::Conn& c, int32_t, h2::Leg* leg) override {
    leg->out.ended = true;
    c.resume(*leg);
  }
  void onStreamClosed(h2::Conn&, int32_t, h2::Leg*, uint32_t) override {}
  void onConnClosed(h2::Conn&, io::Stream&, int) override { closed = true; }
  void onConnected(h2::Conn&, int) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  io::Loop& l = weir::fuzz::fuzzLoop();
  weir::fuzz::SocketPair pair;
  int* fds = pair.fds;
  Handler handler;
  auto conn = std::make_unique<h2::Conn>(l, *l.adopt(fds[0], nullptr), h2::Conn::Side::kServer,
                                         handler);
  static const std::string kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  std::string input = kPreface + std::string(reinterpret_cast<const char*>(data), size);
  bool ok = conn->receive(input);
  // Let it write (and close, if the input broke the protocol); drain what it sent.
  pair.pump(l, 8);
  if (!ok) {
    check(conn->closing(), "a broken connection did not close");
  }
  ::close(fds[1]);
  for (int i = 0; i < 8 && !handler.closed; ++i) {
    l.runOnce(0);
  }
  if (!handler.closed) {
    conn->close();
    for (int i = 0; i < 8 && !handler.closed; ++i) {
      l.runOnce(0);
    }
  }
  // The Conn is told before its legs go: detach them, then drop it.
  for (auto& leg : handler.legs) {
    conn->detach(*leg);
  }
  conn.reset();
  l.runOnce(0);
  return 0;
}
