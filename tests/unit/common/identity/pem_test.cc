#include "common/identity/pem.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/identity/csr.h"
#include "common/identity/generate.h"

namespace weir::identity {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class Pem : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = generateAnchor("root-a", 0, 4102444800);  // until 2100
    auto b = generateAnchor("root-b", 0, 4102444800);
    ASSERT_TRUE(a.ok() && b.ok());
    a_ = *a;
    b_ = *b;
  }
  CertAndKey a_, b_;
};

TEST_F(Pem, BundleOfCertificates) {
  auto certs = parseCertsPem(a_.certPem + b_.certPem);
  ASSERT_TRUE(certs.ok()) << certs.error().str();
  ASSERT_EQ(certs->size(), 2U);
  EXPECT_EQ(certToPem((*certs)[0].get()), a_.certPem);
  EXPECT_EQ(certToPem((*certs)[1].get()), b_.certPem);

  // A key block between certificates is skipped, as in a combined cert+key file.
  auto mixed = parseCertsPem(a_.certPem + a_.keyPem + b_.certPem);
  ASSERT_TRUE(mixed.ok()) << mixed.error().str();
  EXPECT_EQ(mixed->size(), 2U);
}

TEST_F(Pem, MalformedCertificates) {
  struct Case {
    std::string name;
    std::string pem;
  };
  std::string corrupt = b_.certPem;
  corrupt[corrupt.size() / 2] = '!';
  const std::vector<Case> cases = {
      {"empty", ""},
      {"no certificate", "hello\n"},
      {"key only", a_.keyPem},
      {"second corrupt", a_.certPem + corrupt},
      {"truncated", a_.certPem.substr(0, a_.certPem.size() / 2)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto certs = parseCertsPem(c.pem);
    EXPECT_FALSE(certs.ok());
  }
}

TEST_F(Pem, Keys) {
  auto key = parseKeyPem(a_.keyPem);
  ASSERT_TRUE(key.ok()) << key.error().str();
  EXPECT_EQ(keyToPem(key->get()), a_.keyPem);
  EXPECT_FALSE(parseKeyPem(a_.certPem).ok());
  EXPECT_FALSE(parseKeyPem("").ok());

  // An encrypted key fails instead of prompting for a passphrase.
  BIO* bio = BIO_new(BIO_s_mem());
  std::string pass = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, key->get(), EVP_aes_256_cbc(), pass.data(),
                                          static_cast<int>(pass.size()), nullptr, nullptr),
            1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string encrypted(data, static_cast<size_t>(n));
  BIO_free(bio);
  EXPECT_FALSE(parseKeyPem(encrypted).ok());
}

TEST_F(Pem, Der) {
  auto certs = parseCertsPem(a_.certPem);
  ASSERT_TRUE(certs.ok());
  std::string der = certToDer(certs->front().get());
  auto back = certFromDer(der);
  ASSERT_TRUE(back.ok()) << back.error().str();
  EXPECT_EQ(certToDer(back->get()), der);
  EXPECT_FALSE(certFromDer(der + "x").ok());
  EXPECT_FALSE(certFromDer(der.substr(0, der.size() - 1)).ok());
  EXPECT_FALSE(certFromDer("").ok());
}

}  // namespace
}  // namespace weir::identity
