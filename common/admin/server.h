#pragma once

// Admin HTTP/1.1 server: /metrics, /ready, /live, /shutdown. Not on the data path: one thread
// polls the listener and every connection (non-blocking sockets), answers one request per
// connection and closes it. Clients that are slow or idle are cut off after a timeout, so none
// can hold the others up for long.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/admin/request_head.h"
#include "common/base/fd.h"
#include "common/base/result.h"

namespace weir::admin {

struct Response {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
};

// Runs on the server thread. Must not call Server::route() or block for long.
using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  // Time a connection gets to send its request head, and again to take the response.
  std::chrono::milliseconds timeout{5000};
  // Connections served at once; further ones wait in the listen backlog.
  size_t maxConnections = 64;
  // SO_REUSEPORT: a successor process can bind the same address while this one drains.
  bool reusePort = false;
};

class Server {
 public:
  // Binds and listens on "127.0.0.1:4192", "0.0.0.0:0" or "[::1]:0". Port 0 picks a free port.
  static Result<std::unique_ptr<Server>> listen(const std::string& address,
                                                ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Registers the handler for an exact path. A route allowing GET also answers HEAD (without the
  // body). Call before start().
  void route(std::string path, Handler handler, std::vector<std::string> methods = {"GET"});

  // Spawns the server thread.
  Status start();

  // Stops the thread and closes every connection; idempotent, also run by the destructor. Called
  // from a handler it only asks the loop to end after the current round; the join happens in a
  // later stop() or the destructor. Not to be called from two threads at once.
  void stop();

  uint16_t port() const { return port_; }

  // Requests refused for their bytes (400, 431, 505) or not completed in time (408).
  uint64_t badRequests() const { return badRequests_.load(std::memory_order_relaxed); }

 private:
  struct Route {
    Handler handler;
    std::vector<std::string> methods;
  };
  struct Connection;

  Server(UniqueFd listener, UniqueFd wake, uint16_t port, std::string address,
         ServerOptions options);
  void run();
  void acceptAll(std::vector<Connection>& conns);
  void onReadable(Connection& conn);
  void onWritable(Connection& conn);
  void onTimeout(Connection& conn);
  void respond(Connection& conn, const Request& req);
  void reject(Connection& conn, int status, std::string_view reason);
  void startWriting(Connection& conn, std::string response);

  UniqueFd listener_;
  UniqueFd wake_;  // eventfd: stop() writes it to end the poll loop
  uint16_t port_;
  std::string address_;
  ServerOptions options_;
  std::map<std::string, Route, std::less<>> routes_;
  std::thread thread_;
  std::atomic<uint64_t> badRequests_{0};
  uint64_t nextConnectionId_ = 1;
  std::chrono::steady_clock::time_point acceptPausedUntil_;
};

}  // namespace weir::admin
