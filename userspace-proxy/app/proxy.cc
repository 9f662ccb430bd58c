#include "userspace-proxy/app/proxy.h"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

#include "common/base/log.h"
#include "common/metrics/text_writer.h"
#include "userspace-proxy/discovery/destination_client.h"
#include "userspace-proxy/io/socket.h"
#include "common/identity/pem.h"
#include "userspace-proxy/metrics/render.h"
#include "common/base/read_file.h"

namespace weir::proxy::app {

namespace {

spdlog::logger& log() {
  static const auto logger = weir::logger("proxy");
  return *logger;
}

// Resident memory from /proc/self/statm, in bytes.
double residentBytes() {
  std::ifstream statm("/proc/self/statm");
  unsigned long size = 0;
  unsigned long resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double cpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// Where the proxy knows the mesh's trust anchors it reaches weir-control over TLS.
grpctls::ControlTls controlTls(const Options& o) {
  return grpctls::ControlTls{.anchorsFile = o.trustAnchors, .serverName = o.controlIdentity};
}

}  // namespace

Status Proxy::startIdentity() {
  const Options& o = options_;
  if (o.identity.empty()) {
    return {};
  }
  if (o.trustAnchors.empty() || o.identityTokenFile.empty()) {
    return plainError("--identity needs --identity-trust-anchors and --identity-token-file");
  }
  auto anchors = readSmallFile(o.trustAnchors, "trust anchors");
  if (!anchors) {
    return anchors.error();
  }
  auto store = tls::Store::create(anchors.value());
  if (!store) {
    return plainError(o.trustAnchors + ": " + store.error().str());
  }
  tls_ = std::move(store.value());
  certifier_ = std::make_unique<identity::Certifier>(
      *directory_, *tls_, identity::grpcAuthority(o.identity, o.identityTokenFile, controlTls(o)),
      identity::CertifierOptions{.anchorsFile = o.trustAnchors});
  certifier_->start();
  return {};
}

Result<std::unique_ptr<Proxy>> Proxy::start(const Options& options) {
  std::unique_ptr<Proxy> p(new Proxy());
  p->options_ = options;
  p->startedAt_ = std::chrono::steady_clock::now();
  if (p->options_.workers == 0) {
    p->options_.workers = std::max(1u, std::thread::hardware_concurrency());
  }
  p->origDst_ = std::make_unique<kernel::OrigDst>(options.bpffsDir);
  if (!p->origDst_->hasMap()) {
    log().warn("no weir_orig_dst map under {}: source workloads unknown until the agent runs",
               options.bpffsDir);
  }
  p->directory_ = std::make_unique<workloads::Directory>(options.workloadsFile);
  if (!options.workloadsFile.empty()) {
    p->directory_->refresh();
  }
  if (!options.destination.empty()) {
    auto resolver = discovery::createResolver(
        discovery::ResolverOptions{.destination = options.destination,
                                   .tls = controlTls(options),
                                   .node = options.node,
                                   .idleTimeout = std::chrono::minutes(5)});
    if (!resolver) {
      return resolver.error();
    }
    p->resolver_ = std::move(resolver.value());
  }
  if (auto st = p->startIdentity(); !st) {
    return st.error();
  }
  if (auto st = p->makeListeners(); !st) {
    return st.error();
  }

  // Each worker takes its share of the listening sockets.
  Shared shared{&p->options_, p->origDst_.get(), p->directory_.get(), p->resolver_.get(),
                p->tls_.get()};
  const unsigned n = p->options_.workers;
  for (unsigned i = 0; i < n; ++i) {
    std::vector<int> out;
    std::vector<int> in;
    for (size_t j = i; j < p->listeners_.outbound.size(); j += n) {
      out.push_back(p->listeners_.outbound[j].get());
    }
    for (size_t j = i; j < p->listeners_.inbound.size(); j += n) {
      in.push_back(p->listeners_.inbound[j].get());
    }
    auto w = Worker::start(i, shared, std::move(out), std::move(in));
    if (!w) {
      return plainError("worker " + std::to_string(i) + ": " + w.error().str());
    }
    p->workers_.push_back(std::move(w.value()));
  }
  if (p->takeover_.fromPeer) {
    // Our workers accept from the same queues now: the predecessor may stop and drain.
    if (auto st = confirmTakeover(p->takeover_); !st) {
      log().warn("takeover not confirmed error=\"{}\"", st.error().str());
    }
    log().info("listeners taken over from the running proxy");
  }
  if (p->resolver_) {
    Proxy* self = p.get();
    p->resolver_->onChange([self] {
      for (auto& w : self->workers_) {
        w->wake();
      }
    });
  }
  if (auto st = p->startAdmin(); !st) {
    return st.error();
  }
  if (!p->options_.takeoverSocket.empty()) {
    std::vector<int> out;
    std::vector<int> in;
    for (auto& fd : p->listeners_.outbound) {
      out.push_back(fd.get());
    }
    for (auto& fd : p->listeners_.inbound) {
      in.push_back(fd.get());
    }
    Proxy* self = p.get();
    auto server = TakeoverServer::start(p->options_.takeoverSocket, out, in, [self] {
      log().info("a successor took the listeners: draining");
      self->drain();
    });
    if (!server) {
      return server.error();
    }
    p->handover_ = std::move(server.value());
  }
  std::string dir = p->options_.workloadsFile.substr(0, p->options_.workloadsFile.rfind('/') + 1);
  p->watcher_ = std::make_unique<fswatch::DirWatcher>(dir.empty() ? "." : dir,
                                                      std::chrono::milliseconds(5));
  p->housekeeper_ = std::thread([self = p.get()] { self->housekeeping(); });
  p->ready_ = true;
  log().info("weir-proxy ready outbound={} inbound={} admin={} workers={} destination={}",
             p->options_.outbound, p->options_.inbound, p->options_.admin, n,
             p->options_.destination.empty() ? "none" : p->options_.destination);
  return p;
}

Status Proxy::makeListeners() {
  if (!options_.takeoverSocket.empty()) {
    auto received = requestListeners(options_.takeoverSocket);
    if (!received) {
      return received.error();
    }
    takeover_ = std::move(received.value());
    listeners_ = std::move(takeover_.listeners);
  }
  auto outbound = io::parseAddress(options_.outbound);
  if (!outbound) {
    return plainError("--outbound " + outbound.error().str());
  }
  auto inbound = io::parseAddress(options_.inbound);
  if (!inbound) {
    return plainError("--inbound " + inbound.error().str());
  }
  // One socket per worker, so each has its own accept queue; a predecessor's are reused first.
  while (listeners_.outbound.size() < options_.workers) {
    auto fd = io::listenTcp(outbound.value(), 4096);
    if (!fd) {
      return plainError("outbound listener: " + fd.error().str());
    }
    listeners_.outbound.push_back(std::move(fd.value()));
  }
  while (listeners_.inbound.size() < options_.workers) {
    auto fd = io::listenTcp(inbound.value(), 4096);
    if (!fd) {
      return plainError("inbound listener: " + fd.error().str());
    }
    listeners_.inbound.push_back(std::move(fd.value()));
  }
  return {};
}

Status Proxy::startAdmin() {
  auto server = admin::Server::listen(options_.admin, admin::ServerOptions{.reusePort = true});
  if (!server) {
    return plainError("admin: " + server.error().str());
  }
  admin_ = std::move(server.value());
  admin_->route("/metrics", [this](const admin::Request&) {
    return admin::Response{200, std::string(weir::metrics::kContentType), metricsText()};
  });
  admin_->route("/ready", [this](const admin::Request&) {
    bool ready = ready_ && !draining_ && (!certifier_ || certifier_->ready());
    return admin::Response{ready ? 200 : 503, "text/plain; charset=utf-8",
                           ready ? "ready\n" : "not ready\n"};
  });
  admin_->route("/live", [](const admin::Request&) {
    return admin::Response{200, "text/plain; charset=utf-8", "live\n"};
  });
  admin_->route(
      "/shutdown",
      [this](const admin::Request& req) {
        if (!req.fromLoopback) {
          return admin::Response{403, "text/plain; charset=utf-8",
                                 "shutdown is accepted from loopback only\n"};
        }
        drain();
        return admin::Response{200, "text/plain; charset=utf-8", "shutting down\n"};
      },
      {"POST"});
  return admin_->start();
}

std::string Proxy::metricsText() const {
  weir::metrics::TextWriter w;
  std::vector<const metrics::Registry*> registries;
  size_t connections = 0;
  for (const auto& worker : workers_) {
    registries.push_back(&worker->registry());
    connections += worker->connections();
  }
  metrics::render(registries, w);
  if (certifier_) {
    certifier_->render(w);
  }
  w.family("weir_proxy_workers", "gauge", "io_uring worker threads.");
  w.sample("weir_proxy_workers", {}, static_cast<double>(workers_.size()));
  w.family("weir_proxy_sockets", "gauge", "Sockets open on the workers' rings.");
  w.sample("weir_proxy_sockets", {}, static_cast<double>(connections));
  if (resolver_) {
    auto s = resolver_->stats();
    w.family("weir_proxy_destination_authorities", "gauge",
             "Authorities with Destination streams open to weir-control.");
    w.sample("weir_proxy_destination_authorities", {}, static_cast<double>(s.authorities));
    w.family("weir_proxy_destination_streams", "gauge", "Destination streams open.");
    w.sample("weir_proxy_destination_streams", {}, static_cast<double>(s.streams));
    w.family("weir_proxy_destination_stream_failures_total", "counter",
             "Destination streams that ended other than by unsubscribing.");
    w.sample("weir_proxy_destination_stream_failures_total", {},
             static_cast<double>(s.streamFailures));
  }
  w.family("weir_proxy_workload_directory_reloads_total", "counter",
           "Workload directory files read and accepted.");
  w.sample("weir_proxy_workload_directory_reloads_total", {},
           static_cast<double>(directory_->reloads()));
  w.family("weir_proxy_workload_directory_errors_total", "counter",
           "Workload directory files rejected (the last good one stays).");
  w.sample("weir_proxy_workload_directory_errors_total", {},
           static_cast<double>(directory_->errors()));
  w.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  w.sample("process_cpu_seconds_total", {}, cpuSeconds());
  w.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  w.sample("process_resident_memory_bytes", {}, residentBytes());
  return w.take();
}

void Proxy::housekeeping() {
  if (options_.workloadsFile.empty()) {
    return;
  }
  // The agent replaces the file by rename: inotify on its directory sees each new version at
  // once. Should the directory not be watchable, the file is polled instead.
  std::string dir = options_.workloadsFile.substr(0, options_.workloadsFile.rfind('/') + 1);
  Status watched = watcher_->run([this] { directory_->refresh(); });
  if (!watched) {
    log().warn("cannot watch {} error=\"{}\": polling the workload directory", dir,
               watched.error().str());
  }
  std::unique_lock lock(mu_);
  while (!stopped_) {
    cv_.wait_for(lock, std::chrono::milliseconds(500));
    lock.unlock();
    directory_->refresh();
    lock.lock();
  }
}

void Proxy::drain() {
  if (draining_.exchange(true)) {
    return;
  }
  for (auto& w : workers_) {
    w->drain();
  }
}

void Proxy::stop() {
  for (auto& w : workers_) {
    w->stop();
  }
}

void Proxy::wait() {
  for (auto& w : workers_) {
    w->join();
  }
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  if (watcher_) {
    watcher_->stop();
  }
  if (housekeeper_.joinable()) {
    housekeeper_.join();
  }
}

Proxy::~Proxy() {
  stop();
  wait();
  handover_.reset();
  if (admin_) {
    admin_->stop();
  }
  workers_.clear();
}

}  // namespace weir::proxy::app
