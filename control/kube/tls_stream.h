#pragma once

// One TLS connection to the API server. Calls block the caller, but every wait is a poll() with
// a timeout that also watches a cancel fd, so a stuck peer or a stop() never hangs a thread.

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/fd.h"
#include "common/base/result.h"
#include "control/kube/cluster_config.h"

namespace weir::control::kube {

struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

class TlsStream {
 public:
  // Resolves config.host, connects (within `timeout`, over all addresses) and completes the TLS
  // handshake, checking the certificate's DNS name or IP address against config.tlsServerName
  // (or config.host) unless config.insecureSkipTlsVerify. `cancelFd` (-1: none) aborts any wait
  // once readable; the error then carries ECANCELED.
  static Result<TlsStream> connect(SSL_CTX* ctx, const ClusterConfig& config,
                                   std::chrono::milliseconds timeout, int cancelFd);

  Status writeAll(std::string_view data, std::chrono::milliseconds timeout);
  // Up to `size` bytes; 0 when the peer closed. Fails with ETIMEDOUT when nothing arrives for
  // `idleTimeout`, ECANCELED on cancel, or a socket/TLS error.
  Result<size_t> read(char* buf, size_t size, std::chrono::milliseconds idleTimeout);

  const std::string& peer() const { return peer_; }

 private:
  TlsStream(UniqueFd fd, SslPtr ssl, int cancelFd, std::string peer)
      : fd_(std::move(fd)), ssl_(std::move(ssl)), cancelFd_(cancelFd), peer_(std::move(peer)) {}

  // Drives one SSL_* call through WANT_READ/WANT_WRITE until it returns > 0 (or 0 at EOF for
  // reads).
  Status waitFor(int sslError, std::chrono::steady_clock::time_point deadline,
                 std::string_view what);

  UniqueFd fd_;
  SslPtr ssl_;
  int cancelFd_ = -1;
  std::string peer_;  // "host:port" for errors
};

}  // namespace weir::control::kube
