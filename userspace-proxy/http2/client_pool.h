#pragma once

// A worker's HTTP/2 connections to upstream targets, shared by every downstream session of the
// worker: a request opens a stream on a connection to its target (for its workload) that has
// room, or on a new one. Requests multiplex, so a busy service needs few connections. A
// connection without streams closes after the idle timeout.

#include <memory>
#include <unordered_map>
#include <vector>

#include "userspace-proxy/conn/context.h"
#include "userspace-proxy/conn/meter.h"
#include "userspace-proxy/http1/pool.h"
#include "userspace-proxy/h2/conn.h"
#include "userspace-proxy/upstream/mtls.h"
#include "userspace-proxy/upstream/target.h"

namespace weir::proxy::http2 {

using h2::Block;
using h2::Conn;
using h2::ConnHandler;
using h2::Header;
using h2::Headers;
using h2::Leg;
using h2::Pipe;
using io::Clock;
using http1::PoolKey;
using http1::PoolKeyHash;

// The events of streams on client connections go to the exchange owning each leg.
class UpstreamEvents {
 public:
  virtual ~UpstreamEvents() = default;
  virtual void upHeaders(Leg& leg, Block block, Headers& headers, bool endStream) = 0;
  virtual void upData(Leg& leg, Conn& from, int32_t id, const uint8_t* data, size_t n) = 0;
  virtual void upEnd(Leg& leg) = 0;
  virtual void upClosed(Leg& leg, uint32_t error) = 0;
};

// What a leg's owner pointer holds for client streams.
struct UpLegOwner {
  UpstreamEvents* events = nullptr;
};

class ClientPool;

// One pooled connection.
struct PooledClient final : io::TimerHandler {
  explicit PooledClient(ClientPool& p) : pool(p) {}
  void onTimer(io::Timer&) override;  // idle: shut down when still without streams
  ClientPool& pool;
  std::unique_ptr<Conn> conn;
  PoolKey key;
  upstream::TargetPtr target;
  conn::Meter meter;
  metrics::TcpSeries* series = nullptr;  // counted from the connect's success
  io::Timer idle{this};
};

class ClientPool final : public ConnHandler {
 public:
  using Client = PooledClient;

  ClientPool(io::Loop& loop, std::chrono::milliseconds idleTimeout)
      : loop_(loop), idleTimeout_(idleTimeout) {}
  ~ClientPool() override;
  void setMtls(const upstream::Mtls* mtls) { mtls_ = mtls; }

  // A connection to `target` for `key` with room for one more stream, opening one (counted in
  // the tcp_* series of `ctx`) when none has. Null when the connect could not even start.
  Conn* get(const PoolKey& key, const upstream::TargetPtr& target, const conn::Context& ctx,
            const std::string& authority);
  // Takes a connection already open to `target` (opened while the protocol was detected).
  void adopt(const PoolKey& key, const upstream::TargetPtr& target, io::Stream& s,
             conn::Meter meter);
  // Every connection stops taking streams and closes once its streams are done.
  void shutdownAll();
  size_t size() const { return clients_.size(); }

  // ConnHandler
  void onHeaders(Conn& c, int32_t id, Leg* leg, Block block, Headers& headers, bool end) override;
  void onData(Conn& c, int32_t id, Leg* leg, const uint8_t* data, size_t n) override;
  void onEnd(Conn& c, int32_t id, Leg* leg) override;
  void onStreamClosed(Conn& c, int32_t id, Leg* leg, uint32_t error) override;
  void onConnClosed(Conn& c, io::Stream& s, int err) override;
  void onConnected(Conn& c, int err) override;

 private:
  Client* add(const PoolKey& key, const upstream::TargetPtr& target, io::Stream& s);
  Client* clientOf(Conn& c);
  void idleCheck(Client& client);

  io::Loop& loop_;
  std::chrono::milliseconds idleTimeout_;
  std::unordered_map<PoolKey, std::vector<Client*>, PoolKeyHash> byKey_;
  const upstream::Mtls* mtls_ = nullptr;
  std::unordered_map<Conn*, std::unique_ptr<Client>> clients_;
};

}  // namespace weir::proxy::http2
