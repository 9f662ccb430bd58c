#include "common/admin/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <optional>
#include <system_error>

#include "common/base/log.h"
#include "common/http/status.h"

namespace weir::admin {

using Clock = std::chrono::steady_clock;

struct Server::Connection {
  enum class State { kReading, kWriting, kDraining };

  UniqueFd fd;
  uint64_t id = 0;
  State state = State::kReading;
  std::string in;   // request bytes received so far
  std::string out;  // rendered response
  size_t written = 0;
  Clock::time_point deadline;
  bool loopback = false;
};

namespace {

constexpr int kListenBacklog = 128;
// After accept() fails for lack of descriptors, leave the listener alone this long.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

spdlog::logger& adminLog() {
  static const auto kLogger = weir::logger("admin");
  return *kLogger;
}

bool peerIsLoopback(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return false;
  }
  if (ss.ss_family == AF_INET) {
    return (ntohl(reinterpret_cast<sockaddr_in&>(ss).sin_addr.s_addr) >> 24) == 127;
  }
  if (ss.ss_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<sockaddr_in6&>(ss).sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&a) ||
           (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
  }
  return false;
}

std::string render(const Response& resp, bool withBody, std::string_view allow = {}) {
  char length[24];
  auto* lengthEnd = std::to_chars(length, length + sizeof(length), resp.body.size()).ptr;
  char status[8];
  auto* statusEnd = std::to_chars(status, status + sizeof(status), resp.status).ptr;

  std::string out;
  out.reserve(128 + resp.contentType.size() + (withBody ? resp.body.size() : 0));
  out += "HTTP/1.1 ";
  out.append(status, statusEnd);
  out += ' ';
  out += http::reasonPhrase(resp.status);
  out += "\r\nContent-Type: ";
  out += resp.contentType;
  out += "\r\nContent-Length: ";
  out.append(length, lengthEnd);
  if (!allow.empty()) {
    out += "\r\nAllow: ";
    out += allow;
  }
  out += "\r\nConnection: close\r\n\r\n";
  if (withBody) {
    out += resp.body;
  }
  return out;
}

Response plain(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

// "1.2.3.4:80" or "[::1]:80".
Result<SocketAddress> parseAddress(const std::string& address) {
  auto bad = [&] {
    return plainError("parse admin address \"" + address + "\": expected ipv4:port or [ipv6]:port");
  };
  std::string host;
  std::string_view port;
  bool v6 = !address.empty() && address.front() == '[';
  if (v6) {
    size_t close = address.find("]:");
    if (close == std::string::npos) {
      return bad();
    }
    host = address.substr(1, close - 1);
    port = std::string_view(address).substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string::npos) {
      return bad();
    }
    host = address.substr(0, colon);
    port = std::string_view(address).substr(colon + 1);
  }
  uint16_t portNumber = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), portNumber);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size()) {
    return bad();
  }

  SocketAddress sa;
  if (v6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&sa.storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(portNumber);
    if (inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) != 1) {
      return bad();
    }
    sa.length = sizeof(sockaddr_in6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&sa.storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(portNumber);
    if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1) {
      return bad();
    }
    sa.length = sizeof(sockaddr_in);
  }
  return sa;
}

uint16_t boundPort(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
}

bool allows(const std::vector<std::string>& methods, std::string_view method) {
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

}  // namespace

Result<std::unique_ptr<Server>> Server::listen(const std::string& address, ServerOptions options) {
  auto parsed = parseAddress(address);
  if (!parsed) {
    return parsed.error();
  }
  SocketAddress& sa = *parsed;

  UniqueFd fd(::socket(sa.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return osError(errno, "socket " + address);
  }
  int one = 1;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    return osError(errno, "setsockopt SO_REUSEADDR " + address);
  }
  if (options.reusePort &&
      ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    return osError(errno, "setsockopt SO_REUSEPORT " + address);
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa.storage), sa.length) != 0) {
    return osError(errno, "bind " + address);
  }
  if (::listen(fd.get(), kListenBacklog) != 0) {
    return osError(errno, "listen " + address);
  }
  sockaddr_storage bound{};
  socklen_t boundLength = sizeof(bound);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &boundLength) != 0) {
    return osError(errno, "getsockname " + address);
  }
  UniqueFd wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake.valid()) {
    return osError(errno, "eventfd for admin server " + address);
  }
  return std::unique_ptr<Server>(
      new Server(std::move(fd), std::move(wake), boundPort(bound), address, options));
}

Server::Server(UniqueFd listener, UniqueFd wake, uint16_t port, std::string address,
               ServerOptions options)
    : listener_(std::move(listener)),
      wake_(std::move(wake)),
      port_(port),
      address_(std::move(address)),
      options_(options) {}

Server::~Server() { stop(); }

void Server::route(std::string path, Handler handler, std::vector<std::string> methods) {
  assert(!thread_.joinable() && "route() after start()");
  routes_[std::move(path)] = Route{std::move(handler), std::move(methods)};
}

Status Server::start() {
  if (thread_.joinable()) {
    return plainError("start admin server " + address_ + ": already started");
  }
  try {
    thread_ = std::thread(&Server::run, this);
  } catch (const std::system_error& e) {
    return osError(e.code().value(), "start admin server thread " + address_);
  }
  adminLog().info("admin_listening address={} port={}", address_, port_);
  return {};
}

void Server::stop() {
  if (!thread_.joinable()) {
    return;
  }
  uint64_t one = 1;
  // Cannot fail short of a counter overflow; the eventfd stays readable until the thread exits.
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof(one));
  if (thread_.get_id() == std::this_thread::get_id()) {
    return;  // called from a handler: the loop ends after this request
  }
  thread_.join();
}

void Server::run() {
  std::vector<Connection> conns;
  std::vector<pollfd> fds;
  while (true) {
    Clock::time_point now = Clock::now();
    for (Connection& c : conns) {
      if (now >= c.deadline) {
        onTimeout(c);
      }
    }
    std::erase_if(conns, [](const Connection& c) { return !c.fd.valid(); });

    fds.clear();
    fds.push_back({wake_.get(), POLLIN, 0});
    bool accepting = conns.size() < options_.maxConnections && now >= acceptPausedUntil_;
    if (accepting) {
      fds.push_back({listener_.get(), POLLIN, 0});
    }
    size_t first = fds.size();
    std::optional<Clock::time_point> wakeAt;
    if (!accepting && conns.size() < options_.maxConnections) {
      wakeAt = acceptPausedUntil_;
    }
    for (const Connection& c : conns) {
      short events = c.state == Connection::State::kWriting ? POLLOUT : POLLIN;
      fds.push_back({c.fd.get(), events, 0});
      wakeAt = wakeAt ? std::min(*wakeAt, c.deadline) : c.deadline;
    }
    int timeoutMs = -1;
    if (wakeAt) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(*wakeAt - now);
      timeoutMs = static_cast<int>(std::max<int64_t>(wait.count(), 0));
    }

    if (::poll(fds.data(), fds.size(), timeoutMs) < 0) {
      int err = errno;
      if (err != EINTR) {
        adminLog().error("admin_poll_failed error=\"{}\"", std::strerror(err));
      }
      continue;
    }
    if (fds[0].revents != 0) {
      break;  // stop()
    }
    for (size_t i = 0; i < conns.size(); ++i) {
      short revents = fds[first + i].revents;
      if (revents == 0) {
        continue;
      }
      if (conns[i].state == Connection::State::kWriting) {
        onWritable(conns[i]);
      } else {
        onReadable(conns[i]);
      }
    }
    std::erase_if(conns, [](const Connection& c) { return !c.fd.valid(); });
    if (accepting && fds[1].revents != 0) {
      acceptAll(conns);
    }
  }
  conns.clear();
}

void Server::acceptAll(std::vector<Connection>& conns) {
  while (conns.size() < options_.maxConnections) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) {
        return;
      }
      if (err == EINTR || err == ECONNABORTED) {
        continue;
      }
      // EMFILE, ENFILE, ENOBUFS, ENOMEM: the listener stays readable, so back off instead of
      // spinning on it.
      adminLog().warn("admin_accept_failed address={} error=\"{}\"", address_, std::strerror(err));
      acceptPausedUntil_ = Clock::now() + kAcceptPause;
      return;
    }
    Connection& c = conns.emplace_back();
    c.fd.reset(fd);
    c.loopback = peerIsLoopback(fd);
    c.id = nextConnectionId_++;
    c.deadline = Clock::now() + options_.timeout;
  }
}

void Server::onReadable(Connection& conn) {
  char buf[4096];
  ssize_t n = ::recv(conn.fd.get(), buf, sizeof(buf), 0);
  if (n < 0) {
    int err = errno;
    if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR) {
      conn.fd.reset();
    }
    return;
  }
  if (n == 0) {
    conn.fd.reset();  // peer closed: before a complete request there is nobody to answer
    return;
  }
  if (conn.state == Connection::State::kDraining) {
    return;  // bytes after the request (a body, a pipelined request) are discarded
  }

  // Re-parse only when the head may have progressed: a new line, the size limit, or the first
  // bytes (to refuse a non-HTTP client at once). Keeps one-byte writers from costing O(n^2).
  bool firstBytes = conn.in.empty();
  conn.in.append(buf, static_cast<size_t>(n));
  if (!firstBytes && std::memchr(buf, '\n', static_cast<size_t>(n)) == nullptr &&
      conn.in.size() <= kMaxHeadBytes) {
    return;
  }
  HeadResult head = parseRequestHead(conn.in);
  switch (head.state) {
    case HeadResult::State::kIncomplete:
      return;
    case HeadResult::State::kRejected:
      reject(conn, head.status, head.reason);
      return;
    case HeadResult::State::kComplete:
      head.request.fromLoopback = conn.loopback;
      respond(conn, head.request);
      return;
  }
}

void Server::onWritable(Connection& conn) {
  ssize_t n = ::send(conn.fd.get(), conn.out.data() + conn.written, conn.out.size() - conn.written,
                     MSG_NOSIGNAL);
  if (n < 0) {
    int err = errno;
    if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR) {
      conn.fd.reset();
    }
    return;
  }
  conn.written += static_cast<size_t>(n);
  if (conn.written < conn.out.size()) {
    return;
  }
  // Lingering close: send FIN, then read until the client closes. Closing with unread request
  // bytes would make the kernel send RST, which can destroy the response before it is read.
  ::shutdown(conn.fd.get(), SHUT_WR);
  conn.out = std::string();
  conn.state = Connection::State::kDraining;
  conn.deadline = Clock::now() + options_.timeout;
}

void Server::onTimeout(Connection& conn) {
  if (conn.state == Connection::State::kReading && !conn.in.empty()) {
    badRequests_.fetch_add(1, std::memory_order_relaxed);
    adminLog().debug("admin_request_timeout conn={} received={}", conn.id, conn.in.size());
    // Best effort, never waits: the connection is closed right after.
    std::string out = render(plain(408, "request timeout\n"), true);
    [[maybe_unused]] ssize_t n = ::send(conn.fd.get(), out.data(), out.size(), MSG_NOSIGNAL);
  }
  conn.fd.reset();
}

void Server::reject(Connection& conn, int status, std::string_view reason) {
  badRequests_.fetch_add(1, std::memory_order_relaxed);
  adminLog().debug("admin_bad_request conn={} status={} reason=\"{}\"", conn.id, status, reason);
  startWriting(conn, render(plain(status, std::string(reason) + "\n"), true));
}

void Server::respond(Connection& conn, const Request& req) {
  bool head = req.method == "HEAD";
  auto it = routes_.find(req.path);
  if (it == routes_.end()) {
    startWriting(conn, render(plain(404, "not found\n"), !head));
  } else if (const Route& route = it->second;
             !allows(route.methods, req.method) && !(head && allows(route.methods, "GET"))) {
    std::string allow;
    for (const std::string& m : route.methods) {
      allow += allow.empty() ? "" : ", ";
      allow += m;
      if (m == "GET" && !allows(route.methods, "HEAD")) {
        allow += ", HEAD";
      }
    }
    startWriting(conn, render(plain(405, "method not allowed\n"), !head, allow));
  } else {
    Response resp;
    try {
      resp = route.handler(req);
    } catch (const std::exception& e) {
      adminLog().error("admin_handler_failed conn={} path={} error=\"{}\"", conn.id, req.path,
                       e.what());
      resp = plain(500, "internal error\n");
    } catch (...) {
      adminLog().error("admin_handler_failed conn={} path={} error=unknown", conn.id, req.path);
      resp = plain(500, "internal error\n");
    }
    startWriting(conn, render(resp, !head));
  }
}

void Server::startWriting(Connection& conn, std::string response) {
  conn.in = std::string();
  conn.out = std::move(response);
  conn.state = Connection::State::kWriting;
  conn.deadline = Clock::now() + options_.timeout;
  onWritable(conn);
}

}  // namespace weir::admin
