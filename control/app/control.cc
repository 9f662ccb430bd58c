#include "control/app/control.h"

#include <malloc.h>

#include <random>
#include <sstream>

#include "common/base/log.h"
#include "common/grpctls/control_channel.h"
#include "control/kube/token_review.h"
#include "common/config/loader.h"
#include "common/config/values.h"
#include "common/policy/authz.h"
#include "common/metrics/text_writer.h"

namespace weir::control::app {

namespace {

std::string randomEpoch() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex << rd() << rd();
  return out.str();
}

std::string where(const config::SourceRef& src) {
  return src.line > 0 ? src.file + ":" + std::to_string(src.line) : src.file;
}

}  // namespace

Result<std::unique_ptr<Control>> Control::start(const Options& options) {
  auto log = weir::logger("control");
  if (auto st = checkPolicyOptions(options.policy); !st) {
    return st.error();
  }
  std::unique_ptr<Control> control(new Control(options));
  // The CA's files first: a missing or invalid one stops weir-control before it listens.
  if (options.identity.enabled()) {
    identity::Options identityOptions = options.identity;
    identityOptions.trustDomain = options.policy.trustDomain;
    identityOptions.serviceAccountTokens = options.kubernetes;
    auto identity = identity::IdentityService::create(control->publisher_, identityOptions);
    if (!identity) {
      return identity.error();
    }
    control->identity_ = std::move(identity.value());
    identity::IdentityService* ca = control->identity_.get();
    auto serving = identity::ServingCert::start(
        [ca] { return ca->ca(); }, grpctls::controlIdentity(options.policy.trustDomain),
        identity::ServingCert::Options{.lifetime = options.identity.certLifetime});
    if (!serving) {
      return serving.error();
    }
    control->serving_ = std::move(serving.value());
  } else {
    log->warn("no CA configured (--identity-*): the gRPC ports serve plaintext");
  }
  // With the CA on, every gRPC port is TLS with weir-control's own certificate; clients check
  // it against the trust anchors (common/grpctls).
  auto credentials = [&control] {
    return control->serving_ ? control->serving_->credentials()
                             : grpc::InsecureServerCredentials();
  };
  control->nodeSync_ =
      std::make_unique<nodesync::NodeSyncService>(control->publisher_, randomEpoch());

  auto admin = admin::Server::listen(options.admin);
  if (!admin) {
    return admin.error();
  }
  control->admin_ = std::move(admin.value());
  Control* self = control.get();
  self->admin_->route("/metrics", [self](const admin::Request&) {
    return admin::Response{.status = 200,
                           .contentType = std::string(weir::metrics::kContentType),
                           .body = self->renderMetrics()};
  });
  self->admin_->route("/ready", [self](const admin::Request&) {
    bool ready = self->publisher_.current().version > 0;
    return admin::Response{.status = ready ? 200 : 503, .body = ready ? "ready\n" : "not ready\n"};
  });
  self->admin_->route("/live", [](const admin::Request&) {
    return admin::Response{.status = 200, .body = "live\n"};
  });

  control->destination_ = std::make_unique<destination::DestinationService>(
      control->publisher_, destination::Options{.clusterDomain = options.policy.clusterDomain},
      control->nodeSync_.get());
  control->policy_ = std::make_unique<policy::PolicyService>(control->publisher_, options.policy);
  // Two servers, as Linkerd has two ports: Destination (with NodeSync) and Policy.
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials(), &control->grpcPort_);
  builder.RegisterService(control->nodeSync_.get());
  builder.RegisterService(control->destination_.get());
  control->grpc_ = builder.BuildAndStart();
  if (!control->grpc_ || control->grpcPort_ == 0) {
    return plainError("listen " + options.listen + ": gRPC server did not start");
  }
  grpc::ServerBuilder policyBuilder;
  policyBuilder.AddListeningPort(options.policyListen, credentials(), &control->policyPort_);
  policyBuilder.RegisterService(control->policy_.get());
  control->policyServer_ = policyBuilder.BuildAndStart();
  if (!control->policyServer_ || control->policyPort_ == 0) {
    return plainError("listen " + options.policyListen + ": gRPC server did not start");
  }
  if (control->identity_) {
    // The node token authenticates the caller; TLS keeps it secret.
    grpc::ServerBuilder identityBuilder;
    identityBuilder.AddListeningPort(options.identity.listen, credentials(),
                                     &control->identityPort_);
    identityBuilder.RegisterService(control->identity_.get());
    control->identityServer_ = identityBuilder.BuildAndStart();
    if (!control->identityServer_ || control->identityPort_ == 0) {
      return plainError("listen " + options.identity.listen + ": gRPC server did not start");
    }
  }
  if (auto st = self->admin_->start(); !st) {
    return st.error();
  }
  if (options.kubernetes) {
    if (auto st = control->startKubernetes(); !st) {
      return st.error();
    }
  } else {
    control->loader_ = std::make_unique<config::IncrementalLoader>(options.configDir);
    // Files arrive whole (rename into place, or close after writing): a short settle only merges
    // a burst, such as a checkout of many files, into one version.
    control->watcher_ =
        std::make_unique<fswatch::DirWatcher>(options.configDir, std::chrono::milliseconds(2));
  }
  log->info("started source={} grpc={} (port {}) policy={} (port {}) identity={} admin={} "
            "epoch={}",
            options.kubernetes ? "kubernetes:" + control->kubeClient_->config().source
                               : "dir:" + options.configDir,
            options.listen, control->grpcPort_, options.policyListen, control->policyPort_,
            control->identity_ ? options.identity.listen + " (port " +
                                     std::to_string(control->identityPort_) + ")"
                               : std::string("off"),
            options.admin, control->nodeSync_->epoch());
  return control;
}

Control::~Control() {
  for (auto* server : {grpc_.get(), policyServer_.get(), identityServer_.get()}) {
    if (server != nullptr) {
      server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    }
  }
  if (admin_) {
    admin_->stop();
  }
}

Status Control::startKubernetes() {
  Result<kube::ClusterConfig> cluster = options_.kubeconfig.empty()
                                            ? kube::loadInCluster()
                                            : kube::loadKubeconfig(options_.kubeconfig,
                                                                   options_.kubeContext);
  if (!cluster) {
    return cluster.error();
  }
  auto client = kube::HttpsClient::create(std::move(cluster.value()));
  if (!client) {
    return client.error();
  }
  kubeClient_ = std::move(client.value());
  if (identity_) {
    // Node proxies in the cluster prove their node with their pod's projected token.
    kube::TokenReviewOptions review{.audience = options_.identity.tokenAudience,
                                    .serviceAccount = options_.identity.proxyServiceAccount};
    kube::HttpsClient* api = kubeClient_.get();
    identity_->setServiceAccountAuthority(
        [api, review](std::string_view token) { return kube::nodeOfToken(*api, token, review); });
  }
  kubeSource_ = std::make_unique<kube::KubeSource>(
      *kubeClient_, kube::KubeSourceOptions{}, [this](config::Model model) {
        reloadsOk_++;
        publisher_.publish(model);
        ::malloc_trim(0);
        weir::logger("control")->info("config published version={} source=kubernetes",
                                      publisher_.current().version);
      });
  return {};
}

Status Control::run() {
  if (kubeSource_) {
    kubeSource_->run();
    return {};
  }
  return watcher_->run([this] { reload(); });
}

void Control::stop() {
  if (kubeSource_) {
    kubeSource_->stop();
  } else {
    watcher_->stop();
  }
}

void Control::reload() {
  auto log = weir::logger("control");
  auto started = std::chrono::steady_clock::now();
  auto msSince = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
  };
  config::ReloadResult loaded = loader_->reload();
  double reloadMs = msSince(started);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) {
      log->error("config rejected error=\"{}\"", e.str());
    }
    reloadsRejected_++;
    log->warn("config rejected errors={} last good state stays", loaded.errors.size());
    return;
  }
  reloadsOk_++;
  if (!loaded.changed && publisher_.current().version > 0) {
    log->debug("config unchanged");
    return;
  }
  publisher_.publish(loader_->model(), &loaded.delta);
  // Each version replaces a copy of the model: hand the freed pages back, after the agents
  // have theirs, rather than let the heap grow by fragments.
  ::malloc_trim(0);
  log->info("config published version={} parsed_documents={} incremental={} reload_ms={:.1f} "
            "total_ms={:.1f}",
            publisher_.current().version, loaded.parsed, loaded.incremental, reloadMs,
            msSince(started));
}

std::string Control::renderMetrics() const {
  weir::metrics::TextWriter w;
  w.family("weir_control_config_reloads_total", "counter",
           "Configuration reloads, by result (rejected ones leave the last good state in force).");
  w.sample("weir_control_config_reloads_total", {{"result", "ok"}},
           static_cast<double>(reloadsOk_.load()));
  uint64_t rejected = reloadsRejected_.load() + (kubeSource_ ? kubeSource_->stats().rejected : 0);
  w.sample("weir_control_config_reloads_total", {{"result", "rejected"}},
           static_cast<double>(rejected));
  w.family("weir_control_config_version", "gauge", "Version of the published configuration.");
  w.sample("weir_control_config_version", {}, static_cast<double>(publisher_.current().version));
  if (kubeSource_) {
    renderKubeMetrics(w);
  }
  w.family("weir_control_grpc_streams", "gauge", "Destination and Policy streams being served.");
  w.sample("weir_control_grpc_streams", {{"service", "destination"}},
           static_cast<double>(destination_->activeStreams()));
  w.sample("weir_control_grpc_streams", {{"service", "policy"}},
           static_cast<double>(policy_->activeStreams()));
  if (serving_) {
    serving_->renderMetrics(w);
  }
  if (identity_) {
    identity_->renderMetrics(w);
  }
  w.family("weir_control_nodesync_connected", "gauge", "Whether the node's agent is connected.");
  w.family("weir_control_nodesync_acked_version", "gauge",
           "The configuration version the node's agent last acknowledged.");
  for (const auto& [node, status] : nodeSync_->nodes()) {
    w.sample("weir_control_nodesync_connected", {{"node", node}}, status.connected ? 1 : 0);
    w.sample("weir_control_nodesync_acked_version", {{"node", node}},
             static_cast<double>(status.ackedVersion));
  }
  return w.take();
}

void Control::renderKubeMetrics(weir::metrics::TextWriter& w) const {
  kube::KubeSourceStats stats = kubeSource_->stats();
  w.family("weir_control_kubernetes_synced", "gauge",
           "Whether every watched collection has delivered its first list.");
  w.sample("weir_control_kubernetes_synced", {}, stats.synced ? 1 : 0);
  w.family("weir_control_kubernetes_objects", "gauge", "Objects held, by collection.");
  w.family("weir_control_kubernetes_events_total", "counter",
           "Watch events applied, by collection and type (lists count as snapshot).");
  for (const auto& c : stats.collections) {
    w.sample("weir_control_kubernetes_objects", {{"collection", c.path}},
             static_cast<double>(c.objects));
    for (auto [type, n] : {std::pair{"snapshot", c.snapshots}, std::pair{"added", c.added},
                           std::pair{"modified", c.modified}, std::pair{"deleted", c.deleted}}) {
      w.sample("weir_control_kubernetes_events_total", {{"collection", c.path}, {"type", type}},
               static_cast<double>(n));
    }
  }
}

Status checkPolicyOptions(const policy::Options& options) {
  if (!::weir::policy::isDefaultPolicy(options.defaultInboundPolicy)) {
    return plainError("--default-inbound-policy: must be all-unauthenticated, all-authenticated, "
                      "cluster-unauthenticated, cluster-authenticated, deny or audit, got \"" +
                      options.defaultInboundPolicy + "\"");
  }
  for (const std::string& network : options.clusterNetworks) {
    config::Cidr cidr;
    if (auto error = config::parseCidr(network, cidr)) {
      return plainError("--cluster-networks: \"" + network + "\": " + *error);
    }
  }
  for (const auto& [flag, value] : {std::pair{"--cluster-domain", &options.clusterDomain},
                                    std::pair{"--identity-trust-domain", &options.trustDomain}}) {
    if (value->empty() || value->front() == '.' || value->back() == '.' ||
        value->find_first_of(" /:") != std::string::npos) {
      return plainError(std::string(flag) + ": not a DNS domain: \"" + *value + "\"");
    }
  }
  return {};
}

int validate(const std::vector<std::string>& paths, std::ostream& out) {
  int status = 0;
  for (const auto& path : paths) {
    config::LoadResult loaded = config::loadPath(path);
    const config::Model& m = loaded.model;
    auto ok = [&out](const auto& objects, const char* kind) {
      for (const auto& o : objects) {
        out << where(o.src) << ": " << kind << "/" << o.name << ": OK\n";
      }
    };
    ok(m.namespaces, "Namespace");
    ok(m.serviceAccounts, "ServiceAccount");
    ok(m.services, "Service");
    ok(m.workloads, "ExternalWorkload");
    ok(m.serviceProfiles, "ServiceProfile");
    ok(m.trafficSplits, "TrafficSplit");
    ok(m.httpRoutes, "HTTPRoute");
    ok(m.servers, "Server");
    ok(m.serverAuthorizations, "ServerAuthorization");
    ok(m.authorizationPolicies, "AuthorizationPolicy");
    ok(m.meshTLSAuthentications, "MeshTLSAuthentication");
    ok(m.networkAuthentications, "NetworkAuthentication");
    for (const auto& skipped : loaded.skipped) {
      out << skipped << "\n";
    }
    for (const auto& e : loaded.errors) {
      out << e.str() << "\n";
    }
    if (!loaded.ok()) {
      status = 1;
    }
  }
  return status;
}

}  // namespace weir::control::app
