#include "userspace-proxy/app/takeover.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/base/log.h"

namespace weir::proxy::app {

namespace {
constexpr size_t kMaxFds = 128;

Result<sockaddr_un> unixAddress(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) {
    return plainError("takeover socket path too long: " + path);
  }
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  return sa;
}

// Message: "<outbound count> <inbound count>\n" with the fds attached.
Status sendFds(int sock, const std::vector<int>& outbound, const std::vector<int>& inbound) {
  std::string header = std::to_string(outbound.size()) + " " + std::to_string(inbound.size()) + "\n";
  std::vector<int> fds = outbound;
  fds.insert(fds.end(), inbound.begin(), inbound.end());
  if (fds.size() > kMaxFds) {
    return plainError("too many listeners to hand over");
  }
  iovec iov{.iov_base = header.data(), .iov_len = header.size()};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  if (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
    return osError(errno, "send listeners");
  }
  return {};
}
}  // namespace

Result<Received> requestListeners(const std::string& path) {
  Received out;
  if (path.empty()) {
    return out;
  }
  auto sa = unixAddress(path);
  if (!sa) {
    return sa.error();
  }
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) {
    return osError(errno, "socket");
  }
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&sa.value()), sizeof(sockaddr_un)) != 0) {
    int err = errno;
    if (err == ENOENT || err == ECONNREFUSED) {
      return out;  // nobody serves it: first proxy
    }
    return osError(err, "connect " + path);
  }
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char header[64] = {};
  iovec iov{.iov_base = header, .iov_len = sizeof header - 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * kMaxFds));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n = ::recvmsg(sock.get(), &msg, MSG_CMSG_CLOEXEC);
  if (n <= 0) {
    return osError(n < 0 ? errno : EPIPE, "receive listeners from " + path);
  }
  std::vector<int> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      fds.resize(count);
      std::memcpy(fds.data(), CMSG_DATA(c), count * sizeof(int));
    }
  }
  unsigned outbound = 0;
  unsigned inbound = 0;
  if (std::sscanf(header, "%u %u", &outbound, &inbound) != 2 || outbound + inbound != fds.size()) {
    for (int fd : fds) {
      ::close(fd);
    }
    return plainError("malformed takeover message from " + path);
  }
  for (size_t i = 0; i < fds.size(); ++i) {
    (i < outbound ? out.listeners.outbound : out.listeners.inbound).emplace_back(fds[i]);
  }
  out.channel = std::move(sock);
  out.fromPeer = true;
  return out;
}

Status confirmTakeover(Received& received) {
  if (!received.fromPeer) {
    return {};
  }
  const char ok[] = "ok\n";
  if (::send(received.channel.get(), ok, sizeof ok - 1, MSG_NOSIGNAL) < 0) {
    return osError(errno, "confirm takeover");
  }
  received.channel.reset();
  return {};
}

Result<std::unique_ptr<TakeoverServer>> TakeoverServer::start(const std::string& path,
                                                              std::vector<int> outbound,
                                                              std::vector<int> inbound,
                                                              std::function<void()> onHandedOver) {
  std::unique_ptr<TakeoverServer> s(new TakeoverServer());
  s->path_ = path;
  s->outbound_ = std::move(outbound);
  s->inbound_ = std::move(inbound);
  s->onHandedOver_ = std::move(onHandedOver);
  auto sa = unixAddress(path);
  if (!sa) {
    return sa.error();
  }
  s->listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s->listener_.valid()) {
    return osError(errno, "socket");
  }
  ::unlink(path.c_str());  // a predecessor's (it handed over, or died)
  if (::bind(s->listener_.get(), reinterpret_cast<sockaddr*>(&sa.value()), sizeof(sockaddr_un)) !=
      0) {
    return osError(errno, "bind " + path);
  }
  ::chmod(path.c_str(), 0600);  // listeners are handed to root only
  if (::listen(s->listener_.get(), 4) != 0) {
    return osError(errno, "listen " + path);
  }
  s->stop_.reset(::eventfd(0, EFD_CLOEXEC));
  s->thread_ = std::thread([p = s.get()] { p->run(); });
  return s;
}

TakeoverServer::~TakeoverServer() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_.get(), &one, sizeof one);
  if (thread_.joinable()) {
    thread_.join();
  }
}

void TakeoverServer::run() {
  auto log = weir::logger("takeover");
  for (;;) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if (fds[1].revents != 0) {
      return;
    }
    UniqueFd peer(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!peer.valid()) {
      continue;
    }
    if (auto st = sendFds(peer.get(), outbound_, inbound_); !st) {
      log->warn("handover failed error=\"{}\"", st.error().str());
      continue;
    }
    timeval tv{.tv_sec = 10, .tv_usec = 0};
    ::setsockopt(peer.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[8] = {};
    ssize_t n = ::recv(peer.get(), buf, sizeof buf, 0);
    if (n >= 2 && buf[0] == 'o' && buf[1] == 'k') {
      log->info("listeners handed over path={}", path_);
      onHandedOver_();
      return;
    }
    log->warn("successor did not confirm the takeover; keeping the listeners");
  }
}

}  // namespace weir::proxy::app
