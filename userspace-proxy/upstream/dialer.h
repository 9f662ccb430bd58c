#pragma once

// Opens a connection to a picked target: picks, connects within the connect timeout, and on
// failure tells the picker (the balancer backs the endpoint off) and tries another pick, up to
// `attempts` times. A target behind another node's proxy gets the transport header first. The
// Dialer is a member of what it dials for; cancel() (or destroying it) drops a connect in flight.

#include <chrono>
#include <memory>
#include <string>

#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/transport/header.h"
#include "userspace-proxy/upstream/mtls.h"
#include "userspace-proxy/upstream/picker.h"

namespace weir::proxy::upstream {

class Dialer final : public io::StreamHandler, public io::TimerHandler {
 public:
  class Callback {
   public:
    virtual ~Callback() = default;
    // `s` is connected (and carries the transport header when needed); the callee takes it and
    // sets its handler. The pick must be ended by the callee (picker.finish / abandon).
    virtual void onDialed(io::Stream& s, const Pick& pick) = 0;
    // Every attempt failed (or nothing could be picked: err ENOENT). Negative errno.
    virtual void onDialFailed(int err) = 0;
  };

  struct Options {
    int attempts = 3;
    std::chrono::milliseconds connectTimeout{1000};  // Linkerd's outboundConnectTimeout
    const Mtls* mtls = nullptr;                         // the worker's, when it has one
  };

  Dialer(io::Loop& loop, Callback& callback) : loop_(loop), callback_(callback) {}
  ~Dialer() override { cancel(); }
  Dialer(const Dialer&) = delete;
  Dialer& operator=(const Dialer&) = delete;

  // `sourceIdentity`: the workload the connection is for (its certificate, with mTLS).
  void start(std::shared_ptr<Picker> picker, transport::Protocol protocol, std::string authority,
             Options options, std::string sourceIdentity);
  void cancel();
  bool active() const { return stream_ != nullptr; }

  void onConnected(io::Stream& s, int err) override;
  void onReadable(io::Stream&) override {}
  void onEof(io::Stream&, int) override {}
  void onDrained(io::Stream&) override {}
  void onClosed(io::Stream&) override {}
  void onTimer(io::Timer&) override;

 private:
  void attempt();
  void failed(int err);

  io::Loop& loop_;
  Callback& callback_;
  std::shared_ptr<Picker> picker_;
  transport::Protocol protocol_ = transport::Protocol::kUnknown;
  std::string authority_;
  std::string source_;
  Options options_;
  int left_ = 0;
  io::Stream* stream_ = nullptr;
  Pick pick_;
  io::Timer timeout_{this};
};

}  // namespace weir::proxy::upstream
