#include "common/identity/cert_info.h"

#include <openssl/x509.h>

#include <ctime>

#include "common/identity/cert_build.h"

namespace weir::identity {

namespace {

std::vector<std::string> sans(X509* c, int type) {
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(c, NID_subject_alt_name, nullptr, nullptr)));
  return namesOfType(names.get(), type);
}

int64_t unixTime(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return 0;
  }
  return static_cast<int64_t>(::timegm(&tm));
}

}  // namespace

std::vector<std::string> dnsSans(X509* c) { return sans(c, GEN_DNS); }
std::vector<std::string> uriSans(X509* c) { return sans(c, GEN_URI); }
int64_t notAfterUnix(X509* c) { return unixTime(X509_get0_notAfter(c)); }
int64_t notBeforeUnix(X509* c) { return unixTime(X509_get0_notBefore(c)); }

}  // namespace weir::identity
