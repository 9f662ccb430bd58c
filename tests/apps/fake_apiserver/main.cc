// weir-fake-apiserver: stands in for kube-apiserver, which cannot run on these machines, so that
// e2e tests can run the real `weir-control --kubernetes`. It serves HTTPS on 127.0.0.1 with a
// throwaway CA (FakeApiServer and the test PKI of the kube unit tests) and answers each collection
// weir-control lists and watches (kube::defaultCollections()) from a directory of responses in the
// API server's JSON wire format (see tests/unit/control/kube/testdata/README.md):
//
//   <name>_list.json    the LIST answer. A collection without one is answered 404 with
//                       kube-apiserver's plain-text body, as for a CRD that is not installed.
//   <name>_watch.jsonl  optional: the first WATCH answer, one event a line, each sent as one HTTP
//                       chunk; the stream then stays open. Every later watch is quiet: 200, then
//                       silence until the client leaves.
//
//   tokenreviews.json   optional: the answer (201) to every TokenReview POST.
//
// <name> is the resource ("services", "pods"), prefixed with the first label of its API group
// where two groups serve the same resource ("policy_httproutes", "gateway_httproutes"). Each
// collection's script is logged on stderr: "collection /api/v1/services list=services_list.json".
//
//   weir-fake-apiserver --responses DIR --kubeconfig PATH [--hold-watches]
//
// writes a kubeconfig for https://127.0.0.1:PORT (the CA as certificate-authority-data, a bearer
// token) to PATH, prints PORT on stdout and serves until SIGTERM or SIGINT; then prints a line per
// request it received ("request GET /api/v1/pods?limit=500 bearer=ok") and exits. With
// --hold-watches, a scripted watch sends its head at once and its events on SIGUSR1, which must
// come within 30 s of the watch connecting (a test that never releases them fails, not hangs).

#include <openssl/evp.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "control/kube/kube_source.h"
#include "tests/unit/control/kube/fake_api_server.h"
#include "tests/unit/control/kube/test_pki.h"

namespace {

namespace fs = std::filesystem;
using weir::control::kube::testing::FakeApiServer;
using weir::control::kube::testing::Gate;
using weir::control::kube::testing::issueLeaf;
using weir::control::kube::testing::makeCa;
using weir::control::kube::testing::RecordedRequest;
using weir::control::kube::testing::Reply;
using weir::control::kube::testing::TestCert;

constexpr char kToken[] = "weir-fake-apiserver.e2e-token";
// What kube-apiserver answers for a group/version it does not serve.
constexpr char kNotFoundBody[] = "404 page not found\n";

// A watch held back until SIGUSR1, and how many events it holds.
struct HeldWatch {
  std::shared_ptr<Gate> gate;
  size_t events = 0;
};

std::optional<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string resourceOf(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string responseName(const std::string& path, const std::vector<std::string>& collections) {
  std::string resource = resourceOf(path);
  auto sameResource =
      std::count_if(collections.begin(), collections.end(),
                    [&](const std::string& c) { return resourceOf(c) == resource; });
  constexpr std::string_view kGroupPrefix = "/apis/";
  if (sameResource == 1 || !path.starts_with(kGroupPrefix)) {
    return resource;
  }
  std::string group =
      path.substr(kGroupPrefix.size(), path.find('/', kGroupPrefix.size()) - kGroupPrefix.size());
  return group.substr(0, group.find('.')) + "_" + resource;
}

constexpr std::string_view kTokenReviews = "/apis/authentication.k8s.io/v1/tokenreviews";

// Pushes each collection's script; returns the held watches (with --hold-watches).
std::vector<HeldWatch> loadResponses(FakeApiServer& server, const fs::path& dir, bool hold) {
  std::vector<HeldWatch> held;
  std::vector<std::string> collections = weir::control::kube::defaultCollections();
  for (const std::string& path : collections) {
    std::string name = responseName(path, collections);
    std::optional<std::string> list = readFile(dir / (name + "_list.json"));
    if (!list) {
      Reply missing{.status = 404, .body = kNotFoundBody, .repeat = true};
      server.push(path, std::move(missing));
      std::cerr << "collection " << path << " list=none status=404\n";
      continue;
    }
    server.push(path, Reply{.body = std::move(*list)});
    std::cerr << "collection " << path << " list=" << name << "_list.json";
    std::optional<std::string> events = readFile(dir / (name + "_watch.jsonl"));
    if (!events) {
      std::cerr << "\n";
      continue;
    }
    Reply watch{.chunked = true, .hang = true};
    std::istringstream lines(*events);
    for (std::string line; std::getline(lines, line);) {
      watch.chunks.push_back(line + "\n");
    }
    if (hold) {
      watch.gate = std::make_shared<Gate>();
      watch.gate->open(1);  // the head
      held.push_back({watch.gate, watch.chunks.size()});
    }
    std::cerr << " watch=" << name << "_watch.jsonl events=" << watch.chunks.size()
              << (hold ? " held" : "") << "\n";
    server.push(path, std::move(watch));
  }
  // A TokenReview answer, when given, for every review (the token is in the request, logged).
  if (std::optional<std::string> review = readFile(dir / "tokenreviews.json")) {
    server.push(std::string(kTokenReviews), Reply{.status = 201, .body = std::move(*review),
                                                  .repeat = true});
    std::cerr << "tokenreviews answer=tokenreviews.json\n";
  }
  return held;
}

std::string base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string kubeconfig(uint16_t port, const std::string& caPem) {
  std::ostringstream out;
  out << "apiVersion: v1\n"
      << "kind: Config\n"
      << "clusters:\n"
      << "- name: fake\n"
      << "  cluster:\n"
      << "    server: https://127.0.0.1:" << port << "\n"
      << "    certificate-authority-data: " << base64(caPem) << "\n"
      << "users:\n"
      << "- name: weir-control\n"
      << "  user:\n"
      << "    token: " << kToken << "\n"
      << "contexts:\n"
      << "- name: fake\n"
      << "  context: {cluster: fake, user: weir-control}\n"
      << "current-context: fake\n";
  return out.str();
}

// How a request authenticated: "ok" with the kubeconfig's token, else "none" or "wrong".
std::string bearerVerdict(const std::string& authorization) {
  if (authorization == std::string("Bearer ") + kToken) {
    return "ok";
  }
  return authorization.empty() ? "none" : "wrong";
}

// Written whole and renamed into place, so a reader never sees half a file.
bool writeAtomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!(out << content) || !out.flush()) {
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

int main(int argc, char** argv) {
  std::string responses;
  std::string kubeconfigPath;
  bool hold = false;
  CLI::App cli{"weir-fake-apiserver: replays API-server responses for weir-control's e2e tests"};
  cli.add_option("--responses", responses, "directory of <name>_list.json, <name>_watch.jsonl")
      ->required()
      ->check(CLI::ExistingDirectory);
  cli.add_option("--kubeconfig", kubeconfigPath, "write a kubeconfig for this server here")
      ->required();
  cli.add_flag("--hold-watches", hold, "send scripted watch events on SIGUSR1 only");
  CLI11_PARSE(cli, argc, argv);

  // Blocked before FakeApiServer starts its threads, so only sigwait() below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGINT, SIGTERM, SIGUSR1}) {
    sigaddset(&signals, sig);
  }
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    TestCert ca = makeCa("weir-fake-apiserver CA");
    FakeApiServer server(issueLeaf(ca, "kube-apiserver", "IP:127.0.0.1"));
    std::vector<HeldWatch> held = loadResponses(server, responses, hold);
    if (!writeAtomically(kubeconfigPath, kubeconfig(server.port(), ca.certPem))) {
      std::cerr << "weir-fake-apiserver: cannot write " << kubeconfigPath << "\n";
      return 1;
    }
    std::cout << server.port() << std::endl;

    for (int sig = 0; sigwait(&signals, &sig) == 0 && sig == SIGUSR1;) {
      for (HeldWatch& w : held) {
        w.gate->open(std::exchange(w.events, 0));
      }
      std::cerr << "held watch events released\n";
    }
    for (const RecordedRequest& r : server.requests()) {
      std::cout << "request " << r.method << " " << r.target
                << " bearer=" << bearerVerdict(r.header("authorization")) << "\n";
    }
    std::cout.flush();
  } catch (const std::exception& e) {
    std::cerr << "weir-fake-apiserver: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
