#pragma once

// Throwaway certificates made with the OpenSSL API at test start: a CA and leaves it signs.
// Nothing is read from disk, so no test depends on a certificate that expires.

#include <string>

namespace weir::control::kube::testing {

struct TestCert {
  std::string certPem;
  std::string keyPem;
};

// A self-signed CA (P-256, valid for a day).
TestCert makeCa(const std::string& commonName);

// A leaf signed by `ca`. `san` is "IP:127.0.0.1" or "DNS:name" ("" for none); `client` selects
// clientAuth instead of serverAuth.
TestCert issueLeaf(const TestCert& ca, const std::string& commonName, const std::string& san,
                   bool client = false);

}  // namespace weir::control::kube::testing
