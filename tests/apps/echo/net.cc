#include "tests/apps/echo/net.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace weir::echo {

bool parseEndpoint(const std::string& text, sockaddr_storage* out, socklen_t* len) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return false;
  }
  *out = {};
  uint16_t port = htons(static_cast<uint16_t>(std::atoi(text.c_str() + colon + 1)));
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(out);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = port;
    *len = sizeof(sockaddr_in6);
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a6->sin6_addr) == 1;
  }
  auto* a4 = reinterpret_cast<sockaddr_in*>(out);
  a4->sin_family = AF_INET;
  a4->sin_port = port;
  *len = sizeof(sockaddr_in);
  return inet_pton(AF_INET, host.c_str(), &a4->sin_addr) == 1;
}

std::string endpointString(const sockaddr_storage& addr) {
  char ip[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET6) {
    const auto& a6 = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &a6.sin6_addr, ip, sizeof(ip));
    return "[" + std::string(ip) + "]:" + std::to_string(ntohs(a6.sin6_port));
  }
  const auto& a4 = reinterpret_cast<const sockaddr_in&>(addr);
  inet_ntop(AF_INET, &a4.sin_addr, ip, sizeof(ip));
  return std::string(ip) + ":" + std::to_string(ntohs(a4.sin_port));
}

int listenOn(const std::string& endpoint) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!parseEndpoint(endpoint, &addr, &len)) {
    std::fprintf(stderr, "weir-echo: bad endpoint %s\n", endpoint.c_str());
    std::exit(2);
  }
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  int zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (addr.ss_family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));  // dual-stack, as Go and nginx
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 1024) != 0) {
    std::fprintf(stderr, "weir-echo: listen %s: %s\n", endpoint.c_str(), std::strerror(errno));
    std::exit(1);
  }
  return fd;
}

int connectTo(const std::string& endpoint) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  if (!parseEndpoint(endpoint, &addr, &len)) {
    return -EINVAL;
  }
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

bool writeAll(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

ssize_t readSome(int fd, void* buf, size_t len) {
  while (true) {
    ssize_t n = read(fd, buf, len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      pollfd p{fd, POLLIN, 0};
      poll(&p, 1, errno == EAGAIN ? 10 : 0);
      continue;
    }
    return n;
  }
}

uint64_t nowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace weir::echo
