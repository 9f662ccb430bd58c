// weir-control's serving certificate over a real gRPC server on loopback: a client that holds
// the trust anchors and asks for the control plane's identity gets through; one that asks for
// another name, holds other anchors or speaks plaintext does not. A new issuer (a rotation) is
// served without a restart, and the certificate is renewed before it expires.

#include "control/identity/serving.h"

#include <gtest/gtest.h>
#include <grpcpp/generic/async_generic_service.h>

#include <chrono>
#include <functional>
#include <thread>

#include "common/grpctls/control_channel.h"
#include "common/identity/generate.h"
#include "common/identity/pem.h"

namespace weir::control::identity {
namespace {

namespace wi = ::weir::identity;
using namespace std::chrono_literals;

const std::string kName = grpctls::controlIdentity("cluster.local");

struct TestCa {
  std::string anchorPem;
  std::shared_ptr<const wi::Ca> ca;
};

TestCa makeCa() {
  auto g = wi::generateAnchorAndIssuer("cluster.local", 24h, 24h);
  EXPECT_TRUE(g) << g.error().str();
  auto ca = wi::Ca::load(g.value().anchorPem, g.value().issuerCertPem, g.value().issuerKeyPem);
  EXPECT_TRUE(ca) << ca.error().str();
  return {g.value().anchorPem, std::shared_ptr<const wi::Ca>(std::move(ca.value()))};
}

// Waits for `done` up to 20 s (the file watcher looks once a second).
bool eventually(const std::function<bool()>& done) {
  for (auto end = std::chrono::steady_clock::now() + 20s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(100ms)) {
    if (done()) {
      return true;
    }
  }
  return done();
}

class ServingTest : public ::testing::Test {
 protected:
  void start(ServingCert::Options options) {
    auto s = ServingCert::start([this] {
      std::lock_guard lock(mu_);
      return current_;
    }, kName, options);
    ASSERT_TRUE(s) << s.error().str();
    serving_ = std::move(s.value());
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", serving_->credentials(), &port_);
    b.RegisterCallbackGenericService(&generic_);  // a server needs a service
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now() + 1s);
    }
  }
  void setCa(std::shared_ptr<const wi::Ca> ca) {
    std::lock_guard lock(mu_);
    current_ = std::move(ca);
  }
  // Whether a new channel completes its handshake (given up to 10 s; one that fails its
  // handshake is given 1.5 s before it counts as not connecting).
  bool connects(const std::string& anchorsPem, const std::string& name) {
    std::string file = ::testing::TempDir() + "/anchors-" + std::to_string(++files_) + ".crt";
    FILE* f = fopen(file.c_str(), "w");
    fwrite(anchorsPem.data(), 1, anchorsPem.size(), f);
    fclose(f);
    auto ch = grpctls::controlChannel("127.0.0.1:" + std::to_string(port_),
                                      {.anchorsFile = file, .serverName = name});
    EXPECT_TRUE(ch) << ch.error().str();
    if (!ch) {
      return false;
    }
    auto until = std::chrono::system_clock::now() + 10s;
    for (;;) {
      auto state = ch.value()->GetState(true);
      if (state == GRPC_CHANNEL_READY) {
        return true;
      }
      if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || std::chrono::system_clock::now() > until) {
        return false;
      }
      ch.value()->WaitForStateChange(state, std::chrono::system_clock::now() + 1500ms);
    }
  }
  bool plaintextConnects() {
    auto ch = grpctls::controlChannel("127.0.0.1:" + std::to_string(port_), {});
    EXPECT_TRUE(ch);
    return ch.value()->WaitForConnected(std::chrono::system_clock::now() + 1500ms);
  }

  std::mutex mu_;
  std::shared_ptr<const wi::Ca> current_;
  std::unique_ptr<ServingCert> serving_;
  grpc::CallbackGenericService generic_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int files_ = 0;
};

TEST_F(ServingTest, OnlyAClientThatChecksTheControlIdentityAgainstTheAnchorsGetsThrough) {
  TestCa a = makeCa();
  TestCa other = makeCa();
  setCa(a.ca);
  start({});
  EXPECT_TRUE(connects(a.anchorPem, kName));
  EXPECT_FALSE(connects(a.anchorPem, "web.demo.serviceaccount.identity.linkerd.cluster.local"));
  EXPECT_FALSE(connects(other.anchorPem, kName));
  EXPECT_FALSE(plaintextConnects());
  // The key is the leaf's and stays in memory: the PEM gRPC reads is key, leaf, issuer.
  std::string pem = serving_->currentPem();
  auto certs = wi::parseCertsPem(pem);
  ASSERT_TRUE(certs);
  EXPECT_EQ(certs.value().size(), 2U);
  EXPECT_TRUE(wi::parseKeyPem(pem));
}

TEST_F(ServingTest, ANewIssuerIsServedWithoutARestart) {
  TestCa oldCa = makeCa();
  TestCa newCa = makeCa();
  setCa(oldCa.ca);
  start({.checkEvery = 100ms});
  ASSERT_TRUE(connects(oldCa.anchorPem, kName));
  setCa(newCa.ca);
  EXPECT_TRUE(eventually([&] { return connects(newCa.anchorPem, kName); }))
      << "a client with only the new anchor never got through";
  EXPECT_FALSE(connects(oldCa.anchorPem, kName));
  metrics::TextWriter w;
  serving_->renderMetrics(w);
  std::string body = w.take();
  EXPECT_NE(body.find("weir_control_serving_cert_renewals_total{result=\"ok\"} 1"),
            std::string::npos)
      << body;
}

TEST_F(ServingTest, TheCertificateIsRenewedBeforeItExpires) {
  TestCa a = makeCa();
  setCa(a.ca);
  start({.lifetime = 3s, .checkEvery = 100ms});
  std::string first = serving_->currentPem();
  EXPECT_TRUE(eventually([&] { return serving_->currentPem() != first; }));
  EXPECT_TRUE(connects(a.anchorPem, kName));
}

TEST(ServingStart, NoIssuerIsAnError) {
  auto s = ServingCert::start([] { return std::shared_ptr<const wi::Ca>(); }, kName, {});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().str().find(kName), std::string::npos) << s.error().str();
}

}  // namespace
}  // namespace weir::control::identity
