#pragma once

// A throwaway cluster PKI and the ClusterConfig of a client of the fake API server
// (fake_api_server.h), for the tests of code that talks to the API server.

#include "control/kube/cluster_config.h"
#include "tests/unit/control/kube/fake_api_server.h"
#include "tests/unit/control/kube/test_pki.h"

namespace weir::control::kube::testing {

struct Pki {
  TestCert ca = makeCa("weir test cluster CA");
  TestCert server = issueLeaf(ca, "kube-apiserver", "IP:127.0.0.1");
  TestCert client = issueLeaf(ca, "system:serviceaccount:linkerd:weir-control", "", true);
  TestCert otherCa = makeCa("somebody else's CA");
  TestCert otherServer = issueLeaf(otherCa, "kube-apiserver", "IP:127.0.0.1");
};

inline const Pki& pki() {
  static const Pki kPki;
  return kPki;
}

// weir-control's view of the fake server: its CA, a bearer token.
inline ClusterConfig configFor(const FakeApiServer& server) {
  ClusterConfig c;
  c.host = "127.0.0.1";
  c.port = server.port();
  c.caPem = pki().ca.certPem;
  c.token = "eyJhbGciOiJSUzI1NiJ9.test-token";
  c.source = "test";
  return c;
}

}  // namespace weir::control::kube::testing
