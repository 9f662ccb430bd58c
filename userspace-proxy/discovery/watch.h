#pragma once

// One server-streaming Destination call (Get or GetProfile) on gRPC's callback API: reads
// until the stream ends, handing each message to its owner, then says how it ended. Reactions
// run on gRPC's threads, one at a time per call, and `onDone` is the last; they may also run
// inline in start() or cancel(), so neither may be called with a lock the callbacks take.
//
//   auto call = Watch<v1::Update>::create(startGet, request, onMessage, onDone);
//   call->start();   // keeps itself alive until onDone has returned
//   call->cancel();  // any time, from any thread

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_callback.h>

#include <functional>
#include <memory>
#include <utility>

#include "weir/v1/destination.pb.h"

namespace weir::proxy::discovery {

// What the resolver keeps of a running call.
class Call {
 public:
  virtual ~Call() = default;
  virtual void start() = 0;
  virtual void cancel() = 0;
};

template <typename Response>
class Watch final : public Call,
                    public grpc::ClientReadReactor<Response>,
                    public std::enable_shared_from_this<Watch<Response>> {
 public:
  // Binds the call to the reactor: stub->async()->Get(context, request, reactor).
  using Open = std::function<void(grpc::ClientContext*, const v1::GetDestination*,
                                  grpc::ClientReadReactor<Response>*)>;
  // `first`: the first message of this call.
  using MessageFn = std::function<void(const Response& message, bool first)>;
  // `answered`: the call delivered at least one message.
  using DoneFn = std::function<void(const grpc::Status& status, bool answered)>;

  static std::shared_ptr<Watch> create(Open open, v1::GetDestination request,
                                       MessageFn onMessage, DoneFn onDone) {
    return std::shared_ptr<Watch>(
        new Watch(std::move(open), std::move(request), std::move(onMessage), std::move(onDone)));
  }

  void start() override {
    self_ = this->shared_from_this();
    open_(&context_, &request_, this);
    this->StartRead(&message_);
    this->StartCall();
  }

  void cancel() override { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      return;  // the stream ended; OnDone follows with its status
    }
    onMessage_(message_, !answered_);
    answered_ = true;
    this->StartRead(&message_);
  }

  void OnDone(const grpc::Status& status) override {
    // gRPC is done with this reactor: release it once the owner has been told.
    std::shared_ptr<Watch> self = std::move(self_);
    onDone_(status, answered_);
  }

 private:
  Watch(Open open, v1::GetDestination request, MessageFn onMessage, DoneFn onDone)
      : open_(std::move(open)),
        request_(std::move(request)),
        onMessage_(std::move(onMessage)),
        onDone_(std::move(onDone)) {}

  Open open_;
  v1::GetDestination request_;
  MessageFn onMessage_;
  DoneFn onDone_;
  grpc::ClientContext context_;
  Response message_;
  bool answered_ = false;
  std::shared_ptr<Watch> self_;  // set from start() until OnDone
};

}  // namespace weir::proxy::discovery
