#pragma once

// A minimal HTTPS client for the Kubernetes API: GET (and POST of a JSON body, for reviews), one
// request per connection, bearer
// token or client certificate. Bodies are returned whole, or, for watch streams, decoded and
// handed over line by line as they arrive. Never throws; every failure is an Error naming the
// request.

#include <chrono>
#include <memory>
#include <string>

#include "common/base/result.h"
#include "control/kube/cluster_config.h"
#include "control/kube/http_response.h"
#include "control/kube/tls_context.h"

namespace weir::control::kube {

struct HttpsClientOptions {
  std::chrono::milliseconds connectTimeout{10'000};  // TCP connect plus TLS handshake
  std::chrono::milliseconds readTimeout{30'000};     // longest silence while reading
  size_t maxHeadBytes = 64 << 10;
  size_t maxBodyBytes = 512 << 20;  // a buffered body (a LIST page)
  size_t maxLineBytes = 64 << 20;   // one streamed line (one watch event)
  std::string userAgent = "weir-control";
};

struct Response {
  ResponseHead head;
  std::string body;  // empty when the body was streamed to GetOptions::lines
};

struct GetOptions {
  std::chrono::milliseconds idleTimeout{0};  // 0: HttpsClientOptions::readTimeout
  int cancelFd = -1;                         // readable: abandon the request (ECANCELED)
  // When set and the status is 2xx, the body goes here line by line instead of into
  // Response::body. If the sink returns false the connection is closed and get() succeeds.
  const LineSink* lines = nullptr;
};

class HttpsClient {
 public:
  static Result<std::unique_ptr<HttpsClient>> create(ClusterConfig config,
                                                     HttpsClientOptions options = {});

  // GET config().basePath + target ("/api/v1/services?limit=500") on a new connection, which
  // reads the bearer token afresh. Any status is a successful Result; transport, TLS and framing
  // failures (including a stream cut before its end) are errors. Safe from several threads.
  Result<Response> get(const std::string& target, const GetOptions& options = {}) const;
  // POST config().basePath + target with a JSON body (a TokenReview); the response buffered.
  Result<Response> postJson(const std::string& target, const std::string& body) const;

  const ClusterConfig& config() const { return config_; }

 private:
  HttpsClient(ClusterConfig config, HttpsClientOptions options, SslCtxPtr ctx)
      : config_(std::move(config)), options_(std::move(options)), ctx_(std::move(ctx)) {}
  Result<Response> request(const std::string& method, const std::string& target,
                           const std::string* jsonBody, const GetOptions& options) const;

  ClusterConfig config_;
  HttpsClientOptions options_;
  SslCtxPtr ctx_;
};

}  // namespace weir::control::kube
