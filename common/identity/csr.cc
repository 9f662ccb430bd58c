#include "common/identity/csr.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/identity/cert_build.h"

namespace weir::identity {

namespace {

using ReqPtr = Owned<X509_REQ, X509_REQ_free>;

void freeExtensions(STACK_OF(X509_EXTENSION) * exts) {
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}
using ExtensionsPtr = Owned<STACK_OF(X509_EXTENSION), freeExtensions>;

}  // namespace

KeyPtr generateKey() { return KeyPtr(EVP_EC_gen("P-256")); }

Result<std::string> makeCsr(EVP_PKEY* key, std::string_view identity) {
  if (key == nullptr) {
    return plainError("make CSR: no key");
  }
  ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), 0) != 1 || X509_REQ_set_pubkey(req.get(), key) != 1) {
    return sslFailure("make CSR");
  }
  if (identity.size() <= kMaxCommonName) {
    if (auto st = addCommonName(X509_REQ_get_subject_name(req.get()), identity); !st) {
      return st.error();
    }
  }
  auto names = makeSans(identity, "");
  if (!names) {
    return names.error();
  }
  STACK_OF(X509_EXTENSION)* raw = nullptr;  // X509V3_add1_i2d allocates the stack
  int added = X509V3_add1_i2d(&raw, NID_subject_alt_name, names->get(), 0, X509V3_ADD_DEFAULT);
  ExtensionsPtr exts(raw);
  if (added != 1) {
    return sslFailure("make CSR: subject alternative name");
  }
  if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) {
    return sslFailure("make CSR: extensions");
  }
  if (X509_REQ_sign(req.get(), key, signatureDigest(key)) <= 0) {
    return sslFailure("make CSR: sign");
  }
  unsigned char* der = nullptr;
  int n = i2d_X509_REQ(req.get(), &der);
  if (n <= 0) {
    return sslFailure("make CSR: encode");
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}

}  // namespace weir::identity
