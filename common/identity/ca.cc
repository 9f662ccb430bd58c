#include "common/identity/ca.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "common/identity/cert_build.h"
#include "common/identity/cert_info.h"
#include "common/identity/names.h"

namespace weir::identity {

namespace {

// A leaf is valid from a minute before it was signed: clocks of the mesh's hosts differ a little.
constexpr int64_t kBackdateSeconds = 60;
constexpr int kMinRsaBits = 2048;

using ReqPtr = Owned<X509_REQ, X509_REQ_free>;
using StorePtr = Owned<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = Owned<X509_STORE_CTX, X509_STORE_CTX_free>;

void freeCertStack(STACK_OF(X509) * certs) { sk_X509_pop_free(certs, X509_free); }
using CertStackPtr = Owned<STACK_OF(X509), freeCertStack>;
void freeExtensions(STACK_OF(X509_EXTENSION) * exts) {
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}
using ExtensionsPtr = Owned<STACK_OF(X509_EXTENSION), freeExtensions>;

Error invalid(std::string why) { return Error{EINVAL, std::move(why)}; }

Result<ReqPtr> parseCsr(std::string_view der) {
  if (der.empty() || der.size() > static_cast<size_t>(LONG_MAX)) {
    return invalid("CSR: empty");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = p + der.size();
  ReqPtr req(d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) {
    return invalid(sslFailure("CSR: not a PKCS#10 request (DER)").context);
  }
  if (p != end) {
    return invalid("CSR: trailing bytes after the request");
  }
  return req;
}

Status checkKey(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof(group), &len) == 1 &&
          (std::string_view(group) == "prime256v1" || std::string_view(group) == "secp384r1")) {
        return {};
      }
      return invalid(std::string("CSR: EC key on curve \"") + group + "\" (P-256 or P-384)");
    }
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(key) >= kMinRsaBits) {
        return {};
      }
      return invalid("CSR: RSA key of " + std::to_string(EVP_PKEY_get_bits(key)) +
                     " bits (at least 2048)");
    case EVP_PKEY_ED25519:
      return {};
    default:
      return invalid("CSR: unsupported key type (EC P-256/P-384, RSA, Ed25519)");
  }
}

// The subject may be empty or hold CNs equal to `identity`; SANs may only be DNS names equal to
// it; at least one of them names it.
Status checkNames(X509_REQ* req, std::string_view identity) {
  bool named = false;
  X509_NAME* subject = X509_REQ_get_subject_name(req);
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    X509_NAME_ENTRY* entry = X509_NAME_get_entry(subject, i);
    int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    if (nid != NID_commonName) {
      return invalid(std::string("CSR: subject attribute ") +
                     (nid == NID_undef ? "unknown" : OBJ_nid2sn(nid)) + " (only CN is allowed)");
    }
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    std::string cn =
        n >= 0 ? std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(n)) : std::string();
    OPENSSL_free(utf8);
    if (cn != identity) {
      return invalid("CSR: subject CN \"" + cn + "\" is not the identity \"" +
                     std::string(identity) + "\"");
    }
    named = true;
  }
  ExtensionsPtr exts(X509_REQ_get_extensions(req));
  int critical = 0;
  GeneralNamesPtr sans(static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(exts.get(), NID_subject_alt_name, &critical, nullptr)));
  if (!sans && critical == -2) {
    return invalid("CSR: more than one subjectAltName extension");
  }
  if (!sans && critical >= 0) {
    return invalid("CSR: malformed subjectAltName extension");
  }
  for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans.get()); ++i) {
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(
        GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(sans.get(), i), &type));
    if (type != GEN_DNS) {
      return invalid("CSR: a subjectAltName other than a DNS name (only the identity is allowed)");
    }
    std::string_view dns(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                         static_cast<size_t>(ASN1_STRING_length(value)));
    if (dns != identity) {
      return invalid("CSR: DNS name \"" + std::string(dns) + "\" is not the identity \"" +
                     std::string(identity) + "\"");
    }
    named = true;
  }
  if (!named) {
    return invalid("CSR: names no identity (neither CN nor DNS subjectAltName)");
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Ca>> Ca::load(std::string_view anchorsPem, std::string_view issuerCertPem,
                                     std::string_view issuerKeyPem) {
  auto anchors = parseCertsPem(anchorsPem);
  if (!anchors) {
    return plainError("trust anchors: " + anchors.error().context);
  }
  auto chain = parseCertsPem(issuerCertPem);
  if (!chain) {
    return plainError("issuer certificate: " + chain.error().context);
  }
  auto key = parseKeyPem(issuerKeyPem);
  if (!key) {
    return plainError("issuer key: " + key.error().context);
  }
  X509* issuer = chain->front().get();
  if (X509_check_private_key(issuer, key->get()) != 1) {
    takeOpensslErrors();
    return plainError("issuer key: does not match the issuer certificate");
  }
  // Also fills the certificate's extension cache, which signing then only reads (no lock).
  if (X509_check_ca(issuer) == 0) {
    return plainError(
        "issuer certificate: not a CA (needs basicConstraints CA:TRUE and, with keyUsage, "
        "keyCertSign)");
  }

  StorePtr store(X509_STORE_new());
  CertStackPtr untrusted(sk_X509_new_null());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) {
    return sslFailure("issuer certificate: verify");
  }
  for (const X509Ptr& anchor : *anchors) {
    if (X509_STORE_add_cert(store.get(), anchor.get()) != 1) {
      return sslFailure("trust anchors: add to store");
    }
  }
  for (size_t i = 1; i < chain->size(); ++i) {
    if (sk_X509_push(untrusted.get(), (*chain)[i].get()) <= 0) {
      return sslFailure("issuer certificate: verify");
    }
    X509_up_ref((*chain)[i].get());
  }
  // An anchor need not be self-signed: trust ends at whichever anchor the chain reaches, as in
  // the proxies' verifiers.
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  if (X509_STORE_CTX_init(ctx.get(), store.get(), issuer, untrusted.get()) != 1) {
    return sslFailure("issuer certificate: verify");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    takeOpensslErrors();
    return plainError(std::string("issuer certificate: does not verify against the trust "
                                  "anchors: ") +
                      X509_verify_cert_error_string(err) + " (depth " +
                      std::to_string(X509_STORE_CTX_get_error_depth(ctx.get())) + ")");
  }

  std::unique_ptr<Ca> ca(new Ca());
  // The verified chain: issuer, intermediates, anchor. The anchor is the peers' to have.
  STACK_OF(X509)* verified = X509_STORE_CTX_get0_chain(ctx.get());
  int n = sk_X509_num(verified);
  ca->chainNotAfter_ = INT64_MAX;
  for (int i = 0; i < n; ++i) {
    X509* cert = sk_X509_value(verified, i);
    ca->chainNotAfter_ = std::min(ca->chainNotAfter_, notAfterUnix(cert));
    if (i + 1 < n) {
      ca->intermediatesDer_.push_back(certToDer(cert));
    }
  }
  ca->issuer_ = std::move(chain->front());
  ca->key_ = std::move(key.value());
  return ca;
}

Result<Issued> Ca::certify(std::string_view identity, std::string_view csrDer,
                           std::chrono::seconds lifetime, int64_t nowUnix) const {
  auto name = parseIdentity(identity);
  if (!name) {
    return invalid(name.error().context);
  }
  auto req = parseCsr(csrDer);
  if (!req) {
    return req.error();
  }
  EVP_PKEY* publicKey = X509_REQ_get0_pubkey(req->get());
  if (publicKey == nullptr) {
    return invalid(sslFailure("CSR: unreadable public key").context);
  }
  if (auto st = checkKey(publicKey); !st) {
    return st.error();
  }
  if (X509_REQ_verify(req->get(), publicKey) != 1) {
    takeOpensslErrors();
    return invalid("CSR: signature does not verify");
  }
  if (auto st = checkNames(req->get(), identity); !st) {
    return st.error();
  }
  if (lifetime.count() <= 0) {
    return plainError("certificate lifetime must be positive");
  }
  int64_t notAfter = std::min(nowUnix + lifetime.count(), chainNotAfter_);
  if (notAfter <= nowUnix) {
    return plainError("issuer chain expired at " + std::to_string(chainNotAfter_) + " (unix)");
  }

  X509Ptr leaf(X509_new());
  if (!leaf || X509_set_version(leaf.get(), X509_VERSION_3) != 1 ||
      X509_set_issuer_name(leaf.get(), X509_get_subject_name(issuer_.get())) != 1 ||
      X509_set_pubkey(leaf.get(), publicKey) != 1) {
    return sslFailure("leaf certificate");
  }
  bool withCn = identity.size() <= kMaxCommonName;
  auto sans = makeSans(identity, spiffeId(*name));
  if (!sans) {
    return sans.error();
  }
  // Every step runs (they are cheap); the first failure is reported.
  for (const Status& st :
       {setRandomSerial(leaf.get()),
        withCn ? addCommonName(X509_get_subject_name(leaf.get()), identity) : Status{},
        setValidity(leaf.get(), nowUnix - kBackdateSeconds, notAfter),
        addExtension(leaf.get(), issuer_.get(), NID_basic_constraints, "critical,CA:FALSE"),
        addExtension(leaf.get(), issuer_.get(), NID_key_usage, "critical,digitalSignature"),
        addExtension(leaf.get(), issuer_.get(), NID_ext_key_usage, "serverAuth,clientAuth"),
        addExtension(leaf.get(), issuer_.get(), NID_subject_key_identifier, "hash"),
        addExtension(leaf.get(), issuer_.get(), NID_authority_key_identifier, "keyid,issuer")}) {
    if (!st) {
      return st.error();
    }
  }
  // RFC 5280 4.2.1.6: with an empty subject, the SAN extension is critical.
  if (X509_add1_ext_i2d(leaf.get(), NID_subject_alt_name, sans->get(), withCn ? 0 : 1,
                        X509V3_ADD_DEFAULT) != 1) {
    return sslFailure("leaf certificate: subject alternative names");
  }
  if (auto st = signCert(leaf.get(), key_.get()); !st) {
    return st.error();
  }
  return Issued{.leafDer = certToDer(leaf.get()),
                .intermediatesDer = intermediatesDer_,
                .notAfterUnix = notAfter};
}

}  // namespace weir::identity
