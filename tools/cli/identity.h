#pragma once

// `weir identity ...`: the mesh CA's files and node credentials, and a Certify call.
//   init --dir DIR [--trust-domain TD]   trust anchor, issuer, node token key (first run)
//   node-token --key F --node N --out F  a node's credential, readable by root only
//   certify --addr A --token-file F --identity ID   ask the CA as a node proxy would

#include "common/grpctls/control_tls.h"
#include <chrono>
#include <ostream>
#include <string>

namespace weir::cli {

struct IdentityInitArgs {
  std::string dir;
  std::string trustDomain = "cluster.local";
};

// Writes DIR/ca.crt (the trust anchor, valid one year), issuer.crt, issuer.key (0600) and
// node-token.key (0600, 32 random bytes as hex). Refuses when any of them exists. 0 or 1.
int identityInit(const IdentityInitArgs& args, std::ostream& out, std::ostream& err);

struct NodeTokenArgs {
  std::string keyFile;
  std::string node;
  std::string outFile;
};

// Writes the node's token to `outFile`, mode 0600. 0 or 1.
int identityNodeToken(const NodeTokenArgs& args, std::ostream& out, std::ostream& err);

struct CertifyArgs {
  std::string addr = "127.0.0.1:8080";
  grpctls::ControlTls tls;  // plaintext unless the trust anchors are given
  std::string tokenFile;
  std::string identity;
  std::chrono::milliseconds timeout{10000};
};

// Generates a key and a CSR for `identity` and calls Certify (over TLS with `tls`). Prints
// "identity=... dns=... uri=... not_after=<unix>"; on a refusal the gRPC code's name and the
// message, and returns 1.
int identityCertify(const CertifyArgs& args, std::ostream& out, std::ostream& err);

}  // namespace weir::cli
