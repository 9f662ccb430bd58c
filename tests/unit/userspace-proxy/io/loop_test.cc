// One worker's loop over real loopback sockets: accepting, connecting, forwarding received
// buffers between streams without copying, back-pressure, half-close, connection errors,
// closing with operations in flight, and timers waking the loop.

#include "userspace-proxy/io/loop.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "userspace-proxy/io/socket.h"

namespace weir::proxy::io {
namespace {

using std::chrono::milliseconds;

// Runs the loop until `done` or 5 seconds of rounds have passed (a hung test fails, not hangs).
void runUntil(Loop& loop, const std::function<bool()>& done) {
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!done() && Clock::now() < deadline) {
    loop.runOnce(10);
  }
  ASSERT_TRUE(done()) << "loop did not get there within 5 s";
}

// Records what happens to the streams it handles; optional reactions.
struct Events : StreamHandler {
  std::string received;
  int connected = 1;  // 1: not yet
  int eof = 1;
  int closed = 0;
  int drained = 0;
  bool consume = true;
  std::function<void(Stream&)> onRead;
  void onConnected(Stream&, int err) override { connected = err; }
  void onReadable(Stream& s) override {
    if (onRead) {
      onRead(s);
      return;
    }
    while (consume && s.hasInput()) {
      auto bytes = s.peek();
      received.append(bytes.data(), bytes.size());
      s.consume(bytes.size());
    }
  }
  void onEof(Stream&, int err) override { eof = err; }
  void onDrained(Stream&) override { ++drained; }
  void onClosed(Stream&) override { ++closed; }
};

struct Acceptor : AcceptHandler {
  Loop* loop = nullptr;
  StreamHandler* handler = nullptr;
  Stream* last = nullptr;
  int accepted = 0;
  void onAccept(int fd) override {
    ++accepted;
    last = loop->adopt(fd, handler);
  }
};

class LoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = Loop::create(LoopOptions{.ringEntries = 256, .bufferCount = 64, .bufferSize = 4096});
    ASSERT_TRUE(loop) << loop.error().str();
    loop_ = std::move(loop.value());
    auto fd = listenTcp(Address{htonl(INADDR_LOOPBACK), 0}, 64);
    ASSERT_TRUE(fd) << fd.error().str();
    listener_ = std::move(fd.value());
    auto at = localAddress(listener_.get());
    ASSERT_TRUE(at);
    at_ = at.value();
    acceptor_.loop = loop_.get();
    acceptor_.handler = &server_;
    loop_->listen(listener_.get(), &acceptor_);
  }

  // A client stream connected to the listener, and the server's side of it.
  std::pair<Stream*, Stream*> connectPair() {
    int before = acceptor_.accepted;
    auto c = loop_->connect(at_, &client_);
    EXPECT_TRUE(c);
    runUntil(*loop_, [&] { return client_.connected != 1 && acceptor_.accepted > before; });
    EXPECT_EQ(client_.connected, 0);
    return {c.value(), acceptor_.last};
  }

  std::unique_ptr<Loop> loop_;
  UniqueFd listener_;
  Address at_;
  Events client_;
  Events server_;
  Acceptor acceptor_;
};

TEST_F(LoopTest, BytesArriveInOrderAndEofFollowsHalfClose) {
  auto [client, server] = connectPair();
  client->sendCopy("hello, ");
  client->sendCopy("world");
  client->shutdownWriteWhenDrained();
  runUntil(*loop_, [&] { return server_.eof == 0; });
  EXPECT_EQ(server_.received, "hello, world");
  EXPECT_EQ(server->bytesRead(), 12u);
  EXPECT_EQ(client->bytesWritten(), 12u);
  // The other direction still works after the client's half-close.
  server->sendCopy("bye");
  server->closeWhenDrained();
  runUntil(*loop_, [&] { return client_.received == "bye" && client_.eof == 0; });
  runUntil(*loop_, [&] { return server_.closed == 1; });
  client->close();
  runUntil(*loop_, [&] { return client_.closed == 1; });
  EXPECT_EQ(loop_->streams(), 0u);
}

TEST_F(LoopTest, ForwardMovesReceivedBuffersToAnotherStream) {
  // The server forwards what it reads straight back: an echo without a copy.
  server_.onRead = [](Stream& s) { s.forward(s.inputBytes(), s); };
  auto [client, server] = connectPair();
  std::string payload;
  for (int i = 0; i < 100000; ++i) {
    payload += static_cast<char>('a' + i % 26);
  }
  client->sendCopy(payload);
  runUntil(*loop_, [&] { return client_.received.size() == payload.size(); });
  EXPECT_EQ(client_.received, payload);
  EXPECT_EQ(loop_->buffers().lent(), 0u) << "every receive buffer went back to the kernel";
  client->close();
  server->close();
  runUntil(*loop_, [&] { return loop_->streams() == 0; });
}

TEST_F(LoopTest, PausedReaderStopsTheSenderAtTheHighWaterMark) {
  server_.consume = false;  // the server holds what it receives
  auto [client, server] = connectPair();
  server->pauseReading();
  std::string chunk(64 * 1024, 'x');
  size_t sent = 0;
  // Queue far more than the socket buffers hold; the outbox keeps the rest.
  for (int i = 0; i < 64; ++i) {
    client->sendCopy(chunk);
    sent += chunk.size();
  }
  for (int i = 0; i < 50; ++i) {
    loop_->runOnce(5);
  }
  EXPECT_GT(client->queued(), kHighWater) << "the kernel cannot hold 4 MiB for a paused reader";
  EXPECT_EQ(client_.drained, 0);
  server_.consume = true;
  server->resumeReading();
  runUntil(*loop_, [&] { return server_.received.size() == sent; });
  EXPECT_GE(client_.drained, 1) << "the sender heard that its outbox drained";
  client->close();
  server->close();
  runUntil(*loop_, [&] { return loop_->streams() == 0; });
}

TEST_F(LoopTest, ConnectionRefusedIsReported) {
  // A port nobody listens on: bind one, note it, close it.
  auto fd = listenTcp(Address{htonl(INADDR_LOOPBACK), 0}, 1);
  ASSERT_TRUE(fd);
  Address dead = localAddress(fd.value().get()).value();
  fd.value().reset();
  Events refused;
  auto s = loop_->connect(dead, &refused);
  ASSERT_TRUE(s);
  runUntil(*loop_, [&] { return refused.connected != 1; });
  EXPECT_EQ(refused.connected, -ECONNREFUSED);
  s.value()->close();
  runUntil(*loop_, [&] { return refused.closed == 1; });
}

TEST_F(LoopTest, CloseWithReceiveAndSendInFlightFreesEverything) {
  auto [client, server] = connectPair();
  client->sendCopy(std::string(200000, 'y'));
  loop_->runOnce(0);
  client->close();
  server->close();
  runUntil(*loop_, [&] { return client_.closed == 1 && server_.closed == 1; });
  EXPECT_EQ(loop_->streams(), 0u);
  EXPECT_EQ(loop_->buffers().lent(), 0u);
}

TEST(LoopBuffersTest, ReceivesProvideMoreBuffersWhenTheyRunOut) {
  // Two buffers at first; the reader holds everything it receives, so every receive needs a
  // new buffer: the ring provides more (up to 64) instead of stalling.
  auto loop = Loop::create(LoopOptions{.ringEntries = 64, .bufferCount = 64, .bufferSize = 1024,
                                       .initialBuffers = 2});
  ASSERT_TRUE(loop);
  Loop& l = *loop.value();
  EXPECT_EQ(l.buffers().provided(), 2u);
  auto fd = listenTcp(Address{htonl(INADDR_LOOPBACK), 0}, 8);
  ASSERT_TRUE(fd);
  Events server;
  server.consume = false;
  Events client;
  Acceptor acceptor;
  acceptor.loop = &l;
  acceptor.handler = &server;
  l.listen(fd.value().get(), &acceptor);
  auto c = l.connect(localAddress(fd.value().get()).value(), &client);
  ASSERT_TRUE(c);
  runUntil(l, [&] { return acceptor.last != nullptr && client.connected == 0; });
  for (int i = 0; i < 20; ++i) {
    c.value()->sendCopy(std::string(1000, static_cast<char>('a' + i)));
    runUntil(l, [&] { return acceptor.last->inputBytes() == static_cast<size_t>((i + 1) * 1000); });
  }
  EXPECT_GT(l.buffers().provided(), 2u);
  EXPECT_LE(l.buffers().provided(), 64u);
  acceptor.last->close();
  c.value()->close();
  runUntil(l, [&] { return l.streams() == 0; });
  EXPECT_EQ(l.buffers().lent(), 0u);
}

struct Alarm : TimerHandler {
  int fired = 0;
  Timer timer{this};
  void onTimer(Timer&) override { ++fired; }
};

TEST_F(LoopTest, ArmedTimerBoundsTheWaitAndFires) {
  Alarm alarm;
  EXPECT_EQ(loop_->boundedWait(5000), 5000u);
  loop_->arm(alarm.timer, milliseconds(20));
  EXPECT_LE(loop_->boundedWait(5000), 20u) << "a long wait must end for the timer";
  runUntil(*loop_, [&] { return alarm.fired == 1; });
  EXPECT_EQ(loop_->boundedWait(5000), 5000u);
}

}  // namespace
}  // namespace weir::proxy::io
