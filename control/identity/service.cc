#include "control/identity/service.h"

#include <cerrno>
#include <chrono>

#include "common/base/log.h"
#include "common/base/read_file.h"
#include "common/identity/names.h"
#include "common/identity/node_token.h"
#include "common/identity/pem.h"
#include "control/identity/authorize.h"

namespace weir::control::identity {

namespace {

namespace wid = ::weir::identity;

// Untrusted text as it goes into a log line: printable ASCII ('"' as '\'', and no spaces unless
// the value is quoted), at most 256 characters.
std::string printable(std::string_view text, bool quoted = false) {
  constexpr size_t kMax = 256;
  std::string out;
  for (char c : text.substr(0, kMax)) {
    if (c == '"') {
      out += '\'';
    } else {
      out += (c > ' ' || (quoted && c == ' ')) && c < 0x7f ? c : '?';
    }
  }
  return text.size() > kMax ? out + "..." : out;
}

grpc::StatusCode codeOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return grpc::StatusCode::OK;
    case Outcome::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case Outcome::kUnauthenticated:
      return grpc::StatusCode::UNAUTHENTICATED;
    case Outcome::kPermissionDenied:
      return grpc::StatusCode::PERMISSION_DENIED;
    case Outcome::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case Outcome::kInternal:
      break;
  }
  return grpc::StatusCode::INTERNAL;
}

Error missingFlag(const char* flag) {
  return plainError(std::string(flag) +
                    ": required: the identity service runs when any --identity-* file is given, "
                    "and needs the trust anchors, the issuer's certificate and key, and the node "
                    "token key");
}

// The file's text, or "<flag>: read <path>: <why>".
Result<std::string> readFlagFile(const char* flag, const std::string& path) {
  if (path.empty()) {
    return missingFlag(flag);
  }
  auto text = readSmallFile(path, "file");
  if (!text) {
    return plainError(std::string(flag) + ": " + text.error().str());
  }
  return text;
}

std::array<FileStamp, 3> caStamps(const Options& options) {
  return {stampOf(options.trustAnchorsFile), stampOf(options.issuerCertFile),
          stampOf(options.issuerKeyFile)};
}

int64_t nowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string_view outcomeLabel(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kInvalidArgument:
      return "invalid_argument";
    case Outcome::kUnauthenticated:
      return "unauthenticated";
    case Outcome::kPermissionDenied:
      return "permission_denied";
    case Outcome::kUnavailable:
      return "unavailable";
    case Outcome::kInternal:
      break;
  }
  return "internal";
}

namespace {

// The issuer from the files `options` names, checked against the trust anchors.
Result<std::unique_ptr<wid::Ca>> loadCa(const Options& options) {
  auto anchors = readFlagFile("--identity-trust-anchors", options.trustAnchorsFile);
  if (!anchors) {
    return anchors.error();
  }
  auto cert = readFlagFile("--identity-issuer-cert", options.issuerCertFile);
  if (!cert) {
    return cert.error();
  }
  auto key = readFlagFile("--identity-issuer-key", options.issuerKeyFile);
  if (!key) {
    return key.error();
  }
  // Each file alone first, so that the error names the one that is malformed.
  if (auto parsed = wid::parseCertsPem(*anchors); !parsed) {
    return plainError("--identity-trust-anchors " + options.trustAnchorsFile + ": " +
                      parsed.error().str());
  }
  if (auto parsed = wid::parseCertsPem(*cert); !parsed) {
    return plainError("--identity-issuer-cert " + options.issuerCertFile + ": " +
                      parsed.error().str());
  }
  if (auto parsed = wid::parseKeyPem(*key); !parsed) {
    return plainError("--identity-issuer-key " + options.issuerKeyFile + ": " +
                      parsed.error().str());
  }
  auto ca = wid::Ca::load(*anchors, *cert, *key);
  if (!ca) {
    return plainError("identity issuer (--identity-issuer-cert " + options.issuerCertFile +
                      ", --identity-issuer-key " + options.issuerKeyFile +
                      ", --identity-trust-anchors " + options.trustAnchorsFile +
                      "): " + ca.error().str());
  }
  return ca;
}

}  // namespace

Result<std::unique_ptr<IdentityService>> IdentityService::create(
    const nodesync::Publisher& publisher, const Options& options) {
  if (options.certLifetime.count() <= 0) {
    return plainError("--identity-cert-lifetime: must be a positive number of seconds");
  }
  auto stamps = caStamps(options);
  auto ca = loadCa(options);
  if (!ca) {
    return ca.error();
  }
  std::string tokenKey;
  if (options.nodeTokenKeyFile.empty()) {
    if (!options.serviceAccountTokens) {
      return missingFlag("--identity-node-token-key");
    }
  } else {
    auto key = wid::readNodeTokenKey(options.nodeTokenKeyFile);
    if (!key) {
      return plainError("--identity-node-token-key: " + key.error().str());
    }
    tokenKey = std::move(key.value());
  }
  auto service = std::make_unique<IdentityService>(publisher, std::move(ca.value()),
                                                   std::move(tokenKey), options);
  service->stamps_ = stamps;
  return service;
}

IdentityService::IdentityService(const nodesync::Publisher& publisher, std::unique_ptr<wid::Ca> ca,
                                 std::string nodeTokenKey, Options options)
    : publisher_(publisher),
      ca_(std::move(ca)),
      nodeTokenKey_(std::move(nodeTokenKey)),
      options_(std::move(options)) {}

std::shared_ptr<const wid::Ca> IdentityService::ca() {
  std::lock_guard lock(caMu_);
  auto now = std::chrono::steady_clock::now();
  if (now - checked_ < options_.reloadCheckEvery) {
    return ca_;
  }
  checked_ = now;
  auto stamps = caStamps(options_);
  if (stamps == stamps_) {
    return ca_;
  }
  stamps_ = stamps;
  auto next = loadCa(options_);
  if (!next) {
    reloads_[1].fetch_add(1, std::memory_order_relaxed);
    weir::logger("identity")
        ->error("issuer not reloaded, the current one stays in use: {}", next.error().str());
    return ca_;
  }
  ca_ = std::move(next.value());
  reloads_[0].fetch_add(1, std::memory_order_relaxed);
  weir::logger("identity")
      ->info("issuer reloaded issuer={} anchors={} chain_not_after={}", options_.issuerCertFile,
             options_.trustAnchorsFile, ca_->chainNotAfterUnix());
  return ca_;
}

grpc::Status IdentityService::refuse(Outcome outcome, std::string_view node,
                                     std::string_view identity, const std::string& reason,
                                     const std::string& peer) {
  counts_[static_cast<size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  weir::logger("identity")
      ->warn("certify refused node={} identity={} reason=\"{}\" code={} peer={}",
             node.empty() ? "-" : printable(node), printable(identity), printable(reason, true),
             outcomeLabel(outcome), peer);
  return grpc::Status(codeOf(outcome), reason);
}

void IdentityService::setServiceAccountAuthority(TokenAuthority authority) {
  std::lock_guard lock(authorityMu_);
  serviceAccounts_ = std::move(authority);
}

Result<std::string> IdentityService::authenticate(std::string_view token) {
  // A service-account token is a JWT, whose header is base64url JSON ("{\"...": "eyJ"); a node
  // token is "<node>.<hex>" and never starts so (a node name is lower case).
  if (!token.starts_with("eyJ")) {
    if (nodeTokenKey_.empty()) {
      return plainError("node tokens are not accepted here (no --identity-node-token-key)");
    }
    return wid::verifyNodeToken(nodeTokenKey_, token);
  }
  TokenAuthority authority;
  {
    std::lock_guard lock(authorityMu_);
    authority = serviceAccounts_;
  }
  if (!authority) {
    return plainError("service-account tokens are not accepted here (not in Kubernetes)");
  }
  return authority(token);
}

grpc::Status IdentityService::Certify(grpc::ServerContext* context,
                                      const v1::CertifyRequest* request,
                                      v1::CertifyResponse* response) {
  const std::string& identity = request->identity();
  const std::string peer = context->peer();
  auto node = authenticate(request->token());
  if (!node) {
    return refuse(Outcome::kUnauthenticated, "", identity, node.error().str(), peer);
  }
  auto name = wid::parseIdentity(identity);
  if (!name) {
    return refuse(Outcome::kInvalidArgument, *node, identity, name.error().str(), peer);
  }
  if (name->trustDomain != options_.trustDomain) {
    return refuse(Outcome::kInvalidArgument, *node, identity,
                  "trust domain \"" + name->trustDomain + "\" is not this CA's (\"" +
                      options_.trustDomain + "\")",
                  peer);
  }
  nodesync::Published published = publisher_.current();
  if (!published.model) {
    return refuse(Outcome::kUnavailable, *node, identity, "no configuration published yet", peer);
  }
  if (auto st = mayCertify(*published.model, *node, identity); !st) {
    return refuse(Outcome::kPermissionDenied, *node, identity, st.error().str(), peer);
  }
  auto issued = ca()->certify(identity, request->certificate_signing_request(),
                             options_.certLifetime, nowUnix());
  if (!issued) {
    bool caller = issued.error().code == EINVAL;
    return refuse(caller ? Outcome::kInvalidArgument : Outcome::kInternal, *node, identity,
                  issued.error().context, peer);
  }
  response->set_leaf_certificate(std::move(issued->leafDer));
  for (std::string& der : issued->intermediatesDer) {
    response->add_intermediate_certificates(std::move(der));
  }
  response->mutable_valid_until()->set_seconds(issued->notAfterUnix);
  counts_[static_cast<size_t>(Outcome::kOk)].fetch_add(1, std::memory_order_relaxed);
  weir::logger("identity")
      ->info("certified node={} identity={} not_after={} version={}", printable(*node), identity,
             issued->notAfterUnix, published.version);
  return grpc::Status::OK;
}

void IdentityService::renderMetrics(metrics::TextWriter& w) {
  std::shared_ptr<const wid::Ca> current = ca();
  w.family("identity_certify_total", "counter",
           "Certify requests of node proxies, by result (refusals are also logged).");
  for (size_t i = 0; i < kOutcomes; ++i) {
    auto outcome = static_cast<Outcome>(i);
    w.sample("identity_certify_total", {{"result", std::string(outcomeLabel(outcome))}},
             static_cast<double>(count(outcome)));
  }
  w.family("identity_issuer_expiration_timestamp_seconds", "gauge",
           "When the issuer (or the earliest certificate of its chain) expires: no leaf outlives "
           "it.");
  w.sample("identity_issuer_expiration_timestamp_seconds", {},
           static_cast<double>(current->chainNotAfterUnix()));
  w.family("identity_issuer_reloads_total", "counter",
           "Changes of the trust anchors or the issuer's files taken up (ok), or refused with the "
           "current issuer kept (error).");
  w.sample("identity_issuer_reloads_total", {{"result", "ok"}},
           static_cast<double>(reloads(true)));
  w.sample("identity_issuer_reloads_total", {{"result", "error"}},
           static_cast<double>(reloads(false)));
}

}  // namespace weir::control::identity
