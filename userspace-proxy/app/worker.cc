#include "userspace-proxy/app/worker.h"

#include <future>
#include <optional>

#include "common/base/log.h"
#include "userspace-proxy/http1/session.h"
#include "userspace-proxy/inbound/listener.h"
#include "userspace-proxy/io/loop.h"
#include "userspace-proxy/outbound/listener.h"
#include "userspace-proxy/serve/dispatch.h"
#include "userspace-proxy/tunnel/pool.h"

namespace weir::proxy::app {

Result<std::unique_ptr<Worker>> Worker::start(unsigned index, const Shared& shared,
                                              std::vector<int> outbound, std::vector<int> inbound) {
  std::unique_ptr<Worker> w(new Worker());
  w->index_ = index;
  w->shared_ = shared;
  w->outbound_ = std::move(outbound);
  w->inbound_ = std::move(inbound);
  std::promise<Status> started;
  auto ready = started.get_future();
  w->thread_ = std::thread([p = w.get(), &started] { p->run(started); });
  Status st = ready.get();
  if (!st) {
    w->thread_.join();
    return st.error();
  }
  return w;
}

Worker::~Worker() {
  stop();
  join();
}

void Worker::join() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Worker::wake() {
  if (auto* loop = static_cast<io::Loop*>(loop_.load(std::memory_order_acquire))) {
    loop->wake();
  }
}

void Worker::drain() {
  draining_.store(true, std::memory_order_release);
  wake();
}

void Worker::stop() {
  stopping_.store(true, std::memory_order_release);
  wake();
}

void Worker::run(std::promise<Status>& started) {
  const Options& o = *shared_.options;
  auto log = weir::logger("worker");
  // The ring is created here: it is single-issuer, this thread's alone.
  auto created = io::Loop::create(io::LoopOptions{.ringEntries = 4096,
                                                  .bufferCount = o.buffers,
                                                  .bufferSize = o.bufferSize,
                                                  .initialBuffers = o.initialBuffers});
  if (!created) {
    started.set_value(created.error());
    return;
  }
  std::unique_ptr<io::Loop> loop = std::move(created.value());
  {
    // mTLS between node proxies when the proxy has an identity service.
    std::optional<tls::View> tlsView;
    tls::CtxPtr tlsFront;
    upstream::Mtls mtls{.registry = &registry_};
    tunnel::Pool tunnels(*loop, &registry_, o.pool.idleTimeout);
    if (shared_.tls != nullptr) {
      tlsView.emplace(*shared_.tls);
      auto front = tls::serverFront(*tlsView);
      if (!front) {
        started.set_value(front.error());
        return;
      }
      tlsFront = std::move(front.value());
      mtls.view = &*tlsView;
      mtls.tunnels = &tunnels;
      for (const char* direction : {"outbound", "inbound"}) {
        for (const char* reason : {"untrusted", "identity_mismatch", "certificate_expired"}) {
          registry_.counter(tls::kHandshakeFailures, {{"direction", direction}, {"reason", reason}});
        }
      }
    }
    const upstream::Mtls* mtlsOrNull = shared_.tls != nullptr ? &mtls : nullptr;
    http1::Pool pool(*loop);
    http1::Env http1Env{.loop = loop.get(), .pool = &pool, .limits = o.pool, .mtls = mtlsOrNull};
    http2::ClientPool h2pool(*loop, o.pool.idleTimeout);
    h2pool.setMtls(mtlsOrNull);
    http2::Env http2Env{.loop = loop.get(), .pool = &h2pool};
    serve::Env serveEnv{.http1 = &http1Env,
                        .http2 = &http2Env,
                        .detectTimeout = o.detectTimeout,
                        .dial = {.attempts = 3,
                                 .connectTimeout = o.connectTimeout,
                                 .mtls = mtlsOrNull}};
    workloads::View view(*shared_.directory);
    outbound::Authorities authorities(
        shared_.resolver, upstream::PickerOptions{.node = o.node, .seed = 0x9e3779b97f4a7c15ULL * (index_ + 1)});
    outbound::Listener out(outbound::Services{.loop = loop.get(),
                                              .registry = &registry_,
                                              .serve = &serveEnv,
                                              .authorities = &authorities,
                                              .origDst = shared_.origDst,
                                              .workloads = &view,
                                              .discoveryTimeout = o.discoveryTimeout,
                                              .mtls = shared_.tls != nullptr});
    inbound::Listener in(inbound::Services{.loop = loop.get(),
                                           .registry = &registry_,
                                           .serve = &serveEnv,
                                           .workloads = &view,
                                           .tlsFront = tlsFront.get()});
    // The series an operator alerts on exist from the start, at 0.
    for (const char* direction : {"outbound", "inbound"}) {
      for (const char* status : {"400", "431", "502", "503"}) {
        registry_.counter(http1::kHttpErrors, {{"direction", direction}, {"status", status}});
      }
    }
    for (int fd : outbound_) {
      loop->listen(fd, &out);
    }
    for (int fd : inbound_) {
      loop->listen(fd, &in);
    }
    loop->setWakeHandler([&] { out.onDiscoveryChanged(); });
    loop_.store(loop.get(), std::memory_order_release);
    started.set_value(Status());

    bool listening = true;
    io::Clock::time_point drainDeadline{};
    while (!stopping_.load(std::memory_order_acquire)) {
      loop->runOnce(1000);
      connections_.store(loop->streams(), std::memory_order_relaxed);
      if (draining_.load(std::memory_order_acquire)) {
        if (listening) {
          for (int fd : outbound_) {
            loop->unlisten(fd);
          }
          for (int fd : inbound_) {
            loop->unlisten(fd);
          }
          listening = false;
          http1Env.draining = true;
          pool.closeIdle();
          http2::drainAll(http2Env);
          drainDeadline = loop->now() + o.drainTimeout;
          log->info("draining worker={} connections={}", index_, loop->streams());
        }
        if (loop->streams() == 0 || loop->now() >= drainDeadline) {
          log->info("drained worker={} left={}", index_, loop->streams());
          break;
        }
      }
    }
    loop_.store(nullptr, std::memory_order_release);
    // Whatever is still open goes with the ring.
  }
}

}  // namespace weir::proxy::app
