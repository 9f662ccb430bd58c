#include "userspace-proxy/http1/pool.h"

#include <algorithm>

namespace weir::proxy::http1 {

namespace {
Upstream* upstreamOf(io::Stream& s) { return static_cast<Upstream*>(s.owner); }
}  // namespace

Pool::~Pool() {
  for (auto& [key, list] : idle_) {
    for (Upstream* u : list) {
      loop_.timers().cancel(u->idleTimer);
      u->stream->abandon();
      delete u;
    }
  }
}

Upstream* Pool::make(const PoolKey& key, upstream::TargetPtr target) {
  auto* u = new Upstream(this);
  u->key = key;
  u->target = std::move(target);
  return u;
}

Upstream* Pool::take(const PoolKey& key) {
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) {
    return nullptr;
  }
  Upstream* u = it->second.back();
  it->second.pop_back();
  --idleCount_;
  loop_.timers().cancel(u->idleTimer);
  u->stream->setHandler(nullptr);
  u->reused = true;
  return u;
}

void Pool::put(Upstream* u, const PoolLimits& limits) {
  bool spent = limits.maxRequestsPerConnection != 0 && u->requests >= limits.maxRequestsPerConnection;
  auto& list = idle_[u->key];
  if (spent || closed_ || list.size() >= limits.maxIdlePerKey || u->stream->closing() || u->stream->eof() ||
      u->stream->hasInput() || u->parser.inMessage()) {
    discard(u);
    return;
  }
  u->stream->setHandler(this);
  u->stream->resumeReading();
  u->reused = false;
  list.push_back(u);
  ++idleCount_;
  loop_.arm(u->idleTimer, limits.idleTimeout);
}

void Pool::discard(Upstream* u) {
  u->stream->setHandler(this);
  u->stream->close();
}

void Pool::unlink(Upstream* u) {
  auto it = idle_.find(u->key);
  if (it == idle_.end()) {
    return;
  }
  auto pos = std::find(it->second.begin(), it->second.end(), u);
  if (pos != it->second.end()) {
    it->second.erase(pos);
    --idleCount_;
  }
  if (it->second.empty()) {
    idle_.erase(it);
  }
}

void Pool::onReadable(io::Stream& s) {
  // An idle HTTP/1 connection has nothing to say: whatever it sent, it is unusable now.
  Upstream* u = upstreamOf(s);
  unlink(u);
  loop_.timers().cancel(u->idleTimer);
  s.close();
}

void Pool::onEof(io::Stream& s, int) {
  Upstream* u = upstreamOf(s);
  unlink(u);
  loop_.timers().cancel(u->idleTimer);
  s.close();
}

void Pool::onClosed(io::Stream& s) {
  Upstream* u = upstreamOf(s);
  unlink(u);
  loop_.timers().cancel(u->idleTimer);
  u->meter.close(s, s.error(), loop_.now());
  delete u;
}

void Upstream::onTimer(io::Timer&) { pool->expired(this); }

void Pool::closeIdle() {
  closed_ = true;
  std::vector<Upstream*> all;
  for (auto& [key, list] : idle_) {
    all.insert(all.end(), list.begin(), list.end());
  }
  for (Upstream* u : all) {
    expired(u);
  }
}

void Pool::expired(Upstream* u) {
  unlink(u);
  u->stream->close();
}

}  // namespace weir::proxy::http1
