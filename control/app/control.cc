#include "control/app/control.h"

#include <random>
#include <sstream>

#include "common/base/log.h"
#include "common/config/loader.h"
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
  std::unique_ptr<Control> control(new Control());
  control->options_ = options;
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

  grpc::ServerBuilder builder;
  // Plaintext until the identity issue: the mTLS work puts TLS on every control-plane endpoint.
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &control->grpcPort_);
  builder.RegisterService(control->nodeSync_.get());
  control->grpc_ = builder.BuildAndStart();
  if (!control->grpc_ || control->grpcPort_ == 0) {
    return plainError("listen " + options.listen + ": gRPC server did not start");
  }
  if (auto st = self->admin_->start(); !st) {
    return st.error();
  }
  control->watcher_ = std::make_unique<fswatch::DirWatcher>(options.configDir);
  log->info("started config_dir={} grpc={} (port {}) admin={} epoch={}", options.configDir,
            options.listen, control->grpcPort_, options.admin, control->nodeSync_->epoch());
  return control;
}

Control::~Control() {
  if (grpc_) {
    grpc_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  }
  if (admin_) {
    admin_->stop();
  }
}

Status Control::run() { return watcher_->run([this] { reload(); }); }

void Control::stop() { watcher_->stop(); }

void Control::reload() {
  auto log = weir::logger("control");
  config::LoadResult loaded = config::loadPath(options_.configDir);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) {
      log->error("config rejected error=\"{}\"", e.str());
    }
    reloadsRejected_++;
    log->warn("config rejected errors={} last good state stays", loaded.errors.size());
    return;
  }
  reloadsOk_++;
  publisher_.publish(std::move(loaded.model));
  log->info("config published version={}", publisher_.current().version);
}

std::string Control::renderMetrics() const {
  weir::metrics::TextWriter w;
  w.family("weir_control_config_reloads_total", "counter",
           "Configuration reloads, by result (rejected ones leave the last good state in force).");
  w.sample("weir_control_config_reloads_total", {{"result", "ok"}},
           static_cast<double>(reloadsOk_.load()));
  w.sample("weir_control_config_reloads_total", {{"result", "rejected"}},
           static_cast<double>(reloadsRejected_.load()));
  w.family("weir_control_config_version", "gauge", "Version of the published configuration.");
  w.sample("weir_control_config_version", {}, static_cast<double>(publisher_.current().version));
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
