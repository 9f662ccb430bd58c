#include "userspace-proxy/upstream/balanced_picker.h"

#include <algorithm>

namespace weir::proxy::upstream {

namespace {

balance::Address toBalance(io::Address a) { return {a.ip4, a.port}; }
io::Address toIo(balance::Address a) { return {a.ip4, a.port}; }

}  // namespace

TargetPtr plainTarget(io::Address addr) {
  auto t = std::make_shared<Target>();
  t->endpoint = addr;
  t->connectTo = addr;
  return t;
}

TargetPtr BalancedPicker::targetOf(const discovery::Endpoint& e, const std::string& localNode) {
  auto t = std::make_shared<Target>();
  t->endpoint = io::Address{e.ip4, e.port};
  t->connectTo = t->endpoint;
  bool remote = !e.node.empty() && e.node != localNode;
  if (remote && e.nodeProxyIp4 != 0 && e.nodeProxyPort != 0) {
    t->connectTo = io::Address{e.nodeProxyIp4, e.nodeProxyPort};
    t->viaNodeProxy = true;
  }
  t->dst = e.labels;
  t->identity = e.identity;
  return t;
}

BalancedPicker::BalancedPicker(const discovery::Resolution& resolution,
                               const PickerOptions& options, Clock::time_point now)
    : options_(options) {
  algorithm_ = balance::parseAlgorithm(resolution.loadBalancer).value_or(balance::Algorithm::kEwma);
  balancer_ = std::make_unique<balance::Balancer>(algorithm_, options.seed);
  update(resolution, now);
}

void BalancedPicker::update(const discovery::Resolution& resolution, Clock::time_point now) {
  auto algorithm =
      balance::parseAlgorithm(resolution.loadBalancer).value_or(balance::Algorithm::kEwma);
  if (algorithm != algorithm_) {
    // In-flight requests of the old balancer end against it (their handles no longer match).
    algorithm_ = algorithm;
    balancer_ = std::make_unique<balance::Balancer>(algorithm_, options_.seed);
    ++epoch_;
  }
  std::vector<balance::EndpointSpec> specs;
  specs.reserve(resolution.endpoints.size());
  for (const discovery::Endpoint& e : resolution.endpoints) {
    io::Address addr{e.ip4, e.port};
    specs.push_back({toBalance(addr), e.weight});
    TargetPtr fresh = targetOf(e, options_.node);
    auto it = targets_.find(addr);
    if (it == targets_.end() || it->second->dst != fresh->dst ||
        it->second->connectTo != fresh->connectTo || it->second->identity != fresh->identity) {
      targets_[addr] = std::move(fresh);
    }
  }
  balancer_->update(specs, now);
  // Forget targets the balancer no longer knows (neither listed nor draining).
  for (auto it = targets_.begin(); it != targets_.end();) {
    if (!balancer_->stats(toBalance(it->first))) {
      it = targets_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<Pick> BalancedPicker::pick(Clock::time_point now) {
  auto p = balancer_->pick(now);
  if (!p) {
    return std::nullopt;
  }
  auto it = targets_.find(toIo(p->addr));
  if (it == targets_.end()) {
    balancer_->abandon(p->handle);
    return std::nullopt;
  }
  return Pick{it->second, p->handle, epoch_};
}

void BalancedPicker::connected(const Pick& p) {
  if (p.epoch == epoch_) {
    balancer_->connected(p.handle);
  }
}

void BalancedPicker::connectFailed(const Pick& p, Clock::time_point now) {
  if (p.epoch == epoch_) {
    balancer_->connectFailed(p.handle, now);
  }
}

void BalancedPicker::finish(const Pick& p, Clock::duration latency, Clock::time_point now) {
  if (p.epoch == epoch_) {
    balancer_->finish(p.handle, latency, now);
  }
}

void BalancedPicker::abandon(const Pick& p) {
  if (p.epoch == epoch_) {
    balancer_->abandon(p.handle);
  }
}

}  // namespace weir::proxy::upstream
