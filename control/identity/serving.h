#pragma once

// weir-control's own certificate, for TLS on its gRPC ports: a key made in memory and a leaf for
// the control plane's identity (grpctls::controlIdentity) signed by the issuer in force. It is
// renewed at 70 % of its lifetime, and at once when the issuer changes (a rotation), so that
// clients holding only the new anchors can connect. gRPC reads it through a file watcher from an
// in-memory file (memfd, never on disk) that is swapped whole, key and chain together.
//
//   auto serving = ServingCert::start([&] { return identity.ca(); }, name, lifetime);
//   builder.AddListeningPort(address, (*serving)->credentials(), &port);

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/base/result.h"
#include "common/identity/ca.h"
#include "common/metrics/text_writer.h"

namespace weir::control::identity {

class ServingCert {
 public:
  using CaSource = std::function<std::shared_ptr<const ::weir::identity::Ca>()>;

  struct Options {
    std::chrono::seconds lifetime{86400};
    // How often the issuer in force is looked at (a changed one is taken up at once).
    std::chrono::milliseconds checkEvery{1000};
  };

  // Issues the first certificate (an error when the CA cannot) and starts renewing.
  static Result<std::unique_ptr<ServingCert>> start(CaSource ca, std::string identity,
                                                    Options options);
  ~ServingCert();
  ServingCert(const ServingCert&) = delete;
  ServingCert& operator=(const ServingCert&) = delete;

  // TLS for a gRPC server: presents the current certificate; clients are not asked for one
  // (node tokens authenticate them).
  std::shared_ptr<grpc::ServerCredentials> credentials() const;
  // The PEM gRPC serves now: the key, the leaf, the intermediates.
  std::string currentPem() const;
  const std::string& identity() const { return identity_; }
  // weir_control_serving_cert_* : renewals by result and the current leaf's expiry.
  void renderMetrics(metrics::TextWriter& w) const;

 private:
  ServingCert(CaSource ca, std::string identity, Options options);
  // A new key and leaf from `ca`, swapped in whole.
  Status issue(const std::shared_ptr<const ::weir::identity::Ca>& ca);
  void run();

  CaSource ca_;
  std::string identity_;
  Options options_;
  int fd_ = -1;  // the memfd gRPC reads as /proc/self/fd/<fd_>; replaced with dup2
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider_;
  std::shared_ptr<const ::weir::identity::Ca> issuedBy_;
  std::chrono::steady_clock::time_point renewAt_{};
  std::atomic<int64_t> notAfter_{0};
  std::atomic<uint64_t> renewals_[2]{};  // ok, error
  mutable std::mutex mu_;
  std::string pem_;
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace weir::control::identity
