#pragma once

// New trust anchors and issuers, EC P-256: `weir identity init` for a first run, and tests that
// need a second issuer, a second anchor or an expired certificate.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace weir::identity {

struct Generated {
  std::string anchorPem;  // the trust anchor's certificate (its key is not kept)
  std::string issuerCertPem;
  std::string issuerKeyPem;
};

// A trust anchor "root.linkerd.<trustDomain>" and an issuer "identity.linkerd.<trustDomain>"
// under it, both valid from a minute ago (clock skew) for the given time from now; the issuer
// never outlives the anchor.
Result<Generated> generateAnchorAndIssuer(std::string_view trustDomain,
                                          std::chrono::seconds anchorValidity,
                                          std::chrono::seconds issuerValidity);

struct CertAndKey {
  std::string certPem;
  std::string keyPem;
};

// A self-signed root CA named CN=`commonName`, valid over [notBefore, notAfter].
Result<CertAndKey> generateAnchor(std::string_view commonName, int64_t notBeforeUnix,
                                  int64_t notAfterUnix);

// An issuing CA (pathlen 0) named CN=`commonName` signed by the CA `parent`, valid over
// [notBefore, notAfter] as given (not capped at the parent's validity).
Result<CertAndKey> generateIssuerFor(const CertAndKey& parent, std::string_view commonName,
                                     int64_t notBeforeUnix, int64_t notAfterUnix);

}  // namespace weir::identity
