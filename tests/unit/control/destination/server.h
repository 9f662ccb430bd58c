#pragma once

// An in-process gRPC server on 127.0.0.1 (port 0) serving one service, and a channel to it, for
// the streaming tests of weir-control's services.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace weir::control::testing {

// Failure guard for every RPC and wait: a stream that does not deliver by then has failed. Not
// a timing assertion: a correct run takes milliseconds.
inline constexpr auto kDeadline = std::chrono::seconds(10);

class InProcessServer {
 public:
  explicit InProcessServer(grpc::Service* service) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
    EXPECT_NE(port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
  }
  ~InProcessServer() { server_->Shutdown(std::chrono::system_clock::now() + kDeadline); }

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

inline void setDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + kDeadline);
}

// Waits until `done()` holds or the guard deadline passes; returns done().
template <typename Done>
bool eventually(Done done) {
  auto until = std::chrono::steady_clock::now() + kDeadline;
  while (!done() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace weir::control::testing
