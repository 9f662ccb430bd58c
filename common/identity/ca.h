#pragma once

// The mesh CA: trust anchor -> issuer -> leaf. weir-control loads the issuer (certificate and
// key, Linkerd's identity.issuer.tls.crtPEM / keyPEM) and the trust anchors
// (identityTrustAnchorsPEM), and signs workload certificates with it.
//
//   auto ca = Ca::load(anchorsPem, issuerCertPem, issuerKeyPem);
//   auto issued = (*ca)->certify(identity, csrDer, std::chrono::hours(24), nowUnix);

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/identity/pem.h"

namespace weir::identity {

struct Issued {
  std::string leafDer;
  // From the leaf's issuer up to, not including, the trust anchor; the issuer first.
  std::vector<std::string> intermediatesDer;
  int64_t notAfterUnix = 0;
};

class Ca {
 public:
  // anchorsPem: one or more trust anchors (a bundle during rotation). issuerCertPem: the issuer,
  // optionally followed by the intermediates between it and an anchor. The issuer must be a CA,
  // chain to one of the anchors and be valid now, and the key must match it; the error says
  // which part failed.
  static Result<std::unique_ptr<Ca>> load(std::string_view anchorsPem,
                                          std::string_view issuerCertPem,
                                          std::string_view issuerKeyPem);

  // Signs the CSR (DER) for `identity` (Linkerd's form, names.h). The CSR's signature must verify,
  // its key be EC P-256/P-384, RSA >= 2048 or Ed25519, and its names be exactly `identity`: a CN
  // and/or DNS SANs equal to it, no other subject attribute and no other SAN. The leaf: random
  // serial, notBefore now-60s, notAfter now+lifetime capped at the earliest notAfter of the chain
  // (the issuer's, or an intermediate's or anchor's when earlier), SANs DNS=identity and
  // URI=spiffeId, basicConstraints CA:FALSE and keyUsage digitalSignature (both critical), EKU
  // serverAuth+clientAuth, SKI/AKI, signed with the issuer's key (SHA-256).
  // Errors the request caused (identity, CSR) carry code EINVAL and say why in `context`; any
  // other error (the issuer expired, OpenSSL failed) is the CA's.
  Result<Issued> certify(std::string_view identity, std::string_view csrDer,
                         std::chrono::seconds lifetime, int64_t nowUnix) const;

  // The earliest notAfter of the issuer's chain: no leaf outlives it.
  int64_t chainNotAfterUnix() const { return chainNotAfter_; }

 private:
  Ca() = default;

  X509Ptr issuer_;
  KeyPtr key_;
  std::vector<std::string> intermediatesDer_;
  int64_t chainNotAfter_ = 0;
};

}  // namespace weir::identity
