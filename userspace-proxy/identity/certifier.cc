#include "userspace-proxy/identity/certifier.h"

#include <algorithm>
#include <set>

#include "common/base/log.h"
#include "common/base/read_file.h"
#include "common/identity/csr.h"

namespace weir::proxy::identity {

namespace {
spdlog::logger& log() {
  static const auto logger = weir::logger("identity");
  return *logger;
}

int64_t unixOf(SysClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

Certifier::Certifier(const workloads::Directory& directory, tls::Store& store,
                     std::unique_ptr<Authority> authority, CertifierOptions options)
    : directory_(directory),
      store_(store),
      authority_(std::move(authority)),
      options_(std::move(options)) {
  if (!options_.anchorsFile.empty()) {
    anchorsStamp_ = stampOf(options_.anchorsFile);  // what the store was created from
  }
}

Certifier::~Certifier() { stop(); }

void Certifier::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      SysClock::time_point now = SysClock::now();
      SysClock::time_point next = step(now);
      // The directory is looked at every second: a new workload gets its certificate soon.
      next = std::min(next, now + std::chrono::seconds(1));
      lock.lock();
      cv_.wait_until(lock, next, [this] { return stopping_; });
    }
  });
}

void Certifier::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

SysClock::time_point Certifier::step(SysClock::time_point now) {
  std::set<std::string> ids;
  for (const auto& [cgroup, w] : directory_.table()->byCgroup) {
    if (!w->identity.empty()) {
      ids.insert(w->identity);
    }
  }
  std::lock_guard lock(mu_);
  checkAnchors(now);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (ids.count(it->first) == 0) {
      store_.remove(it->first);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  SysClock::time_point next = SysClock::time_point::max();
  for (const std::string& id : ids) {
    Entry& e = entries_[id];
    if (!e.key) {
      e.key = weir::identity::generateKey();  // once per identity, kept in memory only
    }
    if (!e.have || now >= e.due) {
      renew(id, e, now);
    }
    next = std::min(next, e.due);
  }
  return next;
}

void Certifier::checkAnchors(SysClock::time_point now) {
  if (options_.anchorsFile.empty()) {
    return;
  }
  FileStamp stamp = stampOf(options_.anchorsFile);
  if (stamp == anchorsStamp_) {
    return;
  }
  anchorsStamp_ = stamp;
  auto pem = readSmallFile(options_.anchorsFile, "trust anchors");
  Status set = pem ? store_.setAnchors(*pem) : Status(pem.error());
  if (!set) {
    ++anchorReloads_[1];
    log().error("trust anchors not reloaded, the current ones stay in use: {}", set.error().str());
    return;
  }
  ++anchorReloads_[0];
  for (auto& [id, e] : entries_) {
    e.due = now;
  }
  log().info("trust anchors reloaded file={} identities={}", options_.anchorsFile,
             entries_.size());
}

void Certifier::renew(const std::string& id, Entry& e, SysClock::time_point now) {
  auto fail = [&](const Error& err) {
    ++e.failed;
    ++e.failures;
    auto backoff = std::min<std::chrono::seconds>(std::chrono::seconds(1 << std::min(e.failures, 10)),
                                                  options_.maxBackoff);
    e.due = now + backoff;
    log().warn("certify failed identity={} attempt={} retry_in={}s error=\"{}\"", id, e.failures,
               backoff.count(), err.str());
    if (e.have && unixOf(now) >= e.notAfterUnix) {
      store_.remove(id);  // expired: better no certificate than a refused one
      e.have = false;
      log().warn("certificate expired identity={}", id);
    }
  };
  auto csr = weir::identity::makeCsr(e.key.get(), id);
  if (!csr) {
    fail(csr.error());
    return;
  }
  auto cert = authority_->certify(id, csr.value());
  if (!cert) {
    fail(cert.error());
    return;
  }
  auto cred = store_.build(id, e.key.get(), cert->leafDer, cert->chainDer);
  if (!cred) {
    fail(cred.error());
    return;
  }
  int64_t notAfter = cred.value()->notAfterUnix;
  store_.put(std::move(cred.value()));
  e.have = true;
  e.notAfterUnix = notAfter;
  e.failures = 0;
  ++e.refreshes;
  double lifetime = static_cast<double>(std::max<int64_t>(notAfter - unixOf(now), 1));
  std::uniform_real_distribution<double> jitter(-options_.jitter, options_.jitter);
  auto in = std::chrono::milliseconds(
      static_cast<int64_t>(lifetime * (options_.renewAt + jitter(rng_)) * 1000.0));
  e.due = now + in;
  log().info("certified identity={} not_after={} renew_in={}ms", id, notAfter, in.count());
}

bool Certifier::ready() const {
  std::lock_guard lock(mu_);
  for (const auto& [cgroup, w] : directory_.table()->byCgroup) {
    if (w->identity.empty()) {
      continue;
    }
    auto it = entries_.find(w->identity);
    if (it == entries_.end() || !it->second.have) {
      return false;
    }
  }
  return true;
}

void Certifier::render(weir::metrics::TextWriter& w) const {
  std::lock_guard lock(mu_);
  w.family("identity_cert_expiration_timestamp_seconds", "gauge",
           "When the identity's current certificate expires (Unix seconds).");
  for (const auto& [id, e] : entries_) {
    if (e.have) {
      w.sample("identity_cert_expiration_timestamp_seconds", {{"identity", id}},
               static_cast<double>(e.notAfterUnix));
    }
  }
  w.family("identity_cert_refresh_count", "counter",
           "Certificates obtained for the identity since the proxy started.");
  for (const auto& [id, e] : entries_) {
    w.sample("identity_cert_refresh_count", {{"identity", id}}, static_cast<double>(e.refreshes));
  }
  w.family("weir_proxy_identity_certify_failures_total", "counter",
           "Certify calls for the identity that failed (each retried with backoff).");
  for (const auto& [id, e] : entries_) {
    w.sample("weir_proxy_identity_certify_failures_total", {{"identity", id}},
             static_cast<double>(e.failed));
  }
  w.family("weir_proxy_identity_anchor_reloads_total", "counter",
           "Changes of the trust anchors' file taken up (ok) or refused, the current anchors kept "
           "(error).");
  w.sample("weir_proxy_identity_anchor_reloads_total", {{"result", "ok"}},
           static_cast<double>(anchorReloads_[0]));
  w.sample("weir_proxy_identity_anchor_reloads_total", {{"result", "error"}},
           static_cast<double>(anchorReloads_[1]));
}

}  // namespace weir::proxy::identity
