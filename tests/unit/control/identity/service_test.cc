#include "control/identity/service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>

#include "common/identity/cert_info.h"
#include "common/identity/csr.h"
#include "common/identity/generate.h"
#include "common/identity/node_token.h"
#include "common/identity/pem.h"
#include "tests/unit/control/destination/server.h"
#include "tests/unit/control/destination/test_util.h"

namespace weir::control::identity {
namespace {

namespace wid = ::weir::identity;
using testing::InProcessServer;
using testing::loadModel;
using testing::workloadDoc;

constexpr int64_t kDay = 86400;
const std::string kKey = "6b6579206f66207468652074657374732c20333220627974657320617320686578";
const std::string kWeb = "web.demo.serviceaccount.identity.linkerd.cluster.local";
const std::string kApi = "api.demo.serviceaccount.identity.linkerd.cluster.local";

int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string model() {
  return workloadDoc("demo", "web-1", "web", "web", "10.244.1.10", "[{port: 8080}]",
                     "{weir.io/node: node-a}") +
         workloadDoc("demo", "api-1", "api", "api", "10.244.2.10", "[{port: 8080}]",
                     "{weir.io/node: node-b}");
}

class IdentityServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto anchor = wid::generateAnchor("root", now() - 3600, now() + kDay * 365);
    ASSERT_TRUE(anchor.ok());
    auto issuer = wid::generateIssuerFor(*anchor, "issuer", now() - 3600, now() + kDay * 30);
    ASSERT_TRUE(issuer.ok());
    auto ca = wid::Ca::load(anchor->certPem, issuer->certPem, issuer->keyPem);
    ASSERT_TRUE(ca.ok()) << ca.error().str();
    service_ = std::make_unique<IdentityService>(
        publisher_, std::move(ca.value()), kKey,
        Options{.certLifetime = std::chrono::seconds(3600), .trustDomain = "cluster.local"});
    server_ = std::make_unique<InProcessServer>(service_.get());
    stub_ = v1::Identity::NewStub(server_->channel());
    key_ = wid::generateKey();
  }

  grpc::Status certify(const std::string& token, const std::string& identity,
                       const std::string& csrIdentity, v1::CertifyResponse* response = nullptr) {
    v1::CertifyRequest request;
    request.set_identity(identity);
    request.set_token(token);
    auto csr = wid::makeCsr(key_.get(), csrIdentity);
    EXPECT_TRUE(csr.ok());
    request.set_certificate_signing_request(csr.ok() ? *csr : "");
    v1::CertifyResponse ignored;
    grpc::ClientContext context;
    testing::setDeadline(context);
    return stub_->Certify(&context, request, response != nullptr ? response : &ignored);
  }

  nodesync::Publisher publisher_;
  std::unique_ptr<IdentityService> service_;
  std::unique_ptr<InProcessServer> server_;
  std::unique_ptr<v1::Identity::Stub> stub_;
  wid::KeyPtr key_;
};

TEST_F(IdentityServiceTest, OwnWorkloadGetsALeaf) {
  publisher_.publish(*loadModel(model()));
  v1::CertifyResponse response;
  grpc::Status status = certify(wid::issueNodeToken(kKey, "node-a"), kWeb, kWeb, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  auto leaf = wid::certFromDer(response.leaf_certificate());
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(wid::dnsSans(leaf->get()), std::vector<std::string>{kWeb});
  EXPECT_EQ(wid::uriSans(leaf->get()),
            std::vector<std::string>{"spiffe://cluster.local/ns/demo/sa/web"});
  EXPECT_EQ(response.valid_until().seconds(), wid::notAfterUnix(leaf->get()));
  EXPECT_NEAR(static_cast<double>(response.valid_until().seconds() - now()), 3600.0, 5.0);
  EXPECT_EQ(response.intermediate_certificates_size(), 1);
  EXPECT_EQ(service_->count(Outcome::kOk), 1U);
}

TEST_F(IdentityServiceTest, RefusalsAreCounted) {
  publisher_.publish(*loadModel(model()));
  const std::string tokenA = wid::issueNodeToken(kKey, "node-a");
  const std::string tokenB = wid::issueNodeToken(kKey, "node-b");
  std::string tampered = tokenA;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  struct Case {
    std::string name;
    std::string token;
    std::string identity;
    std::string csrIdentity;
    grpc::StatusCode code;
  };
  const std::vector<Case> cases = {
      {"own workload", tokenA, kWeb, kWeb, grpc::StatusCode::OK},
      {"node-b's own", tokenB, kApi, kApi, grpc::StatusCode::OK},
      {"other node's workload", tokenB, kWeb, kWeb, grpc::StatusCode::PERMISSION_DENIED},
      {"other node's workload, reversed", tokenA, kApi, kApi, grpc::StatusCode::PERMISSION_DENIED},
      {"tampered token", tampered, kWeb, kWeb, grpc::StatusCode::UNAUTHENTICATED},
      {"token of another key", wid::issueNodeToken(std::string(64, 'f'), "node-a"), kWeb, kWeb,
       grpc::StatusCode::UNAUTHENTICATED},
      {"no token", "", kWeb, kWeb, grpc::StatusCode::UNAUTHENTICATED},
      {"CSR for another identity", tokenA, kWeb, kApi, grpc::StatusCode::INVALID_ARGUMENT},
      {"malformed identity", tokenA, "web.demo", "web.demo", grpc::StatusCode::INVALID_ARGUMENT},
      {"other trust domain", tokenA, "web.demo.serviceaccount.identity.linkerd.example.org",
       "web.demo.serviceaccount.identity.linkerd.example.org", grpc::StatusCode::INVALID_ARGUMENT},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    grpc::Status status = certify(c.token, c.identity, c.csrIdentity);
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
  }
  EXPECT_EQ(service_->count(Outcome::kOk), 2U);
  EXPECT_EQ(service_->count(Outcome::kPermissionDenied), 2U);
  EXPECT_EQ(service_->count(Outcome::kUnauthenticated), 3U);
  EXPECT_EQ(service_->count(Outcome::kInvalidArgument), 3U);
  EXPECT_EQ(service_->count(Outcome::kInternal), 0U);

  metrics::TextWriter w;
  service_->renderMetrics(w);
  std::string text = w.take();
  for (const char* line : {"identity_certify_total{result=\"ok\"} 2\n",
                           "identity_certify_total{result=\"invalid_argument\"} 3\n",
                           "identity_certify_total{result=\"unauthenticated\"} 3\n",
                           "identity_certify_total{result=\"permission_denied\"} 2\n",
                           "identity_certify_total{result=\"unavailable\"} 0\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
}

// In Kubernetes a node proxy proves its node with its pod's projected service-account token,
// which the API server reviews (kube/token_review.h, tested against recorded answers there);
// here the reviewer is a stand-in that knows two tokens.
TEST_F(IdentityServiceTest, AServiceAccountTokenProvesTheNodeItsReviewerNames) {
  publisher_.publish(*loadModel(model()));
  const std::string jwtA = "eyJhbGciOiJSUzI1NiJ9.proxy-on-node-a.sig";
  EXPECT_EQ(certify(jwtA, kWeb, kWeb).error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << "no reviewer yet: a service-account token proves nothing";
  std::vector<std::string> reviewed;
  service_->setServiceAccountAuthority([&](std::string_view token) -> Result<std::string> {
    reviewed.emplace_back(token);
    if (token == jwtA) {
      return std::string("node-a");
    }
    return plainError("the API server did not authenticate the token");
  });
  EXPECT_TRUE(certify(jwtA, kWeb, kWeb).ok());
  EXPECT_EQ(certify(jwtA, kApi, kApi).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(certify("eyJhbGciOiJSUzI1NiJ9.forged.sig", kWeb, kWeb).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Node tokens still work beside them, and never go to the API server.
  EXPECT_TRUE(certify(wid::issueNodeToken(kKey, "node-a"), kWeb, kWeb).ok());
  EXPECT_EQ(reviewed.size(), 3U);
}

TEST_F(IdentityServiceTest, NothingPublishedYet) {
  grpc::Status status = certify(wid::issueNodeToken(kKey, "node-a"), kWeb, kWeb);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(service_->count(Outcome::kUnavailable), 1U);
}

TEST_F(IdentityServiceTest, FollowsThePublishedModel) {
  publisher_.publish(*loadModel(model()));
  const std::string tokenB = wid::issueNodeToken(kKey, "node-b");
  EXPECT_EQ(certify(tokenB, kWeb, kWeb).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // web-1 moves to node-b.
  publisher_.publish(*loadModel(testing::replaced(model(), "node-a", "node-b")));
  EXPECT_TRUE(certify(tokenB, kWeb, kWeb).ok());
  EXPECT_EQ(certify(wid::issueNodeToken(kKey, "node-a"), kWeb, kWeb).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// Files for create(): written to a fresh directory, removed at the end.
class CreateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/weir-identity-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto generated = wid::generateAnchorAndIssuer("cluster.local", std::chrono::hours(24),
                                                  std::chrono::hours(24));
    ASSERT_TRUE(generated.ok());
    write("ca.crt", generated->anchorPem);
    write("issuer.crt", generated->issuerCertPem);
    write("issuer.key", generated->issuerKeyPem);
    write("node-token.key", kKey + "\n");
    write("short.key", "0123456789\n");
    options_ = Options{.trustAnchorsFile = dir_ + "/ca.crt",
                       .issuerCertFile = dir_ + "/issuer.crt",
                       .issuerKeyFile = dir_ + "/issuer.key",
                       .nodeTokenKeyFile = dir_ + "/node-token.key"};
  }
  void TearDown() override {
    for (const char* f : {"ca.crt", "issuer.crt", "issuer.key", "node-token.key", "short.key"}) {
      ::unlink((dir_ + "/" + f).c_str());
    }
    ::rmdir(dir_.c_str());
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  // As an operator (or a Secret volume) replaces a file: a new file renamed over the old one.
  void replace(const std::string& name, const std::string& text) {
    write(name + ".next", text);
    ASSERT_EQ(::rename((dir_ + "/" + name + ".next").c_str(), (dir_ + "/" + name).c_str()), 0);
  }

  std::string dir_;
  Options options_;
  nodesync::Publisher publisher_;
};

TEST_F(CreateTest, LoadsTheFiles) {
  EXPECT_TRUE(options_.enabled());
  auto service = IdentityService::create(publisher_, options_);
  EXPECT_TRUE(service.ok()) << service.error().str();
}

// The leaf's issuer, as Certify returned it.
std::string issuerOfLeaf(IdentityService& service) {
  InProcessServer server(&service);
  auto stub = v1::Identity::NewStub(server.channel());
  auto key = wid::generateKey();
  v1::CertifyRequest request;
  request.set_identity(kWeb);
  request.set_token(wid::issueNodeToken(kKey, "node-a"));
  request.set_certificate_signing_request(wid::makeCsr(key.get(), kWeb).value());
  v1::CertifyResponse response;
  grpc::ClientContext context;
  testing::setDeadline(context);
  grpc::Status status = stub->Certify(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.intermediate_certificates_size() == 1 ? response.intermediate_certificates(0)
                                                        : "";
}

// Trust-anchor rotation as the README tells it: a bundle of the old and the new anchor, then an
// issuer of the new anchor. A half-written change (a certificate without its key) and a broken
// file are refused and counted; the issuer in force stays.
TEST_F(CreateTest, TakesUpANewIssuerAndRefusesABadOne) {
  options_.reloadCheckEvery = std::chrono::milliseconds(0);
  auto created = IdentityService::create(publisher_, options_);
  ASSERT_TRUE(created.ok()) << created.error().str();
  IdentityService& service = **created;
  publisher_.publish(*loadModel(model()));
  auto pemToDer = [](const std::string& pem) {
    auto certs = wid::parseCertsPem(pem);
    return certs.ok() ? wid::certToDer(certs->front().get()) : "";
  };
  std::ifstream oldIssuerFile(dir_ + "/issuer.crt");
  const std::string oldIssuer((std::istreambuf_iterator<char>(oldIssuerFile)), {});
  std::ifstream oldAnchorFile(dir_ + "/ca.crt");
  const std::string oldAnchor((std::istreambuf_iterator<char>(oldAnchorFile)), {});
  EXPECT_EQ(issuerOfLeaf(service), pemToDer(oldIssuer));

  auto next = wid::generateAnchorAndIssuer("cluster.local", std::chrono::hours(24),
                                           std::chrono::hours(24));
  ASSERT_TRUE(next.ok());
  replace("ca.crt", oldAnchor + next->anchorPem);
  EXPECT_EQ(issuerOfLeaf(service), pemToDer(oldIssuer));
  EXPECT_EQ(service.reloads(true), 1U);

  replace("issuer.crt", next->issuerCertPem);  // its key not yet
  EXPECT_EQ(issuerOfLeaf(service), pemToDer(oldIssuer));
  EXPECT_EQ(service.reloads(false), 1U);
  replace("issuer.key", next->issuerKeyPem);
  EXPECT_EQ(issuerOfLeaf(service), pemToDer(next->issuerCertPem));
  EXPECT_EQ(service.reloads(true), 2U);

  replace("issuer.crt", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(issuerOfLeaf(service), pemToDer(next->issuerCertPem));
  EXPECT_EQ(service.reloads(false), 2U);
  replace("ca.crt", oldAnchor);  // the new issuer does not chain to the old anchor alone
  replace("issuer.crt", next->issuerCertPem);
  EXPECT_EQ(issuerOfLeaf(service), pemToDer(next->issuerCertPem));
  EXPECT_EQ(service.reloads(false), 3U);
}

TEST_F(CreateTest, ErrorsNameTheFlagAndFile) {
  struct Case {
    std::string name;
    Options options;
    std::vector<std::string> mentions;
  };
  auto with = [this](auto change) {
    Options o = options_;
    change(o);
    return o;
  };
  const std::vector<Case> cases = {
      {"missing issuer certificate",
       with([this](Options& o) { o.issuerCertFile = dir_ + "/missing.crt"; }),
       {"--identity-issuer-cert", dir_ + "/missing.crt", "No such file"}},
      {"certificate as key",
       with([this](Options& o) { o.issuerKeyFile = dir_ + "/ca.crt"; }),
       {"--identity-issuer-key " + dir_ + "/ca.crt"}},
      {"key as anchors",
       with([this](Options& o) { o.trustAnchorsFile = dir_ + "/issuer.key"; }),
       {"--identity-trust-anchors " + dir_ + "/issuer.key"}},
      {"no anchors",
       with([](Options& o) { o.trustAnchorsFile.clear(); }),
       {"--identity-trust-anchors: required"}},
      {"no node token key",
       with([](Options& o) { o.nodeTokenKeyFile.clear(); }),
       {"--identity-node-token-key: required"}},
      {"short node token key",
       with([this](Options& o) { o.nodeTokenKeyFile = dir_ + "/short.key"; }),
       {"--identity-node-token-key", dir_ + "/short.key", "shorter than 32"}},
      {"issuer is the anchor itself, key of the issuer",
       with([this](Options& o) { o.issuerCertFile = dir_ + "/ca.crt"; }),
       {"--identity-issuer-cert " + dir_ + "/ca.crt", "does not match"}},
      {"zero lifetime",
       with([](Options& o) { o.certLifetime = std::chrono::seconds(0); }),
       {"--identity-cert-lifetime"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto service = IdentityService::create(publisher_, c.options);
    ASSERT_FALSE(service.ok());
    for (const auto& part : c.mentions) {
      EXPECT_NE(service.error().str().find(part), std::string::npos) << service.error().str();
    }
  }
}

}  // namespace
}  // namespace weir::control::identity
