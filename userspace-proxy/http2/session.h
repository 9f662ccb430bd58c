#pragma once

// The HTTP/2 side of one accepted connection (prior knowledge, gRPC included): every request
// stream goes to a target its picker chooses, as a stream on a pooled HTTP/2 connection to that
// target, shared with the worker's other sessions. Headers, DATA, trailers (grpc-status), resets
// and the end of each stream pass through; flow control is end to end. A request the proxy
// cannot forward is answered by the proxy (503 no endpoint, 502 upstream failed).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "userspace-proxy/conn/context.h"
#include "userspace-proxy/conn/meter.h"
#include "userspace-proxy/http2/client_pool.h"
#include "userspace-proxy/h2/conn.h"
#include "userspace-proxy/upstream/picker.h"

namespace weir::proxy::http2 {

class Session;

struct Env {
  io::Loop* loop = nullptr;
  ClientPool* pool = nullptr;
  // Sessions of the worker, so a drain can tell each to stop taking streams.
  Session* sessions = nullptr;
  bool draining = false;
};

// Stop taking new streams on every session (GOAWAY) and every pooled upstream connection.
void drainAll(Env& env);

struct SessionOptions {
  std::string authority;           // the authority label; empty: each request's :authority
  std::string transportAuthority;  // named in transport headers to other nodes' proxies
};

struct Preconnected {
  io::Stream* stream = nullptr;
  conn::Meter meter;
  upstream::Pick pick;
};

class Session final : public ConnHandler, public UpstreamEvents {
 public:
  static void start(Env& env, io::Stream& down, conn::Meter meter, conn::Context ctx,
                    std::shared_ptr<upstream::Picker> picker, SessionOptions options,
                    std::optional<Preconnected> pre);
  ~Session() override;

  void shutdown();  // GOAWAY: finish the streams under way, take no new ones
  friend void drainAll(Env& env);

  // ConnHandler (the client's connection)
  void onHeaders(Conn& c, int32_t id, Leg* leg, Block block, Headers& headers, bool end) override;
  void onData(Conn& c, int32_t id, Leg* leg, const uint8_t* data, size_t n) override;
  void onEnd(Conn& c, int32_t id, Leg* leg) override;
  void onStreamClosed(Conn& c, int32_t id, Leg* leg, uint32_t error) override;
  void onConnClosed(Conn& c, io::Stream& s, int err) override;
  void onConnected(Conn&, int) override {}

  // UpstreamEvents (streams on pooled connections)
  void upHeaders(Leg& leg, Block block, Headers& headers, bool end) override;
  void upData(Leg& leg, Conn& from, int32_t id, const uint8_t* data, size_t n) override;
  void upEnd(Leg& leg) override;
  void upClosed(Leg& leg, uint32_t error) override;

 private:
  struct Exchange;
  Session(Env& env, conn::Meter meter, conn::Context ctx, std::shared_ptr<upstream::Picker> picker,
          SessionOptions options);
  void open(Exchange& ex);  // sends the request upstream (again, on a retry)
  void answer(Exchange& ex, int status, std::string_view why);
  void finish(Exchange& ex);  // the response ended: counted
  void drop(Exchange& ex);    // both streams are done with: freed
  metrics::HttpSeries* seriesFor(const upstream::Target* target, std::string_view authority);

  Env& env_;
  std::unique_ptr<Conn> down_;
  conn::Meter meter_;
  conn::Context ctx_;
  std::shared_ptr<upstream::Picker> picker_;
  SessionOptions options_;
  Session* prev_ = nullptr;
  Session* next_ = nullptr;
  const upstream::Target* cachedTarget_ = nullptr;
  std::string cachedAuthority_;
  metrics::HttpSeries* cachedSeries_ = nullptr;
  std::vector<Exchange*> free_;  // finished exchanges, reused by the next requests
};

}  // namespace weir::proxy::http2
