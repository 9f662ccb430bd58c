#include "common/identity/ca.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <chrono>

#include "common/identity/cert_info.h"
#include "common/identity/csr.h"
#include "common/identity/generate.h"
#include "common/identity/names.h"

namespace weir::identity {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr int64_t kDay = 86400;
const std::string kWeb = "web.emojivoto.serviceaccount.identity.linkerd.cluster.local";
const std::string kWebSpiffe = "spiffe://cluster.local/ns/emojivoto/sa/web";

int64_t now() {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A CSR with arbitrary names: `cn` ("" for none) and SANs in OpenSSL's syntax ("" for none).
std::string csrWith(EVP_PKEY* key, const std::string& cn, const std::string& sans) {
  X509_REQ* req = X509_REQ_new();
  X509_REQ_set_version(req, 0);
  X509_REQ_set_pubkey(req, key);
  if (!cn.empty()) {
    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  }
  if (!sans.empty()) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, nullptr, nullptr, req, nullptr, 0);
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    sk_X509_EXTENSION_push(exts,
                           X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, sans.c_str()));
    X509_REQ_add_extensions(req, exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  X509_REQ_sign(req, key, EVP_sha256());
  unsigned char* der = nullptr;
  int n = i2d_X509_REQ(req, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  X509_REQ_free(req);
  return out;
}

// Verifies `issued` against `anchorPem` at the current time, for TLS client and server use.
std::string verifyChain(const Issued& issued, const std::string& anchorPem, int purpose) {
  auto leaf = certFromDer(issued.leafDer);
  auto anchors = parseCertsPem(anchorPem);
  if (!leaf.ok() || !anchors.ok()) {
    return "parse";
  }
  X509_STORE* store = X509_STORE_new();
  for (auto& a : *anchors) {
    X509_STORE_add_cert(store, a.get());
  }
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  std::vector<X509Ptr> held;
  for (const auto& der : issued.intermediatesDer) {
    auto cert = certFromDer(der);
    if (!cert.ok()) {
      return "parse intermediate";
    }
    sk_X509_push(untrusted, cert->get());
    held.push_back(std::move(cert.value()));
  }
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf->get(), untrusted);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  std::string result = X509_verify_cert(ctx) == 1
                           ? "ok"
                           : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  return result;
}

bool extensionCritical(X509* cert, int nid) {
  int at = X509_get_ext_by_NID(cert, nid, -1);
  return at >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, at)) == 1;
}

class CaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = now();
    auto anchor = generateAnchor("root.linkerd.cluster.local", now_ - 3600, now_ + 365 * kDay);
    ASSERT_TRUE(anchor.ok()) << anchor.error().str();
    anchor_ = *anchor;
    auto issuer =
        generateIssuerFor(anchor_, "identity.linkerd.cluster.local", now_ - 3600, now_ + 30 * kDay);
    ASSERT_TRUE(issuer.ok()) << issuer.error().str();
    issuer_ = *issuer;
    auto ca = Ca::load(anchor_.certPem, issuer_.certPem, issuer_.keyPem);
    ASSERT_TRUE(ca.ok()) << ca.error().str();
    ca_ = std::move(ca.value());
    key_ = generateKey();
    ASSERT_NE(key_, nullptr);
  }

  std::string csrFor(const std::string& identity) {
    auto csr = makeCsr(key_.get(), identity);
    EXPECT_TRUE(csr.ok()) << csr.error().str();
    return csr.ok() ? *csr : std::string();
  }

  int64_t now_ = 0;
  CertAndKey anchor_, issuer_;
  std::unique_ptr<Ca> ca_;
  KeyPtr key_;
};

TEST_F(CaTest, LeafFromCsr) {
  auto issued = ca_->certify(kWeb, csrFor(kWeb), hours(24), now_);
  ASSERT_TRUE(issued.ok()) << issued.error().str();
  auto leaf = certFromDer(issued->leafDer);
  ASSERT_TRUE(leaf.ok());
  X509* c = leaf->get();
  EXPECT_EQ(dnsSans(c), std::vector<std::string>{kWeb});
  EXPECT_EQ(uriSans(c), std::vector<std::string>{kWebSpiffe});
  EXPECT_EQ(notBeforeUnix(c), now_ - 60);
  EXPECT_EQ(notAfterUnix(c), now_ + kDay);
  EXPECT_EQ(issued->notAfterUnix, now_ + kDay);
  EXPECT_EQ(X509_check_private_key(c, key_.get()), 1) << "the leaf certifies the CSR's key";

  EXPECT_EQ(X509_check_ca(c), 0);
  EXPECT_TRUE(extensionCritical(c, NID_basic_constraints));
  EXPECT_TRUE(extensionCritical(c, NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(c), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(c), static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_NE(X509_get0_subject_key_id(c), nullptr);
  EXPECT_NE(X509_get0_authority_key_id(c), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(
                X509_get0_authority_key_id(c),
                X509_get0_subject_key_id(parseCertsPem(issuer_.certPem)->front().get())),
            0);

  // The chain: the issuer alone, then the anchor.
  ASSERT_EQ(issued->intermediatesDer.size(), 1U);
  EXPECT_EQ(issued->intermediatesDer[0], certToDer(parseCertsPem(issuer_.certPem)->front().get()));
  EXPECT_EQ(verifyChain(*issued, anchor_.certPem, X509_PURPOSE_SSL_SERVER), "ok");
  EXPECT_EQ(verifyChain(*issued, anchor_.certPem, X509_PURPOSE_SSL_CLIENT), "ok");
  auto other = generateAnchor("root.other", now_ - 3600, now_ + kDay);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(verifyChain(*issued, other->certPem, X509_PURPOSE_SSL_SERVER), "ok");
}

TEST_F(CaTest, SerialsDiffer) {
  auto a = ca_->certify(kWeb, csrFor(kWeb), hours(1), now_);
  auto b = ca_->certify(kWeb, csrFor(kWeb), hours(1), now_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(certFromDer(a->leafDer)->get()),
                             X509_get0_serialNumber(certFromDer(b->leafDer)->get())),
            0);
}

TEST_F(CaTest, IdentityLongerThanACommonName) {
  const std::string longId =
      std::string(40, 'a') + ".emojivoto.serviceaccount.identity.linkerd." + "cluster.local";
  ASSERT_GT(longId.size(), 64U);
  auto issued = ca_->certify(longId, csrFor(longId), hours(1), now_);
  ASSERT_TRUE(issued.ok()) << issued.error().str();
  auto leaf = certFromDer(issued->leafDer);
  EXPECT_EQ(dnsSans(leaf->get()), std::vector<std::string>{longId});
  EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(leaf->get())), 0);
  EXPECT_TRUE(extensionCritical(leaf->get(), NID_subject_alt_name));
  EXPECT_EQ(verifyChain(*issued, anchor_.certPem, X509_PURPOSE_SSL_CLIENT), "ok");
}

TEST_F(CaTest, RefusesBadRequests) {
  const std::string other = "api.emojivoto.serviceaccount.identity.linkerd.cluster.local";
  std::string good = csrFor(kWeb);
  // The signature is the request's last bytes: change one of them.
  std::string badSignature = good;
  badSignature[badSignature.size() - 2] ^= 0x01;
  // A byte of the signed name: the signature no longer matches.
  std::string badName = good;
  badName[badName.find("web")] = 'x';
  struct Case {
    std::string name;
    std::string identity;
    std::string csr;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"CSR for another identity", kWeb, csrFor(other), other + "\" is not the identity"},
      {"CN of another identity", kWeb, csrWith(key_.get(), other, "DNS:" + kWeb),
       "subject CN \"" + other + "\""},
      {"SAN of another identity", kWeb, csrWith(key_.get(), kWeb, "DNS:" + kWeb + ",DNS:" + other),
       "DNS name \"" + other + "\""},
      {"a URI SAN", kWeb, csrWith(key_.get(), kWeb, "URI:" + kWebSpiffe), "other than a DNS name"},
      {"an IP SAN", kWeb, csrWith(key_.get(), "", "DNS:" + kWeb + ",IP:10.0.0.1"),
       "other than a DNS name"},
      {"no name", kWeb, csrWith(key_.get(), "", ""), "names no identity"},
      {"tampered signature", kWeb, badSignature, "signature does not verify"},
      {"tampered name", kWeb, badName, "signature does not verify"},
      {"not DER", kWeb, "hello", "not a PKCS#10"},
      {"empty", kWeb, "", "CSR: empty"},
      {"trailing bytes", kWeb, good + "x", "trailing bytes"},
      {"malformed identity", "web.emojivoto", good, "not of the form"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto issued = ca_->certify(c.identity, c.csr, hours(24), now_);
    ASSERT_FALSE(issued.ok());
    EXPECT_EQ(issued.error().code, EINVAL);
    EXPECT_TRUE(contains(issued.error().context, c.error)) << issued.error().context;
  }
  // Only CN, or only the SAN, naming the identity is fine.
  EXPECT_TRUE(ca_->certify(kWeb, csrWith(key_.get(), kWeb, ""), hours(1), now_).ok());
  EXPECT_TRUE(ca_->certify(kWeb, csrWith(key_.get(), "", "DNS:" + kWeb), hours(1), now_).ok());
}

TEST_F(CaTest, LifetimeCappedByIssuerExpiry) {
  auto issuer = generateIssuerFor(anchor_, "short", now_ - 60, now_ + 3600);
  ASSERT_TRUE(issuer.ok());
  auto ca = Ca::load(anchor_.certPem, issuer->certPem, issuer->keyPem);
  ASSERT_TRUE(ca.ok()) << ca.error().str();
  EXPECT_EQ((*ca)->chainNotAfterUnix(), now_ + 3600);
  auto issued = (*ca)->certify(kWeb, csrFor(kWeb), hours(24), now_);
  ASSERT_TRUE(issued.ok()) << issued.error().str();
  EXPECT_EQ(issued->notAfterUnix, now_ + 3600);
  EXPECT_EQ(notAfterUnix(certFromDer(issued->leafDer)->get()), now_ + 3600);
  // Shorter than what is left: as asked.
  auto brief = (*ca)->certify(kWeb, csrFor(kWeb), seconds(600), now_);
  ASSERT_TRUE(brief.ok());
  EXPECT_EQ(brief->notAfterUnix, now_ + 600);
  // Past the issuer's expiry: the CA's error, not the request's.
  auto late = (*ca)->certify(kWeb, csrFor(kWeb), hours(24), now_ + 3600);
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().code, EINVAL);
  EXPECT_TRUE(contains(late.error().str(), "expired")) << late.error().str();
}

TEST_F(CaTest, LoadRefusals) {
  auto otherAnchor = generateAnchor("root.other", now_ - 3600, now_ + kDay);
  ASSERT_TRUE(otherAnchor.ok());
  auto foreignIssuer = generateIssuerFor(*otherAnchor, "foreign", now_ - 3600, now_ + kDay);
  auto expiredIssuer = generateIssuerFor(anchor_, "expired", now_ - 7200, now_ - 3600);
  auto futureIssuer = generateIssuerFor(anchor_, "future", now_ + 3600, now_ + kDay);
  ASSERT_TRUE(foreignIssuer.ok() && expiredIssuer.ok() && futureIssuer.ok());
  KeyPtr leafKey = generateKey();
  auto leaf = ca_->certify(kWeb, csrFor(kWeb), hours(1), now_);
  ASSERT_TRUE(leaf.ok());
  // A leaf as issuer: its key is key_.
  std::string leafPem = certToPem(certFromDer(leaf->leafDer)->get());
  struct Case {
    std::string name;
    std::string anchors, cert, key;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"issuer under another anchor", anchor_.certPem, foreignIssuer->certPem,
       foreignIssuer->keyPem, "does not verify against the trust anchors"},
      {"expired issuer", anchor_.certPem, expiredIssuer->certPem, expiredIssuer->keyPem, "expired"},
      {"issuer not yet valid", anchor_.certPem, futureIssuer->certPem, futureIssuer->keyPem,
       "not yet valid"},
      {"key of another issuer", anchor_.certPem, issuer_.certPem, foreignIssuer->keyPem,
       "issuer key: does not match"},
      {"a leaf as issuer", anchor_.certPem, leafPem, keyToPem(key_.get()), "not a CA"},
      {"anchors malformed", "junk", issuer_.certPem, issuer_.keyPem, "trust anchors:"},
      {"issuer malformed", anchor_.certPem, "junk", issuer_.keyPem, "issuer certificate:"},
      {"key malformed", anchor_.certPem, issuer_.certPem, "junk", "issuer key:"},
      {"key is a certificate", anchor_.certPem, issuer_.certPem, issuer_.certPem, "issuer key:"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto ca = Ca::load(c.anchors, c.cert, c.key);
    ASSERT_FALSE(ca.ok());
    EXPECT_TRUE(contains(ca.error().str(), c.error)) << ca.error().str();
  }
}

TEST_F(CaTest, AnchorBundleDuringRotation) {
  auto newAnchor = generateAnchor("root.new", now_ - 3600, now_ + 365 * kDay);
  ASSERT_TRUE(newAnchor.ok());
  auto newIssuer = generateIssuerFor(*newAnchor, "identity.new", now_ - 3600, now_ + 30 * kDay);
  ASSERT_TRUE(newIssuer.ok());
  const std::string bundle = anchor_.certPem + newAnchor->certPem;
  // Old issuer and new issuer both load against the bundle; their leaves verify against it.
  for (const CertAndKey* issuer : {&issuer_, &newIssuer.value()}) {
    auto ca = Ca::load(bundle, issuer->certPem, issuer->keyPem);
    ASSERT_TRUE(ca.ok()) << ca.error().str();
    auto issued = (*ca)->certify(kWeb, csrFor(kWeb), hours(1), now_);
    ASSERT_TRUE(issued.ok());
    EXPECT_EQ(verifyChain(*issued, bundle, X509_PURPOSE_SSL_SERVER), "ok");
  }
  // The new issuer alone against the old anchor: refused.
  EXPECT_FALSE(Ca::load(anchor_.certPem, newIssuer->certPem, newIssuer->keyPem).ok());
}

TEST(Generate, AnchorAndIssuer) {
  auto generated = generateAnchorAndIssuer("cluster.local", hours(24 * 365), hours(24 * 365));
  ASSERT_TRUE(generated.ok()) << generated.error().str();
  auto ca = Ca::load(generated->anchorPem, generated->issuerCertPem, generated->issuerKeyPem);
  ASSERT_TRUE(ca.ok()) << ca.error().str();
  auto anchor = parseCertsPem(generated->anchorPem);
  ASSERT_TRUE(anchor.ok());
  EXPECT_NEAR(static_cast<double>(notAfterUnix(anchor->front().get()) - now()),
              static_cast<double>(365 * kDay), 60.0);
  EXPECT_EQ((*ca)->chainNotAfterUnix(), notAfterUnix(anchor->front().get()));

  // The issuer never outlives the anchor.
  auto capped = generateAnchorAndIssuer("cluster.local", hours(1), hours(24));
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(notAfterUnix(parseCertsPem(capped->issuerCertPem)->front().get()),
            notAfterUnix(parseCertsPem(capped->anchorPem)->front().get()));

  EXPECT_FALSE(generateAnchorAndIssuer("bad domain", hours(1), hours(1)).ok());
  EXPECT_FALSE(generateAnchorAndIssuer("", hours(1), hours(1)).ok());
}

}  // namespace
}  // namespace weir::identity
