#include "userspace-proxy/io/socket.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>

namespace weir::proxy::io {

sockaddr_in Address::sockaddr() const {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = ip4;
  sa.sin_port = htons(port);
  return sa;
}

std::string Address::str() const {
  char buf[INET_ADDRSTRLEN] = {};
  in_addr a{.s_addr = ip4};
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(port);
}

Result<Address> parseAddress(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return plainError("\"" + std::string(text) + "\": expected IP:PORT");
  }
  std::string host(text.substr(0, colon));
  in_addr a{};
  if (::inet_pton(AF_INET, host.c_str(), &a) != 1) {
    return plainError("\"" + std::string(text) + "\": not an IPv4 address");
  }
  unsigned port = 0;
  const char* p = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  auto [last, ec] = std::from_chars(p, end, port);
  if (ec != std::errc() || last != end || port > 65535 || p == end) {
    return plainError("\"" + std::string(text) + "\": bad port");
  }
  return Address{a.s_addr, static_cast<uint16_t>(port)};
}

Result<UniqueFd> listenTcp(const Address& at, int backlog) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return osError(errno, "socket");
  }
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    return osError(errno, "SO_REUSEPORT");
  }
  sockaddr_in sa = at.sockaddr();
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    return osError(errno, "bind " + at.str());
  }
  if (::listen(fd.get(), backlog) != 0) {
    return osError(errno, "listen " + at.str());
  }
  return fd;
}

namespace {
Result<Address> toAddress(const sockaddr_storage& ss, const char* what) {
  if (ss.ss_family != AF_INET) {
    return plainError(std::string(what) + ": not IPv4");
  }
  const auto& sa = reinterpret_cast<const sockaddr_in&>(ss);
  return Address{sa.sin_addr.s_addr, ntohs(sa.sin_port)};
}
}  // namespace

Result<Address> localAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return osError(errno, "getsockname");
  }
  return toAddress(ss, "getsockname");
}

Result<Address> peerAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return osError(errno, "getpeername");
  }
  return toAddress(ss, "getpeername");
}

Result<UniqueFd> upstreamSocket() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return osError(errno, "socket");
  }
  setNoDelay(fd.get());
  return fd;
}

void setNoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace weir::proxy::io
