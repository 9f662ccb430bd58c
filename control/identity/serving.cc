#include "control/identity/serving.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "common/base/log.h"
#include "common/identity/csr.h"
#include "common/identity/pem.h"

namespace weir::control::identity {

namespace {

spdlog::logger& log() {
  static const auto logger = weir::logger("identity");
  return *logger;
}

// A new memfd holding `bytes`.
Result<int> memfdWith(const std::string& bytes) {
  int fd = memfd_create("weir-control-serving", MFD_CLOEXEC);
  if (fd < 0) {
    return osError(errno, "memfd_create");
  }
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0) {
      int err = errno;
      close(fd);
      return osError(err, "write memfd");
    }
    off += static_cast<size_t>(n);
  }
  return fd;
}

}  // namespace

ServingCert::ServingCert(CaSource ca, std::string identity, Options options)
    : ca_(std::move(ca)), identity_(std::move(identity)), options_(options) {}

Result<std::unique_ptr<ServingCert>> ServingCert::start(CaSource ca, std::string identity,
                                                        Options options) {
  std::unique_ptr<ServingCert> s(new ServingCert(std::move(ca), std::move(identity), options));
  if (auto st = s->issue(s->ca_()); !st) {
    return plainError("certificate for weir-control's gRPC ports (" + s->identity_ +
                      "): " + st.error().str());
  }
  std::string path = "/proc/self/fd/" + std::to_string(s->fd_);
  // Key and chain come from the same file, read whole: a swap never pairs a key with the
  // other certificate.
  s->provider_ =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(path, path, 1);
  s->thread_ = std::thread([p = s.get()] { p->run(); });
  return s;
}

ServingCert::~ServingCert() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  provider_.reset();
  if (fd_ >= 0) {
    close(fd_);
  }
}

std::shared_ptr<grpc::ServerCredentials> ServingCert::credentials() const {
  grpc::experimental::TlsServerCredentialsOptions options(provider_);
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  return grpc::experimental::TlsServerCredentials(options);
}

std::string ServingCert::currentPem() const {
  std::lock_guard lock(mu_);
  return pem_;
}

Status ServingCert::issue(const std::shared_ptr<const ::weir::identity::Ca>& ca) {
  namespace wi = ::weir::identity;
  if (!ca) {
    return plainError("no issuer");
  }
  wi::KeyPtr key = wi::generateKey();
  if (!key) {
    return plainError("key: " + wi::takeOpensslErrors());
  }
  auto csr = wi::makeCsr(key.get(), identity_);
  if (!csr) {
    return csr.error();
  }
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto issued = ca->certify(identity_, csr.value(), options_.lifetime, now);
  if (!issued) {
    return issued.error();
  }
  auto leaf = wi::certFromDer(issued.value().leafDer);
  if (!leaf) {
    return leaf.error();
  }
  std::string pem = wi::keyToPem(key.get()) + wi::certToPem(leaf.value().get());
  for (const auto& der : issued.value().intermediatesDer) {
    auto c = wi::certFromDer(der);
    if (!c) {
      return c.error();
    }
    pem += wi::certToPem(c.value().get());
  }
  auto fd = memfdWith(pem);
  if (!fd) {
    return fd.error();
  }
  if (fd_ < 0) {
    fd_ = fd.value();
  } else {
    // The path gRPC reads now names the new file; the old one goes with its last reader.
    if (dup2(fd.value(), fd_) < 0) {
      int err = errno;
      close(fd.value());
      return osError(err, "dup2 memfd");
    }
    close(fd.value());
  }
  {
    std::lock_guard lock(mu_);
    pem_ = std::move(pem);
  }
  int64_t lifetime = issued.value().notAfterUnix - now;
  renewAt_ = std::chrono::steady_clock::now() + std::chrono::seconds(lifetime * 7 / 10);
  issuedBy_ = ca;
  notAfter_.store(issued.value().notAfterUnix, std::memory_order_relaxed);
  log().info("serving certificate issued identity={} not_after={}", identity_,
             issued.value().notAfterUnix);
  return {};
}

void ServingCert::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.checkEvery);
    if (stopping_) {
      return;
    }
    lock.unlock();
    std::shared_ptr<const ::weir::identity::Ca> ca = ca_();
    if (ca != issuedBy_ || std::chrono::steady_clock::now() >= renewAt_) {
      auto st = issue(ca);
      renewals_[st ? 0 : 1].fetch_add(1, std::memory_order_relaxed);
      if (!st) {
        // The current certificate stays until it expires; the next check tries again.
        log().warn("serving certificate not renewed identity={} error=\"{}\"", identity_,
                   st.error().str());
      }
    }
    lock.lock();
  }
}

void ServingCert::renderMetrics(metrics::TextWriter& w) const {
  w.family("weir_control_serving_cert_renewals_total", "counter",
           "Renewals of the certificate weir-control serves its gRPC ports with, by result.");
  w.sample("weir_control_serving_cert_renewals_total", {{"result", "ok"}},
           static_cast<double>(renewals_[0].load(std::memory_order_relaxed)));
  w.sample("weir_control_serving_cert_renewals_total", {{"result", "error"}},
           static_cast<double>(renewals_[1].load(std::memory_order_relaxed)));
  w.family("weir_control_serving_cert_expiration_timestamp_seconds", "gauge",
           "When the certificate weir-control serves its gRPC ports with expires.");
  w.sample("weir_control_serving_cert_expiration_timestamp_seconds", {},
           static_cast<double>(notAfter_.load(std::memory_order_relaxed)));
}

}  // namespace weir::control::identity
