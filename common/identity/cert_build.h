#pragma once

// The pieces the CA (ca.cc), the generator of anchors and issuers (generate.cc) and the CSR
// maker (csr.cc) build certificates from. Internal to weir_identity.

#include <openssl/types.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace weir::identity {

// unique_ptr deleter calling an OpenSSL free function: Owned<X509_REQ, X509_REQ_free>.
template <typename T, void (*F)(T*)>
struct OpensslFree {
  void operator()(T* p) const { F(p); }
};
template <typename T, void (*F)(T*)>
using Owned = std::unique_ptr<T, OpensslFree<T, F>>;

using GeneralNamesPtr = Owned<GENERAL_NAMES, GENERAL_NAMES_free>;

// X.509's upper bound of a commonName (ub-common-name).
inline constexpr size_t kMaxCommonName = 64;

// "what: <OpenSSL's errors>", the queue emptied.
Error sslFailure(const std::string& what);

// Adds one extension in OpenSSL's config syntax ("critical,CA:TRUE"), `issuer` giving the
// authority key identifier (the certificate itself when self-signed).
Status addExtension(X509* cert, X509* issuer, int nid, const char* value);
// 128 random bits, positive.
Status setRandomSerial(X509* cert);
Status setValidity(X509* cert, int64_t notBeforeUnix, int64_t notAfterUnix);
// Appends CN=`cn` to `name`.
Status addCommonName(X509_NAME* name, std::string_view cn);
// GENERAL_NAMES holding one DNS name and, when `uri` is not empty, one URI.
Result<GeneralNamesPtr> makeSans(std::string_view dns, std::string_view uri);
// The names of one GENERAL_NAME type (GEN_DNS, GEN_URI) in `names`, in order.
std::vector<std::string> namesOfType(const GENERAL_NAMES* names, int type);
// The digest `key` signs with: SHA-256, or none for Ed25519 and Ed448.
const EVP_MD* signatureDigest(EVP_PKEY* key);
// SHA-256 over the certificate, signed with `key` (Ed25519 keys sign without a digest).
Status signCert(X509* cert, EVP_PKEY* key);

}  // namespace weir::identity
