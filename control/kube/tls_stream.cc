#include "control/kube/tls_stream.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <csignal>
#include <ctime>

#include "common/identity/pem.h"
#include "control/kube/tls_context.h"

namespace weir::control::kube {

namespace {

using Clock = std::chrono::steady_clock;

// OpenSSL writes with write(2); a peer that reset the connection would raise SIGPIPE and kill the
// process. Block it on this thread for the duration of one TLS call and swallow what it raised.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    wasPending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &saved_);
  }
  ~SigpipeGuard() {
    if (!wasPending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        timespec zero{};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t saved_{};
  bool wasPending_ = false;
};

// Waits until `fd` has `events`, the deadline passes (ETIMEDOUT) or cancelFd is readable
// (ECANCELED).
Status waitOn(int fd, short events, int cancelFd, Clock::time_point deadline,
              std::string_view what) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return Error{ETIMEDOUT, std::string(what)};
    }
    pollfd fds[2] = {{fd, events, 0}, {cancelFd, POLLIN, 0}};
    int n = ::poll(fds, cancelFd >= 0 ? 2 : 1,
                   static_cast<int>(std::min<int64_t>(left.count(), 60000)));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return osError(errno, std::string(what));
    }
    if (cancelFd >= 0 && (fds[1].revents & POLLIN) != 0) {
      return Error{ECANCELED, std::string(what)};
    }
    if (fds[0].revents != 0) {
      return {};  // ready, or an error the next call reports precisely
    }
  }
}

Result<UniqueFd> connectTcp(const ClusterConfig& config, int cancelFd, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(config.port);
  if (int rc = ::getaddrinfo(config.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return plainError("resolve " + config.host + ": " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);

  Error last = plainError("connect " + config.authority() + ": no address");
  for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd.valid()) {
      last = osError(errno, "socket for " + config.authority());
      continue;
    }
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last = osError(errno, "connect " + config.authority());
        continue;
      }
      if (auto st = waitOn(fd.get(), POLLOUT, cancelFd, deadline, "connect " + config.authority());
          !st) {
        return st.error();  // timeout or cancel: no point trying the next address
      }
      int soError = 0;
      socklen_t len = sizeof(soError);
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &soError, &len);
      if (soError != 0) {
        last = osError(soError, "connect " + config.authority());
        continue;
      }
    }
    return fd;
  }
  return last;
}

bool isIpLiteral(const std::string& name) {
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, name.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

Status checkServerName(SSL* ssl, const std::string& name) {
  if (isIpLiteral(name)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) != 1) {
      return plainError("tls: set expected IP " + name + ": " + identity::takeOpensslErrors());
    }
    return {};
  }
  if (SSL_set_tlsext_host_name(ssl, name.c_str()) != 1 || SSL_set1_host(ssl, name.c_str()) != 1) {
    return plainError("tls: set expected host " + name + ": " + identity::takeOpensslErrors());
  }
  return {};
}

}  // namespace

Result<TlsStream> TlsStream::connect(SSL_CTX* ctx, const ClusterConfig& config,
                                     std::chrono::milliseconds timeout, int cancelFd) {
  Clock::time_point deadline = Clock::now() + timeout;
  auto fd = connectTcp(config, cancelFd, deadline);
  if (!fd) {
    return fd.error();
  }
  SslPtr ssl(SSL_new(ctx));
  if (!ssl || SSL_set_fd(ssl.get(), fd->get()) != 1) {
    return plainError("tls: new session: " + identity::takeOpensslErrors());
  }
  if (!config.insecureSkipTlsVerify) {
    if (auto st = checkServerName(
            ssl.get(), config.tlsServerName.empty() ? config.host : config.tlsServerName);
        !st) {
      return st.error();
    }
  } else if (!config.tlsServerName.empty() && !isIpLiteral(config.tlsServerName)) {
    SSL_set_tlsext_host_name(ssl.get(), config.tlsServerName.c_str());
  }

  TlsStream stream(std::move(*fd), std::move(ssl), cancelFd, config.authority());
  std::string what = "tls handshake with " + stream.peer_;
  SigpipeGuard guard;
  for (;;) {
    ERR_clear_error();
    int rc = SSL_connect(stream.ssl_.get());
    if (rc == 1) {
      return stream;
    }
    int err = SSL_get_error(stream.ssl_.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (auto st = stream.waitFor(err, deadline, what); !st) {
        return st.error();
      }
      continue;
    }
    long verify = SSL_get_verify_result(stream.ssl_.get());
    if (verify != X509_V_OK) {
      identity::takeOpensslErrors();
      return plainError(what +
                        ": server certificate rejected: " + X509_verify_cert_error_string(verify));
    }
    if (err == SSL_ERROR_SYSCALL && errno != 0) {
      return osError(errno, what);
    }
    std::string detail = identity::takeOpensslErrors();
    return plainError(what + ": " + (detail.empty() ? "connection closed" : detail));
  }
}

Status TlsStream::waitFor(int sslError, Clock::time_point deadline, std::string_view what) {
  return waitOn(fd_.get(), sslError == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, cancelFd_, deadline,
                what);
}

Status TlsStream::writeAll(std::string_view data, std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  std::string what = "write to " + peer_;
  SigpipeGuard guard;
  while (!data.empty()) {
    ERR_clear_error();
    int n = SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()));
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    int err = SSL_get_error(ssl_.get(), n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (auto st = waitFor(err, deadline, what); !st) {
        return st;
      }
      continue;
    }
    if (err == SSL_ERROR_SYSCALL && errno != 0) {
      return osError(errno, what);
    }
    return plainError(what + ": " + identity::takeOpensslErrors());
  }
  return {};
}

Result<size_t> TlsStream::read(char* buf, size_t size, std::chrono::milliseconds idleTimeout) {
  Clock::time_point deadline = Clock::now() + idleTimeout;
  std::string_view what = "read from API server";
  SigpipeGuard guard;  // a TLS 1.3 read may write (key update)
  for (;;) {
    ERR_clear_error();
    int n = SSL_read(ssl_.get(), buf, static_cast<int>(std::min<size_t>(size, 1 << 30)));
    if (n > 0) {
      return static_cast<size_t>(n);
    }
    int err = SSL_get_error(ssl_.get(), n);
    switch (err) {
      case SSL_ERROR_ZERO_RETURN:
        return size_t{0};
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        if (auto st = waitFor(err, deadline, what); !st) {
          return Error{st.error().code, st.error().context + " " + peer_};
        }
        continue;
      case SSL_ERROR_SYSCALL:
        if (errno == 0) {
          return size_t{0};
        }
        return osError(errno, "read from " + peer_);
      default:
        return plainError("read from " + peer_ + ": " + identity::takeOpensslErrors());
    }
  }
}

}  // namespace weir::control::kube
