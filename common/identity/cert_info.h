#pragma once

// What a certificate says: its subject alternative names and its validity, as the CLI prints
// them and tests check them.

#include <openssl/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace weir::identity {

std::vector<std::string> dnsSans(X509* c);
std::vector<std::string> uriSans(X509* c);
// Seconds since the epoch; 0 when the time cannot be read.
int64_t notAfterUnix(X509* c);
int64_t notBeforeUnix(X509* c);

}  // namespace weir::identity
