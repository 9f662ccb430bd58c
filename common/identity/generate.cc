#include "common/identity/generate.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "common/identity/cert_build.h"
#include "common/identity/csr.h"
#include "common/identity/names.h"
#include "common/identity/pem.h"

namespace weir::identity {

namespace {

constexpr int64_t kBackdateSeconds = 60;

int64_t nowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A CA certificate for `key` named `commonName`, signed by `signerKey` as `signer` (null: self-
// signed), with `basicConstraints` in OpenSSL's config syntax.
Result<CertAndKey> makeCa(EVP_PKEY* key, std::string_view commonName, X509* signer,
                          EVP_PKEY* signerKey, int64_t notBefore, int64_t notAfter,
                          const char* basicConstraints) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return sslFailure("new CA certificate");
  }
  X509* issuer = signer != nullptr ? signer : cert.get();
  // Every step runs (they are cheap); the first failure is reported.
  for (const Status& st :
       {setRandomSerial(cert.get()), addCommonName(X509_get_subject_name(cert.get()), commonName),
        setValidity(cert.get(), notBefore, notAfter)}) {
    if (!st) {
      return st.error();
    }
  }
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)) != 1) {
    return sslFailure("new CA certificate: issuer name");
  }
  // Every step runs (they are cheap); the first failure is reported.
  for (const Status& st :
       {addExtension(cert.get(), issuer, NID_basic_constraints, basicConstraints),
        addExtension(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign"),
        addExtension(cert.get(), issuer, NID_subject_key_identifier, "hash"),
        addExtension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always")}) {
    if (!st) {
      return st.error();
    }
  }
  if (auto st = signCert(cert.get(), signerKey); !st) {
    return st.error();
  }
  return CertAndKey{.certPem = certToPem(cert.get()), .keyPem = keyToPem(key)};
}

}  // namespace

Result<CertAndKey> generateAnchor(std::string_view commonName, int64_t notBeforeUnix,
                                  int64_t notAfterUnix) {
  KeyPtr key = generateKey();
  if (!key) {
    return sslFailure("generate trust anchor key");
  }
  return makeCa(key.get(), commonName, nullptr, key.get(), notBeforeUnix, notAfterUnix,
                "critical,CA:TRUE");
}

Result<CertAndKey> generateIssuerFor(const CertAndKey& parent, std::string_view commonName,
                                     int64_t notBeforeUnix, int64_t notAfterUnix) {
  auto parentCerts = parseCertsPem(parent.certPem);
  if (!parentCerts) {
    return plainError("parent certificate: " + parentCerts.error().context);
  }
  auto parentKey = parseKeyPem(parent.keyPem);
  if (!parentKey) {
    return plainError("parent key: " + parentKey.error().context);
  }
  KeyPtr key = generateKey();
  if (!key) {
    return sslFailure("generate issuer key");
  }
  return makeCa(key.get(), commonName, parentCerts->front().get(), parentKey->get(), notBeforeUnix,
                notAfterUnix, "critical,CA:TRUE,pathlen:0");
}

Result<Generated> generateAnchorAndIssuer(std::string_view trustDomain,
                                          std::chrono::seconds anchorValidity,
                                          std::chrono::seconds issuerValidity) {
  if (auto st = checkDnsName(trustDomain); !st) {
    return plainError("trust domain \"" + std::string(trustDomain) + "\": " + st.error().context);
  }
  if (anchorValidity.count() <= 0 || issuerValidity.count() <= 0) {
    return plainError("validity must be positive");
  }
  int64_t now = nowUnix();
  // Valid from a minute ago, as leaves are: hosts' clocks differ a little.
  int64_t notBefore = now - kBackdateSeconds;
  int64_t anchorNotAfter = now + anchorValidity.count();
  auto anchor =
      generateAnchor("root.linkerd." + std::string(trustDomain), notBefore, anchorNotAfter);
  if (!anchor) {
    return anchor.error();
  }
  auto issuer =
      generateIssuerFor(*anchor, "identity.linkerd." + std::string(trustDomain), notBefore,
                        std::min(anchorNotAfter, now + issuerValidity.count()));
  if (!issuer) {
    return issuer.error();
  }
  return Generated{.anchorPem = anchor->certPem,
                   .issuerCertPem = issuer->certPem,
                   .issuerKeyPem = issuer->keyPem};
}

}  // namespace weir::identity
