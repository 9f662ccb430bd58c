// weir-proxy: the per-node io_uring proxy. Connections the kernel steers to it (outbound 4140)
// and connections from other nodes' proxies (inbound 4143) get protocol detection, HTTP/1.1
// proxying with per-request balancing, and Linkerd's golden metrics on :4191/metrics.

#include <CLI/CLI.hpp>
#include <cstdio>

#include "common/base/log.h"
#include "common/base/signals.h"
#include "userspace-proxy/app/proxy.h"

int main(int argc, char** argv) {
  weir::proxy::app::Options o;
  std::string logLevel = "info";
  unsigned detectMs = static_cast<unsigned>(o.detectTimeout.count());
  unsigned connectMs = static_cast<unsigned>(o.connectTimeout.count());
  unsigned drainMs = static_cast<unsigned>(o.drainTimeout.count());
  unsigned idleMs = static_cast<unsigned>(o.pool.idleTimeout.count());

  CLI::App cli{"weir-proxy: the node proxy (HTTP/1.1, HTTP/2, gRPC, opaque TCP, balancing, golden metrics)"};
  cli.add_option("--outbound", o.outbound, "outbound listener IP:PORT (weir-agent --proxy)")
      ->capture_default_str();
  cli.add_option("--inbound", o.inbound, "inbound listener IP:PORT (other nodes' proxies)")
      ->capture_default_str();
  cli.add_option("--admin", o.admin, "admin IP:PORT: /metrics /ready /live /shutdown")
      ->capture_default_str();
  cli.add_option("--destination", o.destination,
                 "weir-control's Destination HOST:PORT; without it connections go to their "
                 "original destination");
  cli.add_option("--identity", o.identity,
                 "weir-control's Identity HOST:PORT (8080): certificates for the node's workloads, "
                 "mTLS between node proxies; without it, plaintext");
  cli.add_option("--identity-trust-anchors", o.trustAnchors,
                 "PEM bundle of the trust anchors; with it weir-control is reached over TLS and "
                 "must prove --control-identity")
      ->check(CLI::ExistingFile);
  cli.add_option("--control-identity", o.controlIdentity, "the identity weir-control serves as")
      ->capture_default_str();
  cli.add_option("--identity-token-file", o.identityTokenFile,
                 "the node credential (weir identity node-token), readable by root only")
      ->check(CLI::ExistingFile);
  cli.add_option("--node", o.node, "this node's name (endpoints elsewhere go through their node's proxy)");
  cli.add_option("--bpffs-dir", o.bpffsDir, "where weir-agent pins its maps")->capture_default_str();
  cli.add_option("--workloads-file", o.workloadsFile,
                 "the workload directory weir-agent writes (--workloads-file)");
  cli.add_option("--takeover-socket", o.takeoverSocket,
                 "unix socket for graceful restarts: take the listeners of the proxy serving it, "
                 "then serve them to the next one");
  cli.add_option("--workers", o.workers, "io_uring worker threads (0: one per CPU)")
      ->capture_default_str();
  cli.add_option("--detect-timeout-ms", detectMs, "protocol detection timeout")
      ->capture_default_str()->check(CLI::Range(1u, 600000u));
  cli.add_option("--connect-timeout-ms", connectMs, "upstream connect timeout")
      ->capture_default_str()->check(CLI::Range(1u, 600000u));
  cli.add_option("--drain-timeout-ms", drainMs, "longest graceful drain")
      ->capture_default_str()->check(CLI::Range(0u, 3600000u));
  cli.add_option("--outbound-idle-timeout-ms", idleMs, "idle pooled connection lifetime")
      ->capture_default_str()->check(CLI::Range(1u, 3600000u));
  cli.add_option("--outbound-max-idle-conns-per-host", o.pool.maxIdlePerKey,
                 "idle connections kept per workload and endpoint")
      ->capture_default_str();
  cli.add_option("--outbound-max-requests-per-connection", o.pool.maxRequestsPerConnection,
                 "requests before a connection is retired (0: no limit)")
      ->capture_default_str();
  cli.add_option("--buffers", o.buffers, "receive buffers per worker (power of two)")
      ->capture_default_str()
      ->check([](const std::string& v) {
        unsigned long n = std::strtoul(v.c_str(), nullptr, 10);
        return n != 0 && (n & (n - 1)) == 0 && n <= 32768 ? std::string()
                                                         : std::string("a power of two up to 32768");
      });
  cli.add_option("--log-level", logLevel, "trace, debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  o.detectTimeout = std::chrono::milliseconds(detectMs);
  o.connectTimeout = std::chrono::milliseconds(connectMs);
  o.drainTimeout = std::chrono::milliseconds(drainMs);
  o.pool.idleTimeout = std::chrono::milliseconds(idleMs);
  weir::setLogLevel(logLevel);
  auto log = weir::logger("proxy");

  sigset_t signals = weir::blockShutdownSignals();
  auto proxy = weir::proxy::app::Proxy::start(o);
  if (!proxy) {
    log->error("start failed error=\"{}\"", proxy.error().str());
    return 1;
  }
  auto st = weir::runUntilSignal(
      signals,
      [&] {
        proxy.value()->wait();
        return weir::Status();
      },
      [&](int sig) {
        log->info("signal received signal={}; draining", sig);
        proxy.value()->drain();
      });
  return st ? 0 : 1;
}
