// libFuzzer target: bytes -> the server end of a tunnel connection (tunnel::Mux over h2::Conn),
// what node b's proxy runs for each connection another node's proxy opens. The input is what
// the peer sends after the preface: CONNECT streams, data, resets, anything. Each accepted tunnel
// is a virtual stream whose owner echoes what it reads and closes at the end, as a relay to a
// workload would. Besides ASan/UBSan findings it checks that a connection the input broke
// closes, and that closing the connection frees every tunnel.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/check.h"
#include "tests/fuzz/socket_harness.h"
#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/tunnel/mux.h"

using weir::fuzz::check;
using namespace weir::proxy;

namespace {

// Echoes a tunnel's bytes; closes it once the peer ended (or reset) it.
struct Echo final : io::StreamHandler {
  void onConnected(io::Stream&, int) override {}
  void onReadable(io::Stream& s) override { s.forward(s.inputBytes(), s); }
  void onEof(io::Stream& s, int err) override {
    if (err != 0) {
      s.close();
    } else {
      s.closeWhenDrained();
    }
  }
  void onDrained(io::Stream&) override {}
  void onClosed(io::Stream&) override {}
};
Echo echo;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  io::Loop& l = weir::fuzz::fuzzLoop();
  weir::fuzz::SocketPair pair;
  int* fds = pair.fds;
  io::Stream* carrier = l.adopt(fds[0], nullptr);
  tunnel::Mux* mux = tunnel::Mux::server(l, *carrier, nullptr,
                                         [](io::Stream& vs, std::string_view authority) {
                                           check(!authority.empty(), "a tunnel without authority");
                                           vs.setHandler(&echo);
                                         });
  std::string input = std::string(tunnel::kPreface) +
                      std::string(reinterpret_cast<const char*>(data), size);
  bool ok = mux->conn()->receive(input);
  check(ok || mux->conn()->closing(), "a broken connection did not close");
  pair.pump(l, 8);
  // The peer goes away: the Mux closes its connection, ends every tunnel and deletes itself.
  ::close(fds[1]);
  for (int i = 0; i < 16; ++i) {
    l.runOnce(0);
  }
  return 0;
}
