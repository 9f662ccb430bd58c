#pragma once

// OpenSSL objects owned by unique_ptr, and their PEM and DER forms. Every parser returns an error
// (with OpenSSL's reason) for malformed input; nothing here prompts for a passphrase.

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace weir::identity {

struct X509Free {
  void operator()(X509* cert) const;
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

struct KeyFree {
  void operator()(EVP_PKEY* key) const;
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

// Every CERTIFICATE block of `pem`, in order; an error when there is none or one is malformed.
Result<std::vector<X509Ptr>> parseCertsPem(std::string_view pem);
// The first private key of `pem` (PKCS#8, SEC1 or PKCS#1); an encrypted key is an error.
Result<KeyPtr> parseKeyPem(std::string_view pem);
// One DER certificate, with no trailing bytes.
Result<X509Ptr> certFromDer(std::string_view der);

std::string certToDer(X509* cert);
std::string certToPem(X509* cert);
std::string keyToPem(EVP_PKEY* key);  // PKCS#8, unencrypted

// OpenSSL's queued errors as one line ("" when none), and the queue emptied.
std::string takeOpensslErrors();

}  // namespace weir::identity
