// weir-control: the control plane. Follows a directory of Linkerd-style YAML and streams each
// node's slice of it to the agents over NodeSync.

#include <malloc.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <sstream>

#include "common/base/log.h"
#include "common/base/signals.h"
#include "control/app/control.h"

int main(int argc, char** argv) {
  // One thread per NodeSync stream: with an arena per thread, the memory each stream's snapshot
  // used would stay with its arena. Two arenas keep the heap compact.
  mallopt(M_ARENA_MAX, 2);
  weir::control::app::Options options;
  std::string logLevel = "info";
  std::vector<std::string> validatePaths;

  CLI::App cli{"weir-control: the weir control plane"};
  cli.add_option("--config-dir", options.configDir, "directory of YAML to follow (host mode)");
  cli.add_flag("--kubernetes", options.kubernetes,
               "follow the Kubernetes API server (in-cluster credentials, or --kubeconfig)");
  cli.add_option("--kubeconfig", options.kubeconfig, "kubeconfig file (with --kubernetes)");
  cli.add_option("--context", options.kubeContext, "kubeconfig context (default: current)");
  cli.add_option("--listen", options.listen, "gRPC address (Destination, NodeSync)")
      ->capture_default_str();
  cli.add_option("--policy-listen", options.policyListen, "gRPC address (Policy)")
      ->capture_default_str();
  cli.add_option("--admin", options.admin, "admin HTTP address (/metrics, /ready, /live)")
      ->capture_default_str();
  std::string clusterNetworks;
  cli.add_option("--cluster-domain", options.policy.clusterDomain, "Kubernetes cluster domain")
      ->capture_default_str();
  cli.add_option("--identity-trust-domain", options.policy.trustDomain,
                 "trust domain of mesh identities")
      ->capture_default_str();
  cli.add_option("--default-inbound-policy", options.policy.defaultInboundPolicy,
                 "policy of ports no Server selects (Linkerd's proxy.defaultInboundPolicy)")
      ->capture_default_str();
  cli.add_option("--cluster-networks", clusterNetworks,
                 "comma-separated CIDRs of the cluster's pods and nodes (Linkerd's clusterNetworks)");
  cli.add_option("--identity-listen", options.identity.listen,
                 "gRPC address of Identity, the mesh CA (served when its files are given)")
      ->capture_default_str();
  cli.add_option("--identity-trust-anchors", options.identity.trustAnchorsFile,
                 "PEM file of the trust anchors (Linkerd's identityTrustAnchorsPEM)");
  cli.add_option("--identity-issuer-cert", options.identity.issuerCertFile,
                 "PEM file of the issuer certificate (identity.issuer.tls.crtPEM)");
  cli.add_option("--identity-issuer-key", options.identity.issuerKeyFile,
                 "PEM file of the issuer's private key (identity.issuer.tls.keyPEM)");
  cli.add_option("--identity-node-token-key", options.identity.nodeTokenKeyFile,
                 "file of the key node tokens are checked with (`weir identity init`); optional "
                 "with --kubernetes, where node proxies prove their node with a projected "
                 "service-account token");
  cli.add_option("--identity-token-audience", options.identity.tokenAudience,
                 "--kubernetes: the audience of the node proxies' projected tokens")
      ->capture_default_str();
  cli.add_option("--identity-proxy-service-account", options.identity.proxyServiceAccount,
                 "--kubernetes: NAMESPACE/NAME of the service account node proxies run as")
      ->capture_default_str()
      ->check([](const std::string& v) {
        size_t slash = v.find('/');
        return slash != std::string::npos && slash > 0 && slash + 1 < v.size() &&
                       v.find('/', slash + 1) == std::string::npos
                   ? std::string()
                   : std::string("must be NAMESPACE/NAME");
      });
  int64_t certLifetime = options.identity.certLifetime.count();
  cli.add_option("--identity-cert-lifetime", certLifetime,
                 "seconds a workload certificate is valid (capped at the issuer's expiry)")
      ->capture_default_str();
  cli.add_option("--log-level", logLevel, "trace, debug, info, warn, error")->capture_default_str();
  CLI::App* validateCmd = cli.add_subcommand("validate", "check files and directories, start nothing");
  validateCmd->add_option("paths", validatePaths, "files or directories")->required();
  CLI11_PARSE(cli, argc, argv);
  if (!clusterNetworks.empty()) {
    options.policy.clusterNetworks.clear();
    std::stringstream list(clusterNetworks);
    for (std::string item; std::getline(list, item, ',');) {
      options.policy.clusterNetworks.push_back(item);
    }
  }
  options.identity.certLifetime = std::chrono::seconds(certLifetime);
  weir::setLogLevel(logLevel);

  if (validateCmd->parsed()) {
    weir::setLogLevel("warn");
    return weir::control::app::validate(validatePaths, std::cout);
  }
  if (options.configDir.empty() == !options.kubernetes) {
    std::cerr << "weir-control: exactly one of --config-dir DIR and --kubernetes is required\n"
              << cli.help();
    return 2;
  }

  sigset_t signals = weir::blockShutdownSignals();

  auto log = weir::logger("control");
  auto control = weir::control::app::Control::start(options);
  if (!control) {
    log->error("start failed error=\"{}\"", control.error().str());
    return 1;
  }
  auto st = weir::runUntilSignal(
      signals, [&] { return control.value()->run(); },
      [&](int sig) {
        log->info("signal received signal={}; exiting", sig);
        control.value()->stop();
      });
  if (!st) {
    log->error("config source failed error=\"{}\"", st.error().str());
    return 1;
  }
  return 0;
}
