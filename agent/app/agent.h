#pragma once

// weir-agent: loads the kernel programs, keeps the maps equal to the node's desired state from a
// source, and serves /metrics, /ready and /live.

#include "common/grpctls/control_tls.h"
#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "agent/loader/loader.h"
#include "agent/metrics/fastpath_metrics.h"
#include "agent/source/source.h"
#include "agent/sync/syncer.h"
#include "common/base/result.h"

namespace weir::admin {
class Server;
}

namespace weir::agent::app {

struct Options {
  std::string configDir;
  std::string node;
  std::string cgroupRoot;  // empty: the cgroup v2 mount
  std::string bpffsDir = "/sys/fs/bpf/weir";
  std::string admin = "127.0.0.1:4192";
  std::string proxy;  // node proxy outbound listener "IP:PORT"; empty: no proxy on this node
  std::string control;  // weir-control's NodeSync address; empty: follow configDir instead
  // TLS to weir-control: the trust anchors and the control plane's identity (empty anchors:
  // plaintext, for a mesh without a CA).
  grpctls::ControlTls controlTls;
  std::string proxyCgroup;  // the node proxy's cgroup, relative to cgroupRoot; empty: none
  std::string proxyInbound;  // "IP:PORT" other nodes reach the proxy's inbound listener at
  std::string workloadsFile;  // where the workload directory for weir-proxy goes; empty: nowhere
};

// Parses "10.0.0.1:4140" into network-order address and host-order port.
Result<std::pair<uint32_t, uint16_t>> parseIpv4Endpoint(const std::string& text);

class Agent : public source::StateSink {
 public:
  static Result<std::unique_ptr<Agent>> start(const Options& options);
  ~Agent() override;

  // Runs the source until stop(). Blocks.
  Status run();
  void stop();

  void apply(const state::DesiredState& desired, const state::Touched* touched) override;
  void reject(const std::vector<std::string>& errors) override;

 private:
  Agent() = default;
  void writeDirectory();
  Options options_;
  std::unique_ptr<loader::Loader> loader_;
  std::unique_ptr<sync::Syncer> syncer_;
  std::unique_ptr<source::Source> source_;
  std::unique_ptr<admin::Server> admin_;
  metrics::MapFds metricFds_;
  metrics::AgentCounters counters_;
  std::atomic<bool> ready_{false};
  std::map<uint64_t, state::WorkloadMeta> directoryWritten_;  // the workloads file's content
  bool directoryValid_ = false;
};

}  // namespace weir::agent::app
