#pragma once

// For fuzz targets that feed a connection of weir-proxy: one io_uring loop for the process, and
// a socket pair per input whose loop end the connection adopts while the harness drains the
// other end without blocking.

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/fuzz/check.h"
#include "userspace-proxy/io/loop.h"

namespace weir::fuzz {

inline proxy::io::Loop& fuzzLoop() {
  static auto l = proxy::io::Loop::create(proxy::io::LoopOptions{
      .ringEntries = 256, .bufferCount = 16, .bufferSize = 4096, .initialBuffers = 4});
  check(l.ok(), "no io_uring loop (the fuzz tier runs as root on a kernel with io_uring)");
  return *l.value();
}

struct SocketPair {
  SocketPair() {
    check(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0, "socketpair");
    // The loop's end stays blocking, as the proxy's sockets are.
    ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
  }
  // The loop adopts fds[0]; the harness reads (and at the end closes) fds[1].
  int fds[2];
  // Runs the loop a few times, draining what the connection sent.
  void pump(proxy::io::Loop& l, int rounds) const {
    char sink[65536];
    for (int i = 0; i < rounds; ++i) {
      l.runOnce(0);
      while (::read(fds[1], sink, sizeof sink) > 0) {
      }
    }
  }
};

}  // namespace weir::fuzz
