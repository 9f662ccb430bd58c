#include "tests/unit/control/kube/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <memory>
#include <stdexcept>

namespace weir::control::kube::testing {

namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("test pki: ") + what);
  }
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string certPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert) == 1, "write cert");
  return bioText(bio.get());
}

std::string keyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "write key");
  return bioText(bio.get());
}

CertPtr parseCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  check(cert != nullptr, "parse cert");
  return cert;
}

KeyPtr parseKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  check(key != nullptr, "parse key");
  return key;
}

void addExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "make extension");
  check(X509_add_ext(cert, ext, -1) == 1, "add extension");
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `cn`, not yet signed; issuer set by the caller.
CertPtr newCert(EVP_PKEY* key, const std::string& cn) {
  static std::atomic<long> serial{1};
  CertPtr cert(X509_new());
  check(cert != nullptr, "new cert");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  check(X509_set_pubkey(cert.get(), key) == 1, "set pubkey");
  return cert;
}

}  // namespace

TestCert makeCa(const std::string& commonName) {
  KeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "generate CA key");
  CertPtr cert = newCert(key.get(), commonName);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  addExt(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  addExt(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  addExt(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign CA");
  return {certPem(cert.get()), keyPem(key.get())};
}

TestCert issueLeaf(const TestCert& ca, const std::string& commonName, const std::string& san,
                   bool client) {
  CertPtr caCert = parseCert(ca.certPem);
  KeyPtr caKey = parseKey(ca.keyPem);
  KeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "generate leaf key");
  CertPtr cert = newCert(key.get(), commonName);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(caCert.get()));
  addExt(cert.get(), caCert.get(), NID_basic_constraints, "critical,CA:FALSE");
  addExt(cert.get(), caCert.get(), NID_key_usage, "critical,digitalSignature");
  addExt(cert.get(), caCert.get(), NID_ext_key_usage, client ? "clientAuth" : "serverAuth");
  addExt(cert.get(), caCert.get(), NID_authority_key_identifier, "keyid:always");
  if (!san.empty()) {
    addExt(cert.get(), caCert.get(), NID_subject_alt_name, san);
  }
  check(X509_sign(cert.get(), caKey.get(), EVP_sha256()) > 0, "sign leaf");
  return {certPem(cert.get()), keyPem(key.get())};
}

}  // namespace weir::control::kube::testing
