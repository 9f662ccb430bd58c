#include "common/identity/cert_build.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "common/identity/pem.h"

namespace weir::identity {

namespace {

constexpr int kSerialBits = 128;

using BignumPtr = Owned<BIGNUM, BN_free>;
using ExtensionPtr = Owned<X509_EXTENSION, X509_EXTENSION_free>;

}  // namespace

Error sslFailure(const std::string& what) {
  std::string detail = takeOpensslErrors();
  return plainError(detail.empty() ? what : what + ": " + detail);
}

Status addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return sslFailure(std::string("add extension ") + OBJ_nid2sn(nid) + " " + value);
  }
  return {};
}

Status setRandomSerial(X509* cert) {
  BignumPtr bn(BN_new());
  // top = -1: any top bit; bottom = 0. Positive by construction (BIGNUMs from BN_rand are).
  if (!bn || BN_rand(bn.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return sslFailure("random serial number");
  }
  return {};
}

Status setValidity(X509* cert, int64_t notBeforeUnix, int64_t notAfterUnix) {
  if (ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(notBeforeUnix)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(notAfterUnix)) == nullptr) {
    return sslFailure("set validity");
  }
  return {};
}

Status addCommonName(X509_NAME* name, std::string_view cn) {
  if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.data()),
                                 static_cast<int>(cn.size()), -1, 0) != 1) {
    return sslFailure("set common name");
  }
  return {};
}

Result<GeneralNamesPtr> makeSans(std::string_view dns, std::string_view uri) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) {
    return sslFailure("subject alternative names");
  }
  for (auto [type, value] : {std::pair{GEN_DNS, dns}, std::pair{GEN_URI, uri}}) {
    if (value.empty()) {
      continue;
    }
    ASN1_IA5STRING* text = ASN1_IA5STRING_new();
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (text == nullptr || name == nullptr ||
        ASN1_STRING_set(text, value.data(), static_cast<int>(value.size())) != 1) {
      ASN1_IA5STRING_free(text);
      GENERAL_NAME_free(name);
      return sslFailure("subject alternative name");
    }
    GENERAL_NAME_set0_value(name, type, text);
    if (sk_GENERAL_NAME_push(names.get(), name) <= 0) {
      GENERAL_NAME_free(name);
      return sslFailure("subject alternative name");
    }
  }
  return names;
}

std::vector<std::string> namesOfType(const GENERAL_NAMES* names, int type) {
  std::vector<std::string> out;
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    int got = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &got));
    if (got == type && value != nullptr) {
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                       static_cast<size_t>(ASN1_STRING_length(value)));
    }
  }
  return out;
}

const EVP_MD* signatureDigest(EVP_PKEY* key) {
  int id = EVP_PKEY_get_base_id(key);
  return (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? nullptr : EVP_sha256();
}

Status signCert(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, signatureDigest(key)) <= 0) {
    return sslFailure("sign certificate");
  }
  return {};
}

}  // namespace weir::identity
