// weir-echo serve: an echo server. Each connection echoes every byte back, half-closes after the
// client's half-close, and (with --origdst) first writes one line naming the original
// destination the kernel reports through getsockopt(SO_ORIGINAL_DST).

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "tests/apps/echo/net.h"

namespace weir::echo {

namespace {

constexpr int kSoOriginalDst = 80;       // SOL_IP, linux/netfilter_ipv4.h
constexpr int kIp6tSoOriginalDst = 80;   // SOL_IPV6, linux/netfilter_ipv6/ip6_tables.h

// The original destination as netfilter-aware proxies ask for it: SOL_IPV6 on an IPv6 socket,
// SOL_IP on an IPv4 one.
bool originalDst(int fd, sockaddr_storage* orig) {
  sockaddr_storage local{};
  socklen_t len = sizeof(local);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  len = sizeof(*orig);
  if (local.ss_family == AF_INET6) {
    return getsockopt(fd, SOL_IPV6, kIp6tSoOriginalDst, orig, &len) == 0;
  }
  return getsockopt(fd, SOL_IP, kSoOriginalDst, orig, &len) == 0;
}

void serveConnection(int fd, bool origdst, bool sink) {
  if (origdst) {
    sockaddr_storage orig{};
    std::string line = originalDst(fd, &orig) ? "ORIGDST " + endpointString(orig) + "\n"
                                              : "ORIGDST none\n";
    writeAll(fd, line.data(), line.size());
  }
  char buf[65536];
  while (true) {
    ssize_t n = readSome(fd, buf, sizeof(buf));
    if (n <= 0) {
      break;
    }
    if (!sink && !writeAll(fd, buf, static_cast<size_t>(n))) {
      break;
    }
  }
  shutdown(fd, SHUT_WR);
  close(fd);
}

}  // namespace

int serve(const std::string& endpoint, bool origdst, bool sink) {
  int lfd = listenOn(endpoint);
  std::fprintf(stderr, "weir-echo: listening on %s\n", endpoint.c_str());
  while (true) {
    int fd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      return 1;
    }
    std::thread(serveConnection, fd, origdst, sink).detach();
  }
}

}  // namespace weir::echo
