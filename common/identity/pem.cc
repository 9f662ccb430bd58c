#include "common/identity/pem.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <climits>

namespace weir::identity {

namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// A read-only memory BIO over `text`; null when it is too large for OpenSSL's int length.
BioPtr memBio(std::string_view text) {
  if (text.size() > static_cast<size_t>(INT_MAX)) {
    return nullptr;
  }
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

// Refuses to ask for a passphrase: an encrypted key fails to parse.
int noPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return -1; }

Error sslError(const std::string& what) {
  std::string detail = takeOpensslErrors();
  return plainError(detail.empty() ? what : what + ": " + detail);
}

}  // namespace

void X509Free::operator()(X509* cert) const { X509_free(cert); }
void KeyFree::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

std::string takeOpensslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) {
      out += "; ";
    }
    out += buf;
  }
  return out;
}

Result<std::vector<X509Ptr>> parseCertsPem(std::string_view pem) {
  ERR_clear_error();
  BioPtr bio = memBio(pem);
  if (!bio) {
    return plainError("parse certificates: input too large");
  }
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, noPassphrase, nullptr)) {
    certs.emplace_back(cert);
  }
  // The loop ends at the end of input (no further BEGIN line) or at a malformed block.
  unsigned long last = ERR_peek_last_error();
  if (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE) {
    ERR_clear_error();
  }
  if (ERR_peek_error() != 0) {
    return sslError("parse certificate " + std::to_string(certs.size() + 1));
  }
  if (certs.empty()) {
    return plainError("parse certificates: no PEM CERTIFICATE block");
  }
  return certs;
}

Result<KeyPtr> parseKeyPem(std::string_view pem) {
  ERR_clear_error();
  BioPtr bio = memBio(pem);
  if (!bio) {
    return plainError("parse private key: input too large");
  }
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr));
  if (!key) {
    return sslError("parse private key (PEM, unencrypted)");
  }
  return key;
}

Result<X509Ptr> certFromDer(std::string_view der) {
  ERR_clear_error();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = p + der.size();
  if (der.size() > static_cast<size_t>(LONG_MAX)) {
    return plainError("parse certificate (DER): input too large");
  }
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) {
    return sslError("parse certificate (DER)");
  }
  if (p != end) {
    return plainError("parse certificate (DER): trailing bytes");
  }
  return cert;
}

std::string certToDer(X509* cert) {
  unsigned char* out = nullptr;
  int n = i2d_X509(cert, &out);
  if (n <= 0) {
    return {};
  }
  std::string der(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return der;
}

std::string certToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return {};
  }
  return bioText(bio.get());
}

std::string keyToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  return bioText(bio.get());
}

}  // namespace weir::identity
