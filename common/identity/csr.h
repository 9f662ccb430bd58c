#pragma once

// The client side of Certify: a key pair and a certificate signing request for one identity.

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/identity/pem.h"

namespace weir::identity {

// A new EC P-256 key pair; null only when OpenSSL cannot generate one.
KeyPtr generateKey();

// A PKCS#10 request, DER, signed with `key`, naming `identity` as its DNS SAN and as its
// subject CN (when it fits X.509's 64-character bound; otherwise the subject is empty).
Result<std::string> makeCsr(EVP_PKEY* key, std::string_view identity);

}  // namespace weir::identity
