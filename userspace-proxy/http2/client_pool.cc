#include "userspace-proxy/http2/client_pool.h"

#include <algorithm>

#include "userspace-proxy/upstream/connect.h"

namespace weir::proxy::http2 {

void PooledClient::onTimer(io::Timer&) {
  if (conn->streams() == 0) {
    conn->shutdown();
  }
}

namespace {
UpstreamEvents* eventsOf(Leg* leg) {
  return leg != nullptr && leg->owner != nullptr ? static_cast<UpLegOwner*>(leg->owner)->events
                                                 : nullptr;
}
}  // namespace

ClientPool::~ClientPool() {
  for (auto& [conn, client] : clients_) {
    loop_.timers().cancel(client->idle);
  }
  clients_.clear();  // Conn destructors abandon their streams
}

ClientPool::Client* ClientPool::add(const PoolKey& key, const upstream::TargetPtr& target,
                                    io::Stream& s) {
  auto client = std::make_unique<Client>(*this);
  client->key = key;
  client->target = target;
  client->conn = std::make_unique<Conn>(loop_, s, Conn::Side::kClient, *this);
  Client* raw = client.get();
  byKey_[key].push_back(raw);
  clients_.emplace(raw->conn.get(), std::move(client));
  return raw;
}

Conn* ClientPool::get(const PoolKey& key, const upstream::TargetPtr& target,
                      const conn::Context& ctx, const std::string& authority) {
  auto it = byKey_.find(key);
  if (it != byKey_.end()) {
    for (Client* c : it->second) {
      if (c->conn->canOpen()) {
        loop_.timers().cancel(c->idle);
        return c->conn.get();
      }
    }
  }
  auto s = upstream::connectTo(loop_, *target, transport::Protocol::kHttp2, authority, nullptr,
                               mtls_, conn::identityOf(ctx));
  if (!s) {
    return nullptr;
  }
  Client* c = add(key, target, *s.value());
  c->series = conn::openedSeries(ctx, *target);  // looked up only for a new connection
  return c->conn.get();
}

void ClientPool::adopt(const PoolKey& key, const upstream::TargetPtr& target, io::Stream& s,
                       conn::Meter meter) {
  Client* c = add(key, target, s);
  c->meter = meter;
  c->conn->markConnected();
  loop_.arm(c->idle, idleTimeout_);
}

void ClientPool::shutdownAll() {
  for (auto& [conn, client] : clients_) {
    conn->shutdown();
  }
}

ClientPool::Client* ClientPool::clientOf(Conn& c) {
  auto it = clients_.find(&c);
  return it == clients_.end() ? nullptr : it->second.get();
}

void ClientPool::idleCheck(Client& client) {
  if (client.conn->streams() == 0 && !client.conn->closing()) {
    loop_.arm(client.idle, idleTimeout_);
  }
}

void ClientPool::onHeaders(Conn&, int32_t, Leg* leg, Block block, Headers& headers, bool end) {
  if (UpstreamEvents* e = eventsOf(leg)) {
    e->upHeaders(*leg, block, headers, end);
  }
}

void ClientPool::onData(Conn& c, int32_t id, Leg* leg, const uint8_t* data, size_t n) {
  if (UpstreamEvents* e = eventsOf(leg)) {
    e->upData(*leg, c, id, data, n);
  } else {
    c.consume(id, n);
  }
}

void ClientPool::onEnd(Conn&, int32_t, Leg* leg) {
  if (UpstreamEvents* e = eventsOf(leg)) {
    e->upEnd(*leg);
  }
}

void ClientPool::onStreamClosed(Conn& c, int32_t, Leg* leg, uint32_t error) {
  if (UpstreamEvents* e = eventsOf(leg)) {
    e->upClosed(*leg, error);
  }
  if (Client* client = clientOf(c)) {
    if (!c.closing()) {
      client->meter.sync(c.stream());
    }
    idleCheck(*client);
  }
}

void ClientPool::onConnected(Conn& c, int err) {
  Client* client = clientOf(c);
  if (client == nullptr) {
    return;
  }
  if (err == 0) {
    client->meter.open(client->series, loop_.now());
  }
}

void ClientPool::onConnClosed(Conn& c, io::Stream& s, int err) {
  auto it = clients_.find(&c);
  if (it == clients_.end()) {
    return;
  }
  Client* client = it->second.get();
  loop_.timers().cancel(client->idle);
  auto& list = byKey_[client->key];
  list.erase(std::remove(list.begin(), list.end(), client), list.end());
  if (list.empty()) {
    byKey_.erase(client->key);
  }
  client->meter.close(s, err, loop_.now());
  clients_.erase(it);  // deletes the Conn: it returned from its last callback
}

}  // namespace weir::proxy::http2
