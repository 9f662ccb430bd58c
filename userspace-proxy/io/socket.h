#pragma once

// Sockets of the proxy: listeners (SO_REUSEPORT, so every worker has its own accept queue and a
// new proxy can bind beside a draining one), upstream sockets, addresses. Every socket is left
// blocking: io_uring waits for readiness itself, while on an O_NONBLOCK socket a send into a
// full buffer would complete with EAGAIN instead of waiting.

#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/fd.h"
#include "common/base/result.h"

namespace weir::proxy::io {

struct Address {
  uint32_t ip4 = 0;   // network order
  uint16_t port = 0;  // host order
  bool operator==(const Address&) const = default;
  sockaddr_in sockaddr() const;
  std::string str() const;  // "10.0.0.1:80"
};

struct AddressHash {
  size_t operator()(const Address& a) const { return (static_cast<size_t>(a.ip4) << 16) ^ a.port; }
};

// "IP:PORT" (IPv4).
Result<Address> parseAddress(std::string_view text);

// A TCP listener with SO_REUSEADDR and SO_REUSEPORT.
Result<UniqueFd> listenTcp(const Address& at, int backlog);
// The address a socket is bound to (port 0 resolved).
Result<Address> localAddress(int fd);
Result<Address> peerAddress(int fd);
// A TCP socket for an upstream connection (TCP_NODELAY set).
Result<UniqueFd> upstreamSocket();
// Sets TCP_NODELAY on an accepted socket.
void setNoDelay(int fd);

}  // namespace weir::proxy::io
