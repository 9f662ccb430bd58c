#pragma once

// The node proxy's TLS material: the trust anchors, and per local workload identity its key and
// certificate chain, as ready-made OpenSSL contexts (one to dial with, one to serve with). The
// identity thread replaces an identity's entry when it renews; workers read through a View
// without a lock shared between them (a changed store is copied at the next lookup).

#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace weir::proxy::tls {

struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxFree>;

// One identity's certificate, ready to use.
struct Credential {
  std::string identity;
  CtxPtr client;  // presents the certificate, verifies the server against the anchors
  CtxPtr server;  // presents it, requires and verifies a client certificate
  int64_t notAfterUnix = 0;
};

// A client context that presents no certificate and accepts a server only with a chain to
// `anchorsPem` (Session::client checks the name): TLS 1.3, offering ALPN "h2" (gRPC). For
// weir-control's Destination port.
Result<CtxPtr> anchoredClient(std::string_view anchorsPem);

struct Snapshot {
  std::map<std::string, std::shared_ptr<const Credential>, std::less<>> byIdentity;
  std::shared_ptr<X509_STORE> anchors;
};

class Store {
 public:
  // `anchorsPem`: the trust anchors (a bundle of one or more certificates).
  static Result<std::unique_ptr<Store>> create(std::string_view anchorsPem);
  // New trust anchors for credentials built from now on; the ones in use keep theirs until
  // they are replaced. An error (and nothing changed) when the bundle does not parse.
  Status setAnchors(std::string_view anchorsPem);

  // Builds contexts for a leaf (DER), the intermediates up to an anchor (DER, the leaf's issuer
  // first) and the key that belongs to the leaf. An error when they do not match or the chain
  // does not verify against the anchors.
  Result<std::shared_ptr<const Credential>> build(std::string identity, EVP_PKEY* key,
                                                  std::string_view leafDer,
                                                  const std::vector<std::string>& chainDer) const;
  void put(std::shared_ptr<const Credential> c);
  void remove(const std::string& identity);

  std::shared_ptr<const Snapshot> snapshot() const;
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

 private:
  Store() = default;
  void publish(std::shared_ptr<Snapshot> next);

  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_;
  std::atomic<uint64_t> version_{0};
};

// One worker's copy.
class View {
 public:
  explicit View(const Store& store) : store_(store) {}
  const Credential* find(std::string_view identity);
  const Snapshot& current();

 private:
  const Store& store_;
  uint64_t version_ = UINT64_MAX;
  std::shared_ptr<const Snapshot> snapshot_;
};

}  // namespace weir::proxy::tls
