// The proxy's certificate keeper against an in-process mesh CA, one round at a time on a test
// clock: a certificate per identity of the node's workloads, renewal at 70 % of the lifetime
// (jitter included), a failed renewal retried with backoff while the current certificate stays
// until it expires, and a trust-anchor rotation taken from the anchors file (a bundle that does
// not parse is refused and counted).

#include "userspace-proxy/identity/certifier.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "common/identity/ca.h"
#include "common/identity/generate.h"

namespace weir::proxy::identity {
namespace {

using namespace std::chrono_literals;
namespace wid = ::weir::identity;

const std::string kWeb = "web.demo.serviceaccount.identity.linkerd.cluster.local";
constexpr auto kLifetime = 100s;

// Signs with a real CA; can be told to fail.
class TestAuthority : public Authority {
 public:
  explicit TestAuthority(const wid::Generated& gen) { load(gen); }
  void load(const wid::Generated& gen) {
    auto ca = wid::Ca::load(gen.anchorPem, gen.issuerCertPem, gen.issuerKeyPem);
    ASSERT_TRUE(ca) << ca.error().str();
    ca_ = std::move(ca.value());
  }
  Result<Certificate> certify(const std::string& identity, const std::string& csrDer) override {
    ++calls;
    if (failing) {
      return plainError("UNAVAILABLE: the test's CA is down");
    }
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      SysClock::now().time_since_epoch())
                      .count();
    auto issued = ca_->certify(identity, csrDer, kLifetime, now);
    if (!issued) {
      return issued.error();
    }
    return Certificate{issued->leafDer, issued->intermediatesDer, issued->notAfterUnix};
  }
  int calls = 0;
  bool failing = false;

 private:
  std::unique_ptr<wid::Ca> ca_;
};

class CertifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/weir-certifier-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto gen = wid::generateAnchorAndIssuer("cluster.local", 24h, 24h);
    ASSERT_TRUE(gen) << gen.error().str();
    gen_ = gen.value();
    replace("workloads.json", R"({"workloads": [{"cgroup_id": 7, "namespace": "demo",
        "name": "web-1", "kind": "ExternalWorkload", "identity": ")" + kWeb + R"("}]})");
    replace("ca.crt", gen_.anchorPem);
    directory_ = std::make_unique<workloads::Directory>(dir_ + "/workloads.json");
    ASSERT_TRUE(directory_->refresh());
    auto store = tls::Store::create(gen_.anchorPem);
    ASSERT_TRUE(store) << store.error().str();
    store_ = std::move(store.value());
    auto authority = std::make_unique<TestAuthority>(gen_);
    authority_ = authority.get();
    certifier_ = std::make_unique<Certifier>(*directory_, *store_, std::move(authority),
                                             CertifierOptions{.anchorsFile = dir_ + "/ca.crt"});
  }
  void TearDown() override {
    certifier_.reset();
    for (const char* f : {"workloads.json", "ca.crt"}) {
      ::unlink((dir_ + "/" + f).c_str());
    }
    ::rmdir(dir_.c_str());
  }
  // A new file renamed over the old one, as an operator or a Secret volume replaces it.
  void replace(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name + ".next") << text;
    ASSERT_EQ(std::rename((dir_ + "/" + name + ".next").c_str(), (dir_ + "/" + name).c_str()), 0);
  }
  std::string metrics() {
    weir::metrics::TextWriter w;
    certifier_->render(w);
    return w.take();
  }
  bool has(const std::string& line) { return metrics().find(line) != std::string::npos; }
  const tls::Credential* credential() {
    auto snap = store_->snapshot();
    auto it = snap->byIdentity.find(kWeb);
    return it == snap->byIdentity.end() ? nullptr : it->second.get();
  }

  std::string dir_;
  wid::Generated gen_;
  std::unique_ptr<workloads::Directory> directory_;
  std::unique_ptr<tls::Store> store_;
  TestAuthority* authority_ = nullptr;
  std::unique_ptr<Certifier> certifier_;
};

TEST_F(CertifierTest, RenewsAtSeventyPercentOfTheLifetime) {
  const SysClock::time_point t0 = SysClock::now();
  SysClock::time_point due = certifier_->step(t0);
  EXPECT_EQ(authority_->calls, 1);
  ASSERT_NE(credential(), nullptr);
  EXPECT_TRUE(certifier_->ready());
  EXPECT_GE(due, t0 + 64s);  // 70 % - 5 % of 100 s, less a second of rounding
  EXPECT_LE(due, t0 + 76s);
  EXPECT_TRUE(has("identity_cert_refresh_count{identity=\"" + kWeb + "\"} 1"));

  certifier_->step(due - 1s);
  EXPECT_EQ(authority_->calls, 1);
  const tls::Credential* first = credential();
  certifier_->step(due);
  EXPECT_EQ(authority_->calls, 2);
  EXPECT_NE(credential(), first);
  EXPECT_TRUE(has("identity_cert_refresh_count{identity=\"" + kWeb + "\"} 2"));
}

TEST_F(CertifierTest, AFailedRenewalKeepsTheCertificateUntilItExpires) {
  const SysClock::time_point t0 = SysClock::now();
  SysClock::time_point due = certifier_->step(t0);
  const tls::Credential* held = credential();
  ASSERT_NE(held, nullptr);
  authority_->failing = true;
  SysClock::time_point retry = certifier_->step(due);
  EXPECT_EQ(authority_->calls, 2);
  EXPECT_EQ(retry, due + 2s);  // first backoff
  EXPECT_EQ(credential(), held);
  retry = certifier_->step(retry);
  EXPECT_EQ(retry - due, 2s + 4s);  // doubled
  EXPECT_EQ(credential(), held);
  EXPECT_TRUE(has("weir_proxy_identity_certify_failures_total{identity=\"" + kWeb + "\"} 2"));

  certifier_->step(t0 + kLifetime + 1s);  // past notAfter and still failing
  EXPECT_EQ(credential(), nullptr);
  EXPECT_FALSE(certifier_->ready());
  authority_->failing = false;
  certifier_->step(t0 + kLifetime + 2s);
  EXPECT_NE(credential(), nullptr);
  EXPECT_TRUE(certifier_->ready());
}

TEST_F(CertifierTest, TakesUpRotatedAnchorsAndRefusesABrokenBundle) {
  const SysClock::time_point t0 = SysClock::now();
  certifier_->step(t0);
  auto anchors = store_->snapshot()->anchors;
  EXPECT_TRUE(has("weir_proxy_identity_anchor_reloads_total{result=\"ok\"} 0"));

  auto next = wid::generateAnchorAndIssuer("cluster.local", 24h, 24h);
  ASSERT_TRUE(next);
  replace("ca.crt", gen_.anchorPem + next->anchorPem);  // the bundle: old and new
  certifier_->step(t0 + 1s);
  EXPECT_NE(store_->snapshot()->anchors, anchors);
  EXPECT_EQ(authority_->calls, 2) << "certified again at once, for contexts with the bundle";
  EXPECT_TRUE(has("weir_proxy_identity_anchor_reloads_total{result=\"ok\"} 1"));

  authority_->load(next.value());  // the CA's new issuer
  replace("ca.crt", next->anchorPem);  // the old anchor dropped
  certifier_->step(t0 + 2s);
  EXPECT_EQ(authority_->calls, 3);
  ASSERT_NE(credential(), nullptr);
  EXPECT_TRUE(has("weir_proxy_identity_anchor_reloads_total{result=\"ok\"} 2"));

  anchors = store_->snapshot()->anchors;
  replace("ca.crt", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
  certifier_->step(t0 + 3s);
  EXPECT_EQ(store_->snapshot()->anchors, anchors);
  EXPECT_EQ(authority_->calls, 3);
  EXPECT_TRUE(has("weir_proxy_identity_anchor_reloads_total{result=\"error\"} 1"));
}

TEST_F(CertifierTest, ACertificateThatDoesNotChainToTheAnchorsIsNotUsed) {
  auto other = wid::generateAnchorAndIssuer("cluster.local", 24h, 24h);
  ASSERT_TRUE(other);
  authority_->load(other.value());  // a CA the proxy does not trust
  certifier_->step(SysClock::now());
  EXPECT_EQ(credential(), nullptr);
  EXPECT_FALSE(certifier_->ready());
  EXPECT_TRUE(has("weir_proxy_identity_certify_failures_total{identity=\"" + kWeb + "\"} 1"));
}

}  // namespace
}  // namespace weir::proxy::identity
