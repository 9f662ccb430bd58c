#pragma once

// Identity (weir.v1, port 8080): the mesh CA. Certify authenticates the caller as a node (node
// token), checks that a workload with the requested identity is placed on that node in the
// published model, and signs the CSR with the issuer (common/identity/ca.h). A change of the
// trust anchors or the issuer's files is taken up at the next call or scrape (checked at most
// once a second by default); files that do not load are refused, counted, and the current issuer stays.
//
//   auto identity = IdentityService::create(publisher, options);  // reads the files
//   builder.RegisterService(identity->get());

#include <grpcpp/grpcpp.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/base/file_stamp.h"
#include "common/identity/ca.h"
#include "common/metrics/text_writer.h"
#include "control/identity/options.h"
#include "control/nodesync/publisher.h"
#include "weir/v1/identity.grpc.pb.h"

namespace weir::control::identity {

// What a Certify call ended with; each is counted.
enum class Outcome : uint8_t {
  kOk,
  kInvalidArgument,   // malformed identity or CSR, or the CSR names something else
  kUnauthenticated,   // the token proves no node
  kPermissionDenied,  // no workload with the identity on the caller's node
  kUnavailable,       // no configuration published yet
  kInternal,          // the CA failed (its issuer expired)
};
inline constexpr size_t kOutcomes = 6;

// The metric label of an outcome: "ok", "invalid_argument", ...
std::string_view outcomeLabel(Outcome outcome);

class IdentityService final : public v1::Identity::Service {
 public:
  // Reads and checks every file `options` names; the error names the flag and the file.
  static Result<std::unique_ptr<IdentityService>> create(const nodesync::Publisher& publisher,
                                                         const Options& options);

  IdentityService(const nodesync::Publisher& publisher, std::unique_ptr<::weir::identity::Ca> ca,
                  std::string nodeTokenKey, Options options);

  grpc::Status Certify(grpc::ServerContext* context, const v1::CertifyRequest* request,
                       v1::CertifyResponse* response) override;

  uint64_t count(Outcome outcome) const {
    return counts_[static_cast<size_t>(outcome)].load(std::memory_order_relaxed);
  }
  // Changes of the CA's files taken up (ok) or refused (the current issuer kept).
  uint64_t reloads(bool ok) const { return reloads_[ok ? 0 : 1].load(std::memory_order_relaxed); }
  // identity_certify_total{result}, the issuer chain's expiry and the issuer's reloads.
  void renderMetrics(metrics::TextWriter& w);

  // The issuer in force, reloaded first when its files changed (at most once per
  // options.reloadCheckEvery).
  std::shared_ptr<const ::weir::identity::Ca> ca();

  // Who reviews service-account tokens (the API server, kube/token_review.h): the node a token
  // proves, or why it proves none. Until one is set such tokens are refused.
  using TokenAuthority = std::function<Result<std::string>(std::string_view token)>;
  void setServiceAccountAuthority(TokenAuthority authority);

 private:
  // The node the caller proves with `token`: a node token, or a service-account token.
  Result<std::string> authenticate(std::string_view token);
  grpc::Status refuse(Outcome outcome, std::string_view node, std::string_view identity,
                      const std::string& reason, const std::string& peer);

  const nodesync::Publisher& publisher_;
  std::mutex caMu_;
  std::shared_ptr<const ::weir::identity::Ca> ca_;
  std::array<FileStamp, 3> stamps_{};
  std::chrono::steady_clock::time_point checked_{};
  std::array<std::atomic<uint64_t>, 2> reloads_{};  // ok, error
  std::string nodeTokenKey_;  // empty: node tokens refused
  std::mutex authorityMu_;
  TokenAuthority serviceAccounts_;
  Options options_;
  std::array<std::atomic<uint64_t>, kOutcomes> counts_{};
};

}  // namespace weir::control::identity
