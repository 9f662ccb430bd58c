#include "tools/cli/cli.h"

#include <CLI/CLI.hpp>

#include "common/base/log.h"
#include "tools/cli/diagnostics.h"
#include "tools/cli/identity.h"

namespace weir::cli {

namespace {

constexpr int kUsageError = 2;

int runCheck(bool pre, const std::string& output, std::ostream& out, std::ostream& err,
             const std::vector<Check>& preChecks) {
  if (!pre) {
    err << "weir check: only the pre-installation checks exist so far; run `weir check --pre`\n";
    return kUsageError;
  }
  std::vector<CheckOutcome> outcomes = runChecks(preChecks);
  if (output == "json") {
    out << renderJson(outcomes).dump(2) << '\n';
  } else {
    renderText(outcomes, out);
  }
  return exitCode(outcomes);
}

// --trust-anchors and --control-identity: TLS to weir-control, as its clients in the mesh use.
void addControlTls(CLI::App& cmd, grpctls::ControlTls& tls) {
  cmd.add_option("--trust-anchors", tls.anchorsFile,
                 "PEM bundle of the mesh's trust anchors: reach weir-control over TLS (without "
                 "it, plaintext)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--control-identity", tls.serverName, "the identity weir-control serves as")
      ->capture_default_str();
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
        const std::vector<Check>& preChecks) {
  CLI::App app{"weir: an eBPF service mesh that speaks Linkerd's configuration", "weir"};
  std::string logLevel = "info";
  app.add_option("--log-level", logLevel, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));

  CLI::App* version = app.add_subcommand("version", "Print the weir version");
  bool shortVersion = false;
  version->add_flag("--short", shortVersion, "Print only the version number");

  CLI::App* check = app.add_subcommand("check", "Check whether this host can run weir");
  bool pre = false;
  std::string output = "table";
  check->add_flag("--pre", pre, "Run the pre-installation checks");
  check->add_option("-o,--output", output, "Output format: table or json")
      ->check(CLI::IsMember({"table", "json"}));

  CLI::App* diagnostics =
      app.add_subcommand("diagnostics", "Ask the control plane what it tells the proxies");
  CLI::App* endpoints =
      diagnostics->add_subcommand("endpoints", "The endpoints of authorities, from Destination");
  EndpointsQuery endpointsQuery;
  endpoints->add_option("authorities", endpointsQuery.authorities,
                        "name.namespace.svc.cluster.local:port or VIP:port")
      ->required();
  endpoints->add_option("--destination", endpointsQuery.destination,
                        "weir-control's Destination address")
      ->capture_default_str();
  addControlTls(*endpoints, endpointsQuery.tls);
  endpoints->add_option("-o,--output", endpointsQuery.output, "Output format: table or json")
      ->check(CLI::IsMember({"table", "json"}));

  CLI::App* identity = app.add_subcommand("identity", "The mesh CA's files and node credentials");
  CLI::App* identityInitCmd = identity->add_subcommand(
      "init", "Generate a trust anchor (1 year), an issuer and a node token key");
  IdentityInitArgs initArgs;
  identityInitCmd->add_option("--dir", initArgs.dir, "directory to write them to")->required();
  identityInitCmd->add_option("--trust-domain", initArgs.trustDomain, "the mesh's trust domain")
      ->capture_default_str();
  CLI::App* nodeTokenCmd =
      identity->add_subcommand("node-token", "Issue a node's credential (host mode)");
  NodeTokenArgs nodeTokenArgs;
  nodeTokenCmd->add_option("--key", nodeTokenArgs.keyFile, "the node token key file")->required();
  nodeTokenCmd->add_option("--node", nodeTokenArgs.node, "the node's name")->required();
  nodeTokenCmd->add_option("--out", nodeTokenArgs.outFile, "file to write (mode 0600)")
      ->required();
  CLI::App* certifyCmd =
      identity->add_subcommand("certify", "Ask the CA for a certificate, as a node proxy would");
  CertifyArgs certifyArgs;
  certifyCmd->add_option("--addr", certifyArgs.addr, "weir-control's Identity address")
      ->capture_default_str();
  addControlTls(*certifyCmd, certifyArgs.tls);
  certifyCmd->add_option("--token-file", certifyArgs.tokenFile, "the node's token")->required();
  certifyCmd->add_option("--identity", certifyArgs.identity,
                         "<sa>.<ns>.serviceaccount.identity.<control-ns>.<trust-domain>")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? 0 : kUsageError;
  }
  setLogLevel(logLevel);

  if (version->parsed()) {
    out << (shortVersion ? "" : "weir version ") << WEIR_VERSION << '\n';
    return 0;
  }
  if (check->parsed()) {
    return runCheck(pre, output, out, err, preChecks);
  }
  if (endpoints->parsed()) {
    return diagnosticsEndpoints(endpointsQuery, out, err);
  }
  if (identityInitCmd->parsed()) {
    return identityInit(initArgs, out, err);
  }
  if (nodeTokenCmd->parsed()) {
    return identityNodeToken(nodeTokenArgs, out, err);
  }
  if (certifyCmd->parsed()) {
    return identityCertify(certifyArgs, out, err);
  }
  err << app.help();
  return kUsageError;
}

}  // namespace weir::cli
