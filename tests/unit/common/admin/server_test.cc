#include "common/admin/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace weir::admin {
namespace {

// A client socket connected to 127.0.0.1:port; reads give up after 10 s so a hung server fails
// the test instead of hanging it.
UniqueFd connectTo(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  EXPECT_TRUE(fd.valid()) << std::strerror(errno);
  timeval tv{10, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0)
      << std::strerror(errno);
  return fd;
}

void sendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << std::strerror(errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Everything the server sends until it closes the connection.
std::string readAll(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n == 0) {
      return out;
    }
    if (n < 0) {
      ADD_FAILURE() << "recv: " << std::strerror(errno) << " after " << out.size() << " bytes";
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string exchange(uint16_t port, std::string_view request) {
  UniqueFd fd = connectTo(port);
  sendAll(fd.get(), request);
  return readAll(fd.get());
}

std::string statusLine(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { SetUpWith({}); }

  void SetUpWith(ServerOptions options) {
    auto server = Server::listen("127.0.0.1:0", options);
    ASSERT_TRUE(server.ok()) << server.error().str();
    server_ = std::move(*server);
    ASSERT_NE(server_->port(), 0);
    server_->route("/metrics", [](const Request& req) {
      Response r;
      r.contentType = "text/plain; version=0.0.4; charset=utf-8";
      r.body = "up 1\n";
      if (!req.query.empty()) {
        r.body += "# query " + req.query + "\n";
      }
      return r;
    });
    server_->route("/ready", [](const Request&) { return Response{200, "text/plain", "ready\n"}; });
    server_->route("/shutdown",
                   [](const Request&) {
                     return Response{200, "text/plain", "shutdown\n"};
                   },
                   {"POST"});
    server_->route("/throws", [](const Request&) -> Response { throw std::runtime_error("boom"); });
    ASSERT_TRUE(server_->start().ok());
  }

  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, GetMetrics) {
  EXPECT_EQ(exchange(server_->port(), "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: 5\r\n"
            "Connection: close\r\n"
            "\r\n"
            "up 1\n");
  EXPECT_EQ(server_->badRequests(), 0u);
}

TEST_F(ServerTest, QueryReachesHandler) {
  std::string resp = exchange(server_->port(), "GET /metrics?x=1 HTTP/1.0\r\n\r\n");
  EXPECT_NE(resp.find("\r\n\r\nup 1\n# query x=1\n"), std::string::npos) << resp;
}

TEST_F(ServerTest, HeadHasLengthButNoBody) {
  EXPECT_EQ(exchange(server_->port(), "HEAD /ready HTTP/1.1\r\n\r\n"),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 6\r\n"
            "Connection: close\r\n"
            "\r\n");
}

TEST_F(ServerTest, UnknownPathIs404) {
  std::string resp = exchange(server_->port(), "GET /nope HTTP/1.1\r\n\r\n");
  EXPECT_EQ(statusLine(resp), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(server_->badRequests(), 0u);
}

TEST_F(ServerTest, GarbageIs400AndCounted) {
  std::string resp = exchange(server_->port(), "\x16\x03\x01\x02\x00");
  EXPECT_EQ(statusLine(resp), "HTTP/1.1 400 Bad Request");
  resp = exchange(server_->port(), "hello there\r\n\r\n");
  EXPECT_EQ(statusLine(resp), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(server_->badRequests(), 2u);
}

TEST_F(ServerTest, OversizedHeadIs431) {
  std::string req = "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
  std::string resp = exchange(server_->port(), req);
  EXPECT_EQ(statusLine(resp), "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_EQ(server_->badRequests(), 1u);
}

TEST_F(ServerTest, WrongMethodIs405WithAllow) {
  std::string resp = exchange(server_->port(), "POST /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(statusLine(resp), "HTTP/1.1 405 Method Not Allowed");
  EXPECT_NE(resp.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos) << resp;

  resp = exchange(server_->port(), "GET /shutdown HTTP/1.1\r\n\r\n");
  EXPECT_EQ(statusLine(resp), "HTTP/1.1 405 Method Not Allowed");
  EXPECT_NE(resp.find("\r\nAllow: POST\r\n"), std::string::npos) << resp;
}

TEST_F(ServerTest, PostRouteWithBody) {
  std::string resp =
      exchange(server_->port(), "POST /shutdown HTTP/1.1\r\nContent-Length: 4\r\n\r\nnow!");
  EXPECT_EQ(statusLine(resp), "HTTP/1.1 200 OK");
  EXPECT_NE(resp.find("\r\n\r\nshutdown\n"), std::string::npos) << resp;
}

TEST_F(ServerTest, HandlerExceptionIs500) {
  std::string resp = exchange(server_->port(), "GET /throws HTTP/1.1\r\n\r\n");
  EXPECT_EQ(statusLine(resp), "HTTP/1.1 500 Internal Server Error");
}

TEST_F(ServerTest, RequestSplitAcrossWrites) {
  UniqueFd fd = connectTo(server_->port());
  sendAll(fd.get(), "GET /rea");
  sendAll(fd.get(), "dy HTTP/1.1\r\nHo");
  sendAll(fd.get(), "st: x\r\n\r\n");
  EXPECT_EQ(statusLine(readAll(fd.get())), "HTTP/1.1 200 OK");
}

class LongTimeoutServerTest : public ServerTest {
 protected:
  // Longer than the clients' 10 s receive timeout: a server that waited for the idle connections
  // would fail the test rather than slow it down.
  void SetUp() override { SetUpWith({.timeout = std::chrono::seconds(60)}); }
};

TEST_F(LongTimeoutServerTest, IdleClientDoesNotBlockOthers) {
  UniqueFd idle = connectTo(server_->port());
  UniqueFd partial = connectTo(server_->port());
  sendAll(partial.get(), "GET /metrics HTTP/1.1\r\n");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(statusLine(exchange(server_->port(), "GET /ready HTTP/1.1\r\n\r\n")),
              "HTTP/1.1 200 OK");
  }
}

TEST(ServerStopTest, StopFromHandlerAnswersThenStops) {
  auto listened = Server::listen("127.0.0.1:0");
  ASSERT_TRUE(listened.ok()) << listened.error().str();
  Server& server = **listened;
  server.route("/shutdown",
               [&server](const Request&) {
                 server.stop();
                 return Response{200, "text/plain", "bye\n"};
               },
               {"POST"});
  ASSERT_TRUE(server.start().ok());
  std::string resp = exchange(server.port(), "POST /shutdown HTTP/1.1\r\n\r\n");
  EXPECT_NE(resp.find("\r\n\r\nbye\n"), std::string::npos) << resp;
  server.stop();  // joins the thread, which has left its loop
}

TEST_F(ServerTest, StopIsIdempotent) {
  server_->stop();
  server_->stop();
}

class ShortTimeoutServerTest : public ServerTest {
 protected:
  void SetUp() override { SetUpWith({.timeout = std::chrono::milliseconds(100)}); }
};

TEST_F(ShortTimeoutServerTest, PartialRequestGets408) {
  UniqueFd fd = connectTo(server_->port());
  sendAll(fd.get(), "GET /metrics HTTP/1.1\r\nHost");
  EXPECT_EQ(statusLine(readAll(fd.get())), "HTTP/1.1 408 Request Timeout");
  EXPECT_EQ(server_->badRequests(), 1u);
}

TEST_F(ShortTimeoutServerTest, IdleConnectionIsClosed) {
  UniqueFd fd = connectTo(server_->port());
  EXPECT_EQ(readAll(fd.get()), "");
  EXPECT_EQ(server_->badRequests(), 0u);
}

TEST(ServerListenTest, PortInUseNamesAddressAndErrno) {
  auto first = Server::listen("127.0.0.1:0");
  ASSERT_TRUE(first.ok()) << first.error().str();
  std::string address = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = Server::listen(address);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, EADDRINUSE);
  EXPECT_EQ(second.error().str(), "bind " + address + ": " + std::strerror(EADDRINUSE));
}

TEST(ServerListenTest, BadAddresses) {
  for (const char* address :
       {"", "127.0.0.1", "localhost:80", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:8x", "::1:80",
        "[::1]", "[::1]80", "[nope]:80", "1.2.3:80"}) {
    auto server = Server::listen(address);
    EXPECT_FALSE(server.ok()) << address;
    if (!server.ok()) {
      EXPECT_NE(server.error().str().find("parse admin address"), std::string::npos) << address;
    }
  }
}

TEST(ServerListenTest, Ipv6Loopback) {
  auto server = Server::listen("[::1]:0");
  if (!server.ok() &&
      (server.error().code == EADDRNOTAVAIL || server.error().code == EAFNOSUPPORT)) {
    GTEST_SKIP() << "no IPv6 here: " << server.error().str();
  }
  ASSERT_TRUE(server.ok()) << server.error().str();
  EXPECT_NE((*server)->port(), 0);
}

}  // namespace
}  // namespace weir::admin
