// Two h2::Conns, client and server, over a socket pair in one real io_uring loop: a request
// travels and is answered, and a leg the owner detaches hears nothing more, also when its
// request was still waiting in nghttp2's queue (the proxy's client session closing in the same
// round as its request arrived: the owner is gone by the time the HEADERS would go out).

#include "userspace-proxy/h2/conn.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "userspace-proxy/io/loop.h"

namespace weir::proxy::h2 {
namespace {

void runUntil(io::Loop& loop, const std::function<bool()>& done) {
  auto deadline = io::Clock::now() + std::chrono::seconds(5);
  while (!done() && io::Clock::now() < deadline) {
    loop.runOnce(10);
  }
  ASSERT_TRUE(done()) << "loop did not get there within 5 s";
}

// Answers every request with 200 and the request's :path as the body.
struct Server final : ConnHandler {
  std::vector<std::unique_ptr<Leg>> legs;
  std::vector<std::string> paths;
  void onHeaders(Conn& c, int32_t id, Leg* leg, Block block, Headers& h, bool) override {
    if (block != Block::kRequest || leg != nullptr) {
      return;
    }
    auto l = std::make_unique<Leg>();
    c.attach(id, *l);
    paths.emplace_back(find(h, ":path"));
    l->out.buf = paths.back();
    l->out.ended = true;
    c.response({{":status", "200"}}, *l, false);
    legs.push_back(std::move(l));
  }
  void onData(Conn& c, int32_t id, Leg*, const uint8_t*, size_t n) override { c.consume(id, n); }
  void onEnd(Conn&, int32_t, Leg*) override {}
  void onStreamClosed(Conn&, int32_t, Leg*, uint32_t) override {}
  void onConnClosed(Conn&, io::Stream&, int) override {}
  void onConnected(Conn&, int) override {}
};

// Records which legs heard which events.
struct Client final : ConnHandler {
  std::vector<const Leg*> heard;
  std::vector<const Leg*> closed;
  std::string body;
  void onHeaders(Conn&, int32_t, Leg* leg, Block, Headers&, bool) override { heard.push_back(leg); }
  void onData(Conn& c, int32_t id, Leg* leg, const uint8_t* d, size_t n) override {
    heard.push_back(leg);
    body.append(reinterpret_cast<const char*>(d), n);
    c.consume(id, n);
  }
  void onEnd(Conn&, int32_t, Leg* leg) override { heard.push_back(leg); }
  void onStreamClosed(Conn&, int32_t, Leg* leg, uint32_t) override { closed.push_back(leg); }
  void onConnClosed(Conn&, io::Stream&, int) override {}
  void onConnected(Conn&, int) override {}
};

Headers get(const std::string& path) {
  return {{":method", "GET"}, {":scheme", "http"}, {":authority", "books"}, {":path", path}};
}

struct Pair {
  std::unique_ptr<io::Loop> loop;
  Server server;
  Client client;
  std::unique_ptr<Conn> serverConn;
  std::unique_ptr<Conn> clientConn;

  Pair() {
    auto l = io::Loop::create(io::LoopOptions{});
    EXPECT_TRUE(l.ok());
    loop = std::move(l.value());
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    serverConn = std::make_unique<Conn>(*loop, *loop->adopt(fds[0], nullptr), Conn::Side::kServer,
                                        server);
    clientConn = std::make_unique<Conn>(*loop, *loop->adopt(fds[1], nullptr), Conn::Side::kClient,
                                        client);
    clientConn->markConnected();
  }
  ~Pair() {
    for (auto& leg : server.legs) {
      serverConn->detach(*leg);
    }
    clientConn.reset();
    serverConn.reset();
    loop->runOnce(0);
  }
};

TEST(H2Conn, RequestIsAnswered) {
  Pair p;
  Leg leg;
  ASSERT_GT(p.clientConn->request(get("/books/1"), leg, true), 0);
  runUntil(*p.loop, [&] { return p.client.closed.size() == 1; });
  EXPECT_EQ(p.client.body, "/books/1");
  EXPECT_EQ(p.client.closed[0], &leg);
}

TEST(H2Conn, LegDetachedBeforeItsRequestWentOutHearsNothing) {
  Pair p;
  auto gone = std::make_unique<Leg>();
  const Leg* goneAddr = gone.get();
  Leg kept;
  ASSERT_GT(p.clientConn->request(get("/gone"), *gone, true), 0);
  ASSERT_GT(p.clientConn->request(get("/kept"), kept, true), 0);
  // Same round, before the connection wrote anything: the owner drops the first request.
  p.clientConn->detach(*gone);
  gone.reset();
  runUntil(*p.loop, [&] { return p.client.closed.size() >= 1 && !p.client.body.empty(); });
  for (int i = 0; i < 5; ++i) {
    p.loop->runOnce(10);  // anything late for the detached leg would arrive now
  }
  EXPECT_EQ(p.server.paths, std::vector<std::string>{"/kept"});  // the first never went out
  for (const Leg* leg : p.client.heard) {
    EXPECT_NE(leg, goneAddr);
  }
  EXPECT_EQ(p.client.closed, std::vector<const Leg*>{&kept});
  EXPECT_EQ(p.client.body, "/kept");
}

TEST(H2Conn, LegDetachedWhileItsStreamIsOpenHearsNothing) {
  Pair p;
  Leg gone;
  ASSERT_GT(p.clientConn->request(get("/gone"), gone, true), 0);
  runUntil(*p.loop, [&] { return p.server.paths.size() == 1; });  // the stream is open
  p.clientConn->detach(gone);
  Leg kept;
  ASSERT_GT(p.clientConn->request(get("/kept"), kept, true), 0);
  runUntil(*p.loop, [&] { return p.client.closed.size() == 1; });
  for (const Leg* leg : p.client.heard) {
    EXPECT_NE(leg, &gone);
  }
  EXPECT_EQ(p.client.closed, std::vector<const Leg*>{&kept});
}

}  // namespace
}  // namespace weir::proxy::h2
