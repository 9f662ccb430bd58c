#pragma once

// weir-control: follows a configuration source, publishes each valid model to NodeSync, serves
// the gRPC API (Destination and NodeSync, Policy, and Identity when its files are given) and an
// admin endpoint (/metrics, /ready, /live).

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>

#include "common/admin/server.h"
#include "common/metrics/text_writer.h"
#include "common/config/incremental_loader.h"
#include "common/fswatch/dir_watcher.h"
#include "control/destination/service.h"
#include "control/identity/service.h"
#include "control/identity/serving.h"
#include "control/kube/kube_source.h"
#include "control/nodesync/publisher.h"
#include "control/nodesync/service.h"
#include "control/policy/service.h"

namespace weir::control::app {

struct Options {
  std::string configDir;  // host mode: follow this directory
  bool kubernetes = false;  // follow the API server instead (in-cluster, or `kubeconfig`)
  std::string kubeconfig;
  std::string kubeContext;
  std::string listen = "0.0.0.0:8086";  // Destination's port; NodeSync shares it (api/README.md)
  std::string policyListen = "0.0.0.0:8090";
  std::string admin = "127.0.0.1:9990";
  // Linkerd's install values: clusterDomain, identityTrustDomain, proxy.defaultInboundPolicy,
  // clusterNetworks. Used by Destination, Policy and the kernel's compiled authorization.
  policy::Options policy;
  // The mesh CA (--identity-*): served only when its files are given; its trust domain is
  // policy.trustDomain.
  identity::Options identity;
};

// Checks the install values a user may pass: a known default policy, CIDRs, names. The message
// names the flag.
Status checkPolicyOptions(const policy::Options& options);

class Control {
 public:
  static Result<std::unique_ptr<Control>> start(const Options& options);
  ~Control();

  // Follows the configuration source (the directory, or the API server) until stop(). Blocks.
  Status run();
  void stop();

  int grpcPort() const { return grpcPort_; }
  int policyPort() const { return policyPort_; }
  int identityPort() const { return identityPort_; }  // 0 when the identity service is off

 private:
  explicit Control(const Options& options) : options_(options), publisher_(options.policy) {}
  void reload();
  std::string renderMetrics() const;
  void renderKubeMetrics(weir::metrics::TextWriter& w) const;
  Status startKubernetes();

  Options options_;
  std::unique_ptr<config::IncrementalLoader> loader_;
  nodesync::Publisher publisher_;
  std::unique_ptr<nodesync::NodeSyncService> nodeSync_;
  std::unique_ptr<destination::DestinationService> destination_;
  std::unique_ptr<policy::PolicyService> policy_;
  std::unique_ptr<identity::IdentityService> identity_;  // null when off
  // TLS for every gRPC port, when the CA is on; outlives the servers that read it.
  std::unique_ptr<identity::ServingCert> serving_;
  std::unique_ptr<grpc::Server> grpc_;    // Destination and NodeSync
  std::unique_ptr<grpc::Server> policyServer_;
  std::unique_ptr<grpc::Server> identityServer_;
  int grpcPort_ = 0;
  int policyPort_ = 0;
  int identityPort_ = 0;
  std::unique_ptr<admin::Server> admin_;
  std::unique_ptr<fswatch::DirWatcher> watcher_;
  std::unique_ptr<kube::HttpsClient> kubeClient_;
  std::unique_ptr<kube::KubeSource> kubeSource_;
  std::atomic<uint64_t> reloadsOk_{0};
  std::atomic<uint64_t> reloadsRejected_{0};
};

// `weir-control validate PATH...`: one line per object, "OK" or the error; returns the exit
// status (0 when every path is valid).
int validate(const std::vector<std::string>& paths, std::ostream& out);

}  // namespace weir::control::app
