// libFuzzer target: bytes -> what weir-control's Identity service takes from the network and
// what the node proxy takes back: a CSR (DER) for a workload identity, signed or refused by a
// real CA; a node token checked against a key; an identity name; and the PEM and DER parsers
// behind the anchors, the issuer and the certificates the proxy receives. The first byte picks
// the parser. Besides ASan/UBSan findings it checks that a CSR the CA signs gives a leaf that
// parses and names the identity asked for.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/identity/ca.h"
#include "common/identity/generate.h"
#include "common/identity/names.h"
#include "common/identity/node_token.h"
#include "common/identity/pem.h"
#include "tests/fuzz/check.h"

using weir::fuzz::check;
namespace wi = weir::identity;

namespace {

constexpr std::string_view kIdentity = "web.demo.serviceaccount.identity.linkerd.cluster.local";

const wi::Ca& ca() {
  static std::unique_ptr<wi::Ca> c = [] {
    auto g = wi::generateAnchorAndIssuer("cluster.local", std::chrono::hours(24),
                                         std::chrono::hours(24));
    check(g.ok(), "generate a CA");
    auto loaded = wi::Ca::load(g.value().anchorPem, g.value().issuerCertPem,
                               g.value().issuerKeyPem);
    check(loaded.ok(), "load the CA");
    return std::move(loaded.value());
  }();
  return *c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: {
      auto issued = ca().certify(kIdentity, in, std::chrono::hours(1), 1800000000);
      if (issued) {
        auto leaf = wi::certFromDer(issued.value().leafDer);
        check(leaf.ok(), "a signed leaf does not parse");
        check(wi::certToPem(leaf.value().get()).find("-----BEGIN CERTIFICATE-----") == 0,
              "a signed leaf does not print");
      }
      break;
    }
    case 1: {
      static const std::string key(32, 'k');
      (void)wi::verifyNodeToken(key, in);
      (void)wi::trimmed(in);
      break;
    }
    case 2: {
      auto name = wi::parseIdentity(in);
      if (name) {
        check(wi::linkerdName(name.value()) == in, "a parsed identity does not print back");
        (void)wi::spiffeId(name.value());
      }
      break;
    }
    case 3:
      (void)wi::parseCertsPem(in);
      break;
    case 4:
      (void)wi::parseKeyPem(in);
      break;
    default:
      (void)wi::certFromDer(in);
      break;
  }
  return 0;
}
