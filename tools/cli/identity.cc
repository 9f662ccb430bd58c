#include "tools/cli/identity.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "common/base/fd.h"
#include "common/base/result.h"
#include "common/identity/cert_info.h"
#include "common/identity/csr.h"
#include "common/identity/generate.h"
#include "common/identity/node_token.h"
#include "common/identity/pem.h"
#include "common/grpctls/control_channel.h"
#include "weir/v1/identity.grpc.pb.h"
#include "common/base/read_file.h"

namespace weir::cli {

namespace {

namespace wid = ::weir::identity;

constexpr auto kAnchorValidity = std::chrono::hours(24 * 365);
constexpr auto kIssuerValidity = std::chrono::hours(24 * 365);
constexpr size_t kNodeTokenKeyBytes = 32;
constexpr mode_t kPublic = 0644;
constexpr mode_t kSecret = 0600;

// Writes `content` to `path` with exactly `mode`; `replace` allows an existing file.
Status writeFile(const std::string& path, const std::string& content, mode_t mode, bool replace) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (replace ? O_TRUNC : O_EXCL);
  UniqueFd fd(::open(path.c_str(), flags, mode));
  if (!fd.valid()) {
    return osError(errno, "write " + path);
  }
  // The umask may have narrowed the mode, and a replaced file keeps its old one.
  if (::fchmod(fd.get(), mode) != 0) {
    return osError(errno, "chmod " + path);
  }
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return osError(errno, "write " + path);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

std::string randomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : ",") + item;
  }
  return out;
}

const char* codeName(grpc::StatusCode code) {
  static constexpr std::array<const char*, 17> kNames = {"OK",
                                                         "CANCELLED",
                                                         "UNKNOWN",
                                                         "INVALID_ARGUMENT",
                                                         "DEADLINE_EXCEEDED",
                                                         "NOT_FOUND",
                                                         "ALREADY_EXISTS",
                                                         "PERMISSION_DENIED",
                                                         "RESOURCE_EXHAUSTED",
                                                         "FAILED_PRECONDITION",
                                                         "ABORTED",
                                                         "OUT_OF_RANGE",
                                                         "UNIMPLEMENTED",
                                                         "INTERNAL",
                                                         "UNAVAILABLE",
                                                         "DATA_LOSS",
                                                         "UNAUTHENTICATED"};
  auto i = static_cast<size_t>(code);
  return i < kNames.size() ? kNames[i] : "UNKNOWN";
}

}  // namespace

int identityInit(const IdentityInitArgs& args, std::ostream& out, std::ostream& err) {
  const std::string prefix = "weir identity init: ";
  if (::mkdir(args.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    err << prefix << osError(errno, "create " + args.dir).str() << '\n';
    return 1;
  }
  const std::string anchorPath = args.dir + "/ca.crt";
  const std::string certPath = args.dir + "/issuer.crt";
  const std::string keyPath = args.dir + "/issuer.key";
  const std::string tokenKeyPath = args.dir + "/node-token.key";
  for (const std::string& path : {anchorPath, certPath, keyPath, tokenKeyPath}) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      err << prefix << path
          << " exists; refusing to overwrite (remove it or choose another --dir)\n";
      return 1;
    }
  }
  auto generated = wid::generateAnchorAndIssuer(args.trustDomain, kAnchorValidity, kIssuerValidity);
  if (!generated) {
    err << prefix << generated.error().str() << '\n';
    return 1;
  }
  std::string tokenKey = randomHex(kNodeTokenKeyBytes);
  if (tokenKey.empty()) {
    err << prefix << "no random bytes for the node token key\n";
    return 1;
  }
  struct File {
    const std::string& path;
    const std::string& content;
    mode_t mode;
  };
  for (const File& f : {File{anchorPath, generated->anchorPem, kPublic},
                        File{certPath, generated->issuerCertPem, kPublic},
                        File{keyPath, generated->issuerKeyPem, kSecret},
                        File{tokenKeyPath, tokenKey + "\n", kSecret}}) {
    if (auto st = writeFile(f.path, f.content, f.mode, false); !st) {
      err << prefix << st.error().str() << '\n';
      return 1;
    }
  }
  auto anchor = wid::parseCertsPem(generated->anchorPem);
  out << "wrote " << anchorPath << " (trust anchor, trust domain " << args.trustDomain
      << ", not_after=" << (anchor ? wid::notAfterUnix(anchor->front().get()) : 0) << ")\n"
      << "wrote " << certPath << " and " << keyPath << " (issuer)\n"
      << "wrote " << tokenKeyPath << " (node token key)\n"
      << "run: weir-control --identity-trust-anchors " << anchorPath << " --identity-issuer-cert "
      << certPath << " --identity-issuer-key " << keyPath << " --identity-node-token-key "
      << tokenKeyPath << " ...\n";
  return 0;
}

int identityNodeToken(const NodeTokenArgs& args, std::ostream& out, std::ostream& err) {
  const std::string prefix = "weir identity node-token: ";
  if (args.node.empty() || args.node.find_first_of(" \t\r\n") != std::string::npos) {
    err << prefix << "--node: not a node name: \"" << args.node << "\"\n";
    return 1;
  }
  auto key = wid::readNodeTokenKey(args.keyFile);
  if (!key) {
    err << prefix << key.error().str() << '\n';
    return 1;
  }
  if (auto st = writeFile(args.outFile, wid::issueNodeToken(*key, args.node) + "\n", kSecret, true);
      !st) {
    err << prefix << st.error().str() << '\n';
    return 1;
  }
  out << "wrote " << args.outFile << " (node " << args.node << ")\n";
  return 0;
}

int identityCertify(const CertifyArgs& args, std::ostream& out, std::ostream& err) {
  const std::string prefix = "weir identity certify: ";
  auto token = readSmallFile(args.tokenFile, "node token");
  if (!token) {
    err << prefix << token.error().str() << '\n';
    return 1;
  }
  wid::KeyPtr key = wid::generateKey();
  auto csr = key ? wid::makeCsr(key.get(), args.identity) : Result<std::string>(plainError("key"));
  if (!csr) {
    err << prefix << csr.error().str() << '\n';
    return 1;
  }
  auto channel = grpctls::controlChannel(args.addr, args.tls);
  if (!channel) {
    err << prefix << channel.error().str() << '\n';
    return 1;
  }
  auto stub = v1::Identity::NewStub(channel.value());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + args.timeout);
  v1::CertifyRequest request;
  request.set_identity(args.identity);
  request.set_token(std::string(wid::trimmed(*token)));
  request.set_certificate_signing_request(*csr);
  v1::CertifyResponse response;
  grpc::Status status = stub->Certify(&context, request, &response);
  if (!status.ok()) {
    err << prefix << codeName(status.error_code()) << ": " << status.error_message() << '\n';
    return 1;
  }
  auto leaf = wid::certFromDer(response.leaf_certificate());
  if (!leaf) {
    err << prefix << "the answer's leaf: " << leaf.error().str() << '\n';
    return 1;
  }
  out << "identity=" << args.identity << " dns=" << joined(wid::dnsSans(leaf->get()))
      << " uri=" << joined(wid::uriSans(leaf->get()))
      << " not_after=" << wid::notAfterUnix(leaf->get()) << '\n';
  return 0;
}

}  // namespace weir::cli
