#include "agent/app/agent.h"

#include <arpa/inet.h>

#include <charconv>

#include "agent/app/workload_directory.h"
#include "agent/source/directory_source.h"
#include "agent/source/nodesync_source.h"
#include "common/admin/server.h"
#include "common/base/log.h"
#include "common/metrics/text_writer.h"
#include "common/sys/bpffs.h"
#include "common/sys/cgroup.h"
#include "common/sys/mountinfo.h"

namespace weir::agent::app {

Result<std::pair<uint32_t, uint16_t>> parseIpv4Endpoint(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return plainError("\"" + text + "\": expected IP:PORT");
  }
  in_addr addr{};
  if (::inet_pton(AF_INET, text.substr(0, colon).c_str(), &addr) != 1) {
    return plainError("\"" + text + "\": not an IPv4 address");
  }
  unsigned port = 0;
  const char* p = text.data() + colon + 1;
  auto [end, ec] = std::from_chars(p, text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port == 0 || port > 65535) {
    return plainError("\"" + text + "\": port must be between 1 and 65535");
  }
  return std::pair<uint32_t, uint16_t>{addr.s_addr, static_cast<uint16_t>(port)};
}

Result<std::unique_ptr<Agent>> Agent::start(const Options& options) {
  auto log = weir::logger("agent");
  std::unique_ptr<Agent> agent(new Agent());
  agent->options_ = options;
  Options& o = agent->options_;
  if (o.cgroupRoot.empty()) {
    auto mount = sys::findCgroup2Mount();
    if (!mount) {
      return mount.error();
    }
    o.cgroupRoot = mount.value();
  }
  state::CompileOptions compileOptions{.node = o.node, .cgroupRoot = o.cgroupRoot};
  if (!o.proxy.empty()) {
    auto proxy = parseIpv4Endpoint(o.proxy);
    if (!proxy) {
      return plainError("--proxy " + proxy.error().str());
    }
    compileOptions.proxyIp4 = proxy.value().first;
    compileOptions.proxyPort = proxy.value().second;
  }
  if (!o.proxyInbound.empty()) {
    auto inbound = parseIpv4Endpoint(o.proxyInbound);
    if (!inbound) {
      return plainError("--proxy-inbound " + inbound.error().str());
    }
    compileOptions.proxyInboundIp4 = inbound.value().first;
    compileOptions.proxyInboundPort = inbound.value().second;
  }
  if (!o.proxyCgroup.empty()) {
    auto id = sys::cgroupId(o.cgroupRoot + "/" + o.proxyCgroup);
    if (!id) {
      return plainError("--proxy-cgroup " + id.error().str());
    }
    compileOptions.proxyCgroupId = id.value();
  }
  auto admin = admin::Server::listen(o.admin);
  if (!admin) {
    return admin.error();
  }
  agent->admin_ = std::move(admin.value());

  if (auto st = sys::ensureBpffs(o.bpffsDir); !st) {
    return st.error();
  }
  auto loaded = loader::Loader::install({.bpffsDir = o.bpffsDir, .cgroupRoot = o.cgroupRoot});
  if (!loaded) {
    return loaded.error();
  }
  agent->loader_ = std::move(loaded.value());
  const loader::Loader& l = *agent->loader_;
  agent->syncer_ = std::make_unique<sync::Syncer>(sync::MapFds{
      .config = l.mapFd(WEIR_MAP_CONFIG),
      .workloads = l.mapFd(WEIR_MAP_WORKLOADS),
      .services = l.mapFd(WEIR_MAP_SERVICES),
      .backends = l.mapFd(WEIR_MAP_BACKENDS),
      .svcStats = l.mapFd(WEIR_MAP_SVC_STATS),
      .authz = l.mapFd(WEIR_MAP_AUTHZ),
      .skipOut = l.mapFd(WEIR_MAP_SKIP_OUT),
  });
  if (auto st = agent->syncer_->adopt(); !st) {
    return st.error();
  }
  agent->metricFds_ = metrics::MapFds{.counters = l.mapFd(WEIR_MAP_COUNTERS),
                                      .svcStats = l.mapFd(WEIR_MAP_SVC_STATS),
                                      .traffic = l.mapFd(WEIR_MAP_TRAFFIC),
                                      .conns = l.mapFd(WEIR_MAP_CONNS)};
  if (!o.control.empty()) {
    agent->source_ = std::make_unique<source::NodeSyncSource>(o.control, o.controlTls, compileOptions,
                                                              &sys::cgroupId);
  } else {
    agent->source_ = std::make_unique<source::DirectorySource>(o.configDir, compileOptions,
                                                               &sys::cgroupId);
  }

  Agent* self = agent.get();
  self->admin_->route("/metrics", [self](const admin::Request&) {
    auto names = self->syncer_->applied();
    return admin::Response{.status = 200,
                           .contentType = std::string(weir::metrics::kContentType),
                           .body = metrics::render(self->metricFds_, *names, self->counters_)};
  });
  self->admin_->route("/ready", [self](const admin::Request&) {
    bool ready = self->ready_.load();
    return admin::Response{.status = ready ? 200 : 503, .body = ready ? "ready\n" : "not ready\n"};
  });
  self->admin_->route("/live", [](const admin::Request&) {
    return admin::Response{.status = 200, .body = "live\n"};
  });
  if (auto st = self->admin_->start(); !st) {
    return st.error();
  }
  log->info("started node={} source={} cgroup_root={} bpffs_dir={} admin={} adopted={}", o.node,
            o.control.empty() ? "dir:" + o.configDir : "control:" + o.control, o.cgroupRoot,
            o.bpffsDir, o.admin, l.adopted());
  return agent;
}

Agent::~Agent() {
  if (admin_) {
    admin_->stop();
  }
}

Status Agent::run() { return source_->run(*this); }

void Agent::stop() { source_->stop(); }

void Agent::apply(const state::DesiredState& desired, const state::Touched* touched) {
  auto applied = syncer_->apply(desired, touched);
  if (!applied) {
    weir::logger("agent")->error("maps not updated error=\"{}\"", applied.error().str());
    counters_.reloadsRejected++;
    return;
  }
  counters_.reloadsOk++;
  counters_.mapUpdates += applied.value().updated;
  counters_.mapDeletes += applied.value().deleted;
  ready_ = true;
  writeDirectory();
  weir::logger("agent")->info("maps synced updated={} deleted={} unchanged={}",
                              applied.value().updated, applied.value().deleted,
                              applied.value().unchanged);
}

void Agent::writeDirectory() {
  if (options_.workloadsFile.empty()) {
    return;
  }
  auto names = syncer_->applied();
  if (directoryValid_ && names->workloadMeta == directoryWritten_) {
    return;
  }
  if (auto st = writeWorkloadDirectory(options_.workloadsFile, names->workloadMeta); !st) {
    weir::logger("agent")->error("workload directory not written error=\"{}\"", st.error().str());
    return;
  }
  directoryWritten_ = names->workloadMeta;
  directoryValid_ = true;
}

void Agent::reject(const std::vector<std::string>& errors) {
  counters_.reloadsRejected++;
  // An agent that adopted pinned state keeps serving it; one with nothing applied is not ready.
  if (loader_->adopted()) {
    ready_ = true;
  }
  weir::logger("agent")->warn("config rejected errors={} last good state stays", errors.size());
}

}  // namespace weir::agent::app
