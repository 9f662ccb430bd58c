// Tunnels between two node proxies over one real loopback connection (plain TCP here: the TLS
// under it is tls/'s, tested there): application connections as CONNECT streams, bytes intact
// and in order both ways through flow control, half-closes, resets, many tunnels on one
// connection, and a refused tunnel.

#include "userspace-proxy/tunnel/mux.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "userspace-proxy/io/socket.h"

namespace weir::proxy::tunnel {
namespace {

void runUntil(io::Loop& loop, const std::function<bool()>& done) {
  auto deadline = io::Clock::now() + std::chrono::seconds(5);
  while (!done() && io::Clock::now() < deadline) {
    loop.runOnce(10);
  }
  ASSERT_TRUE(done()) << "loop did not get there within 5 s";
}

// A pattern that shows any reordering or loss: byte i is a function of i.
std::string pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>((i * 131 + i / 251 + static_cast<size_t>(seed)) & 0xff);
  }
  return s;
}

// The server end of a tunnel: echoes what it reads; once the peer half-closed, sends the rest
// and closes.
struct Echo : io::StreamHandler {
  io::Stream* s = nullptr;
  std::string authority;
  uint64_t echoed = 0;
  bool eof = false;
  int eofErr = 1;
  bool closed = false;
  bool holdOpen = false;  // stays open after the peer's half-close
  void onConnected(io::Stream&, int) override {}
  void onReadable(io::Stream& st) override {
    size_t n = st.inputBytes();
    echoed += n;
    st.forward(n, st);
  }
  void onEof(io::Stream& st, int err) override {
    eof = true;
    eofErr = err;
    if (!holdOpen) {
      st.closeWhenDrained();
    }
  }
  void onDrained(io::Stream&) override {}
  void onClosed(io::Stream&) override { closed = true; }
};

// The client end: records what comes back (or, deaf, leaves it unread).
struct Client : io::StreamHandler {
  bool deaf = false;
  std::string received;
  int connected = 1;
  int eof = 1;
  bool closed = false;
  void onConnected(io::Stream&, int err) override { connected = err; }
  void onReadable(io::Stream& s) override {
    while (s.hasInput() && !deaf) {
      auto b = s.peek();
      received.append(b.data(), b.size());
      s.consume(b.size());
    }
  }
  void onEof(io::Stream&, int err) override { eof = err; }
  void onDrained(io::Stream&) override {}
  void onClosed(io::Stream&) override { closed = true; }
};

// Accepts the carrier and starts the server Mux once the preface is in.
struct Server : io::AcceptHandler, io::StreamHandler {
  io::Loop* loop = nullptr;
  Mux* mux = nullptr;  // the last accepted
  std::vector<std::unique_ptr<Echo>> echoes;
  bool refuseAll = false;
  void onAccept(int fd) override { loop->adopt(fd, this); }
  void onConnected(io::Stream&, int) override {}
  void onReadable(io::Stream& s) override {
    if (s.inputBytes() < kPreface.size()) {
      return;
    }
    mux = Mux::server(*loop, s, nullptr, [this](io::Stream& vs, std::string_view authority) {
      if (refuseAll) {
        vs.close();
        return;
      }
      auto e = std::make_unique<Echo>();
      e->s = &vs;
      e->authority = std::string(authority);
      vs.setHandler(e.get());
      echoes.push_back(std::move(e));
    });
  }
  void onEof(io::Stream& s, int) override { s.close(); }
  void onDrained(io::Stream&) override {}
  void onClosed(io::Stream&) override {}
};

class MuxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = io::Loop::create(io::LoopOptions{.ringEntries = 512, .bufferCount = 256});
    ASSERT_TRUE(loop) << loop.error().str();
    loop_ = std::move(loop.value());
    auto fd = io::listenTcp(io::Address{htonl(INADDR_LOOPBACK), 0}, 64);
    ASSERT_TRUE(fd) << fd.error().str();
    listener_ = std::move(fd.value());
    at_ = io::localAddress(listener_.get()).value();
    server_.loop = loop_.get();
    loop_->listen(listener_.get(), &server_);
    auto carrier = loop_->connect(at_, nullptr);
    ASSERT_TRUE(carrier) << carrier.error().str();
    mux_ = Mux::client(*loop_, *carrier.value(), nullptr, [this](Mux&) { gone_ = true; });
  }

  std::unique_ptr<io::Loop> loop_;
  UniqueFd listener_;
  io::Address at_;
  Server server_;
  Mux* mux_ = nullptr;
  bool gone_ = false;
};

TEST_F(MuxTest, BytesGoBothWaysIntactThroughFlowControl) {
  Client c;
  io::Stream* s = mux_->open("10.244.2.10:8080", &c);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->isVirtual());
  const std::string sent = pattern(4 << 20, 1);  // 4 MiB: many windows
  s->sendCopy(sent);
  s->shutdownWriteWhenDrained();
  runUntil(*loop_, [&] { return c.eof != 1; });
  EXPECT_EQ(c.connected, 0);
  EXPECT_EQ(c.eof, 0);
  ASSERT_EQ(server_.echoes.size(), 1U);
  EXPECT_EQ(server_.echoes[0]->authority, "10.244.2.10:8080");
  ASSERT_EQ(c.received.size(), sent.size());
  EXPECT_TRUE(c.received == sent) << "bytes reordered or changed";
  s->close();
  runUntil(*loop_, [&] { return c.closed && server_.echoes[0]->closed; });
  EXPECT_EQ(mux_->tunnels(), 0U);
}

TEST_F(MuxTest, ManyTunnelsShareOneConnection) {
  constexpr int kTunnels = 50;
  std::vector<Client> clients(kTunnels);
  std::vector<io::Stream*> streams;
  for (int i = 0; i < kTunnels; ++i) {
    io::Stream* s = mux_->open("10.244.2.10:" + std::to_string(8000 + i), &clients[i]);
    ASSERT_NE(s, nullptr);
    s->sendCopy(pattern(100000 + static_cast<size_t>(i), i));
    s->shutdownWriteWhenDrained();
    streams.push_back(s);
  }
  runUntil(*loop_, [&] {
    for (auto& c : clients) {
      if (c.eof == 1) {
        return false;
      }
    }
    return true;
  });
  for (int i = 0; i < kTunnels; ++i) {
    EXPECT_TRUE(clients[i].received == pattern(100000 + static_cast<size_t>(i), i)) << i;
    streams[i]->close();
  }
  EXPECT_EQ(server_.echoes.size(), static_cast<size_t>(kTunnels));
  EXPECT_EQ(mux_->conn()->streams(), 0U);
  runUntil(*loop_, [&] { return mux_->tunnels() == 0; });
}

TEST_F(MuxTest, AClosedTunnelEndsOnlyItself) {
  Client a, b;
  io::Stream* sa = mux_->open("10.244.2.10:1", &a);
  io::Stream* sb = mux_->open("10.244.2.10:2", &b);
  sa->sendCopy("hello");
  sb->sendCopy("world");
  runUntil(*loop_, [&] { return a.received == "hello" && b.received == "world"; });
  sa->close();  // the server's end hears the end of the bytes
  runUntil(*loop_, [&] { return server_.echoes.size() == 2 && server_.echoes[0]->eof; });
  sb->sendCopy("!");
  runUntil(*loop_, [&] { return b.received == "world!"; });
  EXPECT_EQ(b.eof, 1);
  sb->close();
}

// Closing a tunnel is a socket's close: the peer hears the end of the bytes (a FIN, not a
// reset), and the stream is gone once the peer closes too. Short connections close this way
// by the thousand, and an HTTP/2 server counts resets as abuse.
TEST_F(MuxTest, ClosingATunnelIsAnEndNotAReset) {
  Client c;
  io::Stream* s = mux_->open("10.244.2.10:8080", &c);
  s->sendCopy("ping");
  runUntil(*loop_, [&] { return c.received == "ping"; });
  s->close();
  runUntil(*loop_, [&] { return server_.echoes.size() == 1 && server_.echoes[0]->eof; });
  EXPECT_EQ(server_.echoes[0]->eofErr, 0);
  runUntil(*loop_, [&] { return mux_->tunnels() == 0 && server_.echoes[0]->closed; });
  EXPECT_EQ(mux_->conn()->streams(), 0U);
}

// A close that leaves received bytes unread is a reset, as on a socket.
TEST_F(MuxTest, ClosingWithBytesUnreadResets) {
  Client c;
  c.deaf = true;
  io::Stream* s = mux_->open("10.244.2.10:8080", &c);
  s->sendCopy("ping");
  runUntil(*loop_, [&] { return s->hasInput(); });
  s->close();
  runUntil(*loop_, [&] { return server_.echoes.size() == 1 && server_.echoes[0]->eof; });
  EXPECT_LT(server_.echoes[0]->eofErr, 0);
  runUntil(*loop_, [&] { return mux_->tunnels() == 0; });
}

// A peer that keeps sending after the close gets a reset, and the stream is gone.
TEST_F(MuxTest, BytesAfterTheCloseAreAnsweredWithAReset) {
  Client c;
  io::Stream* s = mux_->open("10.244.2.10:8080", &c);
  s->sendCopy("ping");
  runUntil(*loop_, [&] { return c.received == "ping"; });
  ASSERT_EQ(server_.echoes.size(), 1U);
  server_.echoes[0]->holdOpen = true;
  s->close();
  runUntil(*loop_, [&] { return server_.echoes[0]->eof; });
  EXPECT_EQ(server_.echoes[0]->eofErr, 0);
  EXPECT_EQ(mux_->tunnels(), 1U) << "the stream waits for the peer's end";
  server_.echoes[0]->s->sendCopy("late");
  runUntil(*loop_, [&] { return mux_->tunnels() == 0; });
  EXPECT_EQ(mux_->conn()->streams(), 0U);
  server_.echoes[0]->s->close();
}

TEST_F(MuxTest, ARefusedTunnelEndsBeforeAnyByte) {
  server_.refuseAll = true;
  Client c;
  io::Stream* s = mux_->open("10.244.2.10:8080", &c);
  s->sendCopy("payload");
  runUntil(*loop_, [&] { return c.eof != 1 || c.connected < 0; });
  EXPECT_TRUE(c.received.empty());
  s->close();
}

// What happens when the client's certificate is renewed: the pool retires the connection.
// The tunnels under way carry on to their end; then the connection closes by itself.
TEST_F(MuxTest, ARetiredConnectionFinishesItsTunnelsThenCloses) {
  Client c;
  io::Stream* s = mux_->open("10.244.2.10:8080", &c);
  s->sendCopy("before");
  runUntil(*loop_, [&] { return c.received == "before"; });
  mux_->retire();
  EXPECT_FALSE(mux_->canOpen());
  Client late;
  EXPECT_EQ(mux_->open("10.244.2.10:8080", &late), nullptr);
  for (int i = 0; i < 20; ++i) {
    loop_->runOnce(5);  // time for a GOAWAY to go and come back
  }
  s->sendCopy(" after");
  runUntil(*loop_, [&] { return c.received == "before after" || c.eof != 1; });
  EXPECT_EQ(c.received, "before after");
  EXPECT_EQ(c.eof, 1) << "the retired connection ended a tunnel under way";
  EXPECT_FALSE(gone_);
  s->shutdownWriteWhenDrained();
  runUntil(*loop_, [&] { return c.eof != 1; });
  EXPECT_EQ(c.eof, 0);
  s->close();
  runUntil(*loop_, [&] { return gone_; });
}

// The server going away (GOAWAY) refuses the tunnels it had not taken: those report
// kTryAgain, which does not count against the endpoint, and the ones it took carry on.
TEST_F(MuxTest, TunnelsTheServerDidNotTakeAreToBeTriedAgain) {
  Client first;
  io::Stream* s = mux_->open("10.244.2.10:8080", &first);
  s->sendCopy("a");
  runUntil(*loop_, [&] { return first.received == "a"; });
  server_.mux->retire();
  Client late;
  io::Stream* l = mux_->open("10.244.2.10:8080", &late);  // crosses the GOAWAY on the wire
  ASSERT_NE(l, nullptr);
  runUntil(*loop_, [&] { return late.connected != 1; });
  EXPECT_EQ(late.connected, kTryAgain);
  EXPECT_FALSE(mux_->canOpen());
  s->sendCopy("b");
  runUntil(*loop_, [&] { return first.received == "ab"; });
  l->close();
  s->shutdownWriteWhenDrained();
  runUntil(*loop_, [&] { return first.eof != 1; });
  EXPECT_EQ(first.eof, 0);
  s->close();
  runUntil(*loop_, [&] { return gone_; });
}

// A pooled connection that carries no tunnel for the idle timeout goes; one that carries a
// tunnel stays however long the tunnel lasts.
TEST_F(MuxTest, AnIdleConnectionCloses) {
  mux_->setIdleTimeout(std::chrono::milliseconds(50));
  Client c;
  io::Stream* s = mux_->open("10.244.2.10:8080", &c);
  s->sendCopy("x");
  runUntil(*loop_, [&] { return c.received == "x"; });
  for (int i = 0; i < 30; ++i) {
    loop_->runOnce(10);  // well past the idle timeout, with the tunnel open
  }
  EXPECT_FALSE(gone_);
  EXPECT_TRUE(mux_->canOpen());
  s->close();
  runUntil(*loop_, [&] { return gone_; });
}

TEST_F(MuxTest, TheConnectionGoingAwayEndsItsTunnels) {
  Client c;
  io::Stream* s = mux_->open("10.244.2.10:8080", &c);
  s->sendCopy("x");
  runUntil(*loop_, [&] { return c.received == "x"; });
  mux_->conn()->close();
  runUntil(*loop_, [&] { return c.eof != 1 && gone_; });
  EXPECT_LT(c.eof, 0);
  s->close();
}

}  // namespace
}  // namespace weir::proxy::tunnel
