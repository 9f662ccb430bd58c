#include "userspace-proxy/metrics/registry.h"

#include <utility>

namespace weir::proxy::metrics {

HttpSeries* Registry::http(const Scope& scope) {
  std::lock_guard lock(mu_);
  scratch_.clear();
  appendScopeKey(scratch_, scope, std::nullopt);
  if (auto it = http_.find(std::string_view(scratch_)); it != http_.end()) {
    return it->second.get();
  }
  auto series = std::make_unique<HttpSeries>(scratch_, scopeLabels(scope, std::nullopt), mu_);
  HttpSeries* s = series.get();
  http_.emplace(scratch_, std::move(series));
  return s;
}

TcpSeries* Registry::tcp(const Scope& scope, Peer peer) {
  std::lock_guard lock(mu_);
  scratch_.clear();
  appendScopeKey(scratch_, scope, peer);
  if (auto it = tcp_.find(std::string_view(scratch_)); it != tcp_.end()) {
    return it->second.get();
  }
  auto series = std::make_unique<TcpSeries>(scratch_, scopeLabels(scope, peer), mu_);
  TcpSeries* s = series.get();
  tcp_.emplace(scratch_, std::move(series));
  return s;
}

Counter* Registry::counter(const CounterDesc& desc, const Labels& labels) {
  std::lock_guard lock(mu_);
  scratch_.assign(desc.name);
  scratch_ += '{';
  for (const auto& [name, value] : labels) {
    appendLabelKey(scratch_, name, value);
  }
  if (auto it = counters_.find(std::string_view(scratch_)); it != counters_.end()) {
    return &it->second->counter;
  }
  auto series = std::make_unique<CounterSeries>();
  series->name = desc.name;
  series->help = desc.help;
  series->key = scratch_;
  series->labels = labels;
  Counter* c = &series->counter;
  counters_.emplace(scratch_, std::move(series));
  return c;
}

}  // namespace weir::proxy::metrics
