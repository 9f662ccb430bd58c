#pragma once

// An HTTPS server on 127.0.0.1:<ephemeral> that plays a script of API-server replies, one per
// connection in order, and records every request it received (target, headers, client
// certificate). It stands in for kube-apiserver, which cannot run on these machines; the replies
// themselves come from testdata/ and follow the API server's wire format.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <openssl/ssl.h>

#include "common/base/fd.h"
#include "tests/unit/control/kube/test_pki.h"

namespace weir::control::kube::testing {

// Lets a test release a reply one part at a time (the head with any body, then each chunk), so
// what several concurrent watches deliver arrives in an order the test chooses.
class Gate {
 public:
  // Lets `parts` more parts through.
  void open(size_t parts = 1);
  // Waits for a permit; false once `stopping` is set or after 30 s (a failing test, not a hang).
  bool pass(const std::atomic<bool>& stopping);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t permits_ = 0;
};

struct Reply {
  int status = 200;
  std::string body;                 // sent with Content-Length (when !chunked)
  bool chunked = false;             // Transfer-Encoding: chunked, as the API server streams watches
  std::vector<std::string> chunks;  // one HTTP chunk each, written one at a time
  bool dropMidStream = false;       // close after the chunks, without the terminating chunk
  bool hang = false;                // then keep the connection open until the client leaves
  // In a per-path script (push(path, ...)): served again for every later request to the path.
  bool repeat = false;
  std::shared_ptr<Gate> gate;  // when set, each part of the reply waits for a permit
};

struct RecordedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string clientCertCommonName;                          // "" without a client certificate
  std::string body;                                          // by Content-Length (a POST's)

  std::string header(const std::string& lowerName) const;
};

class FakeApiServer {
 public:
  // Serves `serverCert`. When `clientCaPem` is set, asks for a client certificate and checks it.
  explicit FakeApiServer(const TestCert& serverCert, const std::string& clientCaPem = "");
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  uint16_t port() const { return port_; }

  // Appends to the script. Once it runs out, every request gets a 200 watch head and then
  // silence (a quiet watch) until the client goes away.
  void push(Reply reply);
  // Appends to the script of `path` (a request target up to its '?'), for clients that watch
  // several collections at once: requests to a path with a script are answered from it only,
  // and once it runs out, as above.
  void push(const std::string& path, Reply reply);

  std::vector<RecordedRequest> requests() const;
  // True once `n` requests arrived; false after 30 s (a failing test, not a hang).
  bool waitForRequests(size_t n) const;
  int handshakeFailures() const;

 private:
  void acceptLoop();
  void serve(UniqueFd fd);
  void send(SSL* ssl, int fd, const Reply& reply);

  SSL_CTX* ctx_ = nullptr;
  UniqueFd listenFd_;
  UniqueFd stopFd_;
  uint16_t port_ = 0;
  std::thread acceptThread_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::deque<Reply> script_;
  std::map<std::string, std::deque<Reply>> pathScripts_;
  std::atomic<bool> stopping_{false};
  std::vector<RecordedRequest> requests_;
  std::vector<std::thread> connections_;
  int handshakeFailures_ = 0;
  uint64_t auditId_ = 0;
};

}  // namespace weir::control::kube::testing
