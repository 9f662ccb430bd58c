#pragma once

// Keeps a certificate for every identity of the node's workloads: one private key per identity,
// made in memory and never written anywhere; a CSR to the CA; renewal at 70 % of the lifetime
// with jitter; a failed renewal retried with backoff while the current certificate stays in
// use until it expires. Certificates go to the TLS store the workers read. When the trust
// anchors' file changes (a rotation adds a new anchor, later drops the old one), the new bundle
// goes to the store and every identity is certified again at once, so that its contexts verify
// peers against the new bundle; a bundle that does not parse is refused and counted.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "common/base/file_stamp.h"
#include "common/identity/pem.h"
#include "common/metrics/text_writer.h"
#include "userspace-proxy/identity/authority.h"
#include "userspace-proxy/tls/credentials.h"
#include "userspace-proxy/workloads/directory.h"

namespace weir::proxy::identity {

using SysClock = std::chrono::system_clock;

struct CertifierOptions {
  double renewAt = 0.7;  // of the lifetime
  double jitter = 0.05;  // +- of the lifetime
  std::chrono::seconds maxBackoff{30};
  std::string anchorsFile;  // watched when set
};

class Certifier {
 public:
  Certifier(const workloads::Directory& directory, tls::Store& store,
            std::unique_ptr<Authority> authority, CertifierOptions options = {});
  ~Certifier();

  // Runs rounds on a thread of its own until stop().
  void start();
  void stop();
  // One round at `now`: certifies what is missing or due, drops what expired or left the node.
  // Returns when the next round is due.
  SysClock::time_point step(SysClock::time_point now);

  // Every identity of the node's workloads has a valid certificate.
  bool ready() const;
  // identity_cert_expiration_timestamp_seconds and identity_cert_refresh_count per identity,
  // and the failed attempts.
  void render(weir::metrics::TextWriter& w) const;

 private:
  struct Entry {
    weir::identity::KeyPtr key;
    bool have = false;
    int64_t notAfterUnix = 0;
    SysClock::time_point due{};
    int failures = 0;
    uint64_t refreshes = 0;
    uint64_t failed = 0;
  };
  void renew(const std::string& id, Entry& e, SysClock::time_point now);
  // Takes up a changed anchors file; every entry is due then.
  void checkAnchors(SysClock::time_point now);

  const workloads::Directory& directory_;
  tls::Store& store_;
  std::unique_ptr<Authority> authority_;
  CertifierOptions options_;
  std::mt19937_64 rng_{std::random_device{}()};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> entries_;
  FileStamp anchorsStamp_;
  uint64_t anchorReloads_[2] = {0, 0};  // ok, error
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace weir::proxy::identity
