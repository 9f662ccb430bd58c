#pragma once

// A worker's connections to other nodes' proxies, one set per (node proxy, server identity,
// client identity): a new application connection opens a tunnel on a connection that has room,
// or a new connection when none has. A connection made with a credential that has since been
// renewed takes no new tunnels and closes once its tunnels ended; so does one idle past the
// idle timeout (the outbound pool's).

#include <openssl/ssl.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/result.h"
#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/metrics/registry.h"
#include "userspace-proxy/tunnel/mux.h"

namespace weir::proxy::tunnel {

class Pool {
 public:
  // A connection that carried no tunnel for `idleTimeout` closes (0: never).
  Pool(io::Loop& loop, metrics::Registry* registry, io::Clock::duration idleTimeout)
      : loop_(loop), registry_(registry), idleTimeout_(idleTimeout) {}
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A virtual stream to `authority` through the proxy at `nodeProxy`, on a connection that
  // presents the certificate of `clientCtx` (for `clientIdentity`) and requires
  // `serverIdentity`. Its handler hears onConnected when the peer accepted the tunnel.
  Result<io::Stream*> open(const io::Address& nodeProxy, SSL_CTX* clientCtx,
                           std::string_view clientIdentity, const std::string& serverIdentity,
                           std::string_view authority, io::StreamHandler* handler);

  size_t connections() const;

 private:
  struct Entry {
    Mux* mux;
    SSL_CTX* ctx;  // the credential it was made with
  };
  void forget(Mux& mux);

  io::Loop& loop_;
  metrics::Registry* registry_;
  io::Clock::duration idleTimeout_;
  std::unordered_map<std::string, std::vector<Entry>> byKey_;
};

}  // namespace weir::proxy::tunnel
