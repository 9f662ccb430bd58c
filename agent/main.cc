// weir-agent: the per-node daemon that loads weir's kernel programs and keeps their maps equal to
// the node's desired state.


#include <CLI/CLI.hpp>
#include <cstdio>

#include "agent/app/agent.h"
#include "common/base/log.h"
#include "common/base/signals.h"
#include "common/sys/mountinfo.h"

int main(int argc, char** argv) {
  weir::agent::app::Options options;
  bool uninstall = false;
  std::string logLevel = "info";

  CLI::App cli{"weir-agent: loads weir's eBPF programs and syncs their maps"};
  cli.add_option("--config-dir", options.configDir,
                 "directory of YAML (Services, ExternalWorkloads) to follow (host mode)");
  cli.add_option("--control", options.control,
                 "weir-control's NodeSync address HOST:PORT to follow instead of a directory");
  cli.add_option("--control-trust-anchors", options.controlTls.anchorsFile,
                 "PEM bundle of the mesh's trust anchors: weir-control is reached over TLS and "
                 "must prove the control plane's identity (without it, plaintext)")
      ->check(CLI::ExistingFile);
  cli.add_option("--control-identity", options.controlTls.serverName,
                 "the identity weir-control serves as")
      ->capture_default_str();
  cli.add_option("--node", options.node, "this node's name (ExternalWorkload weir.io/node)");
  cli.add_option("--cgroup-root", options.cgroupRoot,
                 "cgroup v2 directory to attach to (default: the cgroup v2 mount)");
  cli.add_option("--bpffs-dir", options.bpffsDir, "where maps and links are pinned")
      ->capture_default_str();
  cli.add_option("--admin", options.admin, "admin HTTP address (/metrics, /ready, /live)")
      ->capture_default_str();
  cli.add_option("--proxy", options.proxy,
                 "node proxy outbound listener IP:PORT (services needing L7 are steered there)");
  cli.add_option("--proxy-cgroup", options.proxyCgroup,
                 "the node proxy's cgroup, relative to --cgroup-root (its hops to local endpoints "
                 "are short-circuited)");
  cli.add_option("--proxy-inbound", options.proxyInbound,
                 "IP:PORT other nodes reach the node proxy's inbound listener at (sent to "
                 "weir-control, which tells their proxies)");
  cli.add_option("--workloads-file", options.workloadsFile,
                 "write the node's workload directory (JSON) here for weir-proxy");
  cli.add_flag("--uninstall", uninstall, "detach and unpin everything, then exit");
  cli.add_option("--log-level", logLevel, "trace, debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  weir::setLogLevel(logLevel);
  auto log = weir::logger("agent");

  if (uninstall) {
    std::string root = options.cgroupRoot;
    if (root.empty()) {
      auto mount = weir::sys::findCgroup2Mount();
      root = mount ? mount.value() : std::string();
    }
    auto st = weir::agent::loader::Loader::uninstall({options.bpffsDir, root});
    if (!st) {
      log->error("uninstall failed error=\"{}\"", st.error().str());
      return 1;
    }
    return 0;
  }
  if (options.node.empty() || options.configDir.empty() == options.control.empty()) {
    std::fprintf(stderr,
                 "weir-agent: --node and exactly one of --config-dir and --control are required\n%s",
                 cli.help().c_str());
    return 2;
  }

  // Signals are taken by one thread with sigwait so shutdown runs outside a signal handler.
  sigset_t signals = weir::blockShutdownSignals();

  auto agent = weir::agent::app::Agent::start(options);
  if (!agent) {
    log->error("start failed error=\"{}\"", agent.error().str());
    return 1;
  }
  auto st = weir::runUntilSignal(
      signals, [&] { return agent.value()->run(); },
      [&](int sig) {
        log->info("signal received signal={}; exiting, kernel programs stay attached", sig);
        agent.value()->stop();
      });
  if (!st) {
    log->error("source failed error=\"{}\"", st.error().str());
    return 1;
  }
  return 0;
}
