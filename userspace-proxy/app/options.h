#pragma once

// weir-proxy's settings, from its command line (main.cc).

#include "common/grpctls/control_tls.h"
#include <chrono>
#include <string>

#include "userspace-proxy/http1/pool.h"

namespace weir::proxy::app {

struct Options {
  std::string outbound = "127.0.0.1:4140";  // where the kernel steers workloads' connections
  std::string inbound = "0.0.0.0:4143";     // other nodes' proxies
  std::string admin = "0.0.0.0:4191";       // /metrics, /ready, /live, /shutdown
  std::string destination;  // weir-control's Destination "HOST:8086"; empty: no discovery
  std::string node;         // this node's name
  // weir-control's Identity "HOST:8080"; empty: no certificates, plaintext between proxies.
  std::string identity;
  std::string trustAnchors;       // PEM bundle of the trust anchors (also: TLS to weir-control)
  std::string controlIdentity = grpctls::controlIdentity(grpctls::kDefaultTrustDomain);
  std::string identityTokenFile;  // the node credential (`weir identity node-token`)
  std::string bpffsDir = "/sys/fs/bpf/weir";  // where weir_orig_dst is pinned
  std::string workloadsFile;  // the agent's --workloads-file
  // Where a running weir-proxy hands its listeners to its successor; empty: no hand-over.
  std::string takeoverSocket;
  unsigned workers = 0;  // 0: one per CPU
  std::chrono::milliseconds detectTimeout{10000};
  std::chrono::milliseconds connectTimeout{1000};
  std::chrono::milliseconds discoveryTimeout{3000};
  std::chrono::milliseconds drainTimeout{10000};
  http1::PoolLimits pool;
  // Receive buffers per worker at most (power of two), their size, and how many are provided
  // before receives ask for more (each one provided stays resident once used).
  unsigned buffers = 4096;
  unsigned bufferSize = 16384;
  unsigned initialBuffers = 256;
};

}  // namespace weir::proxy::app
