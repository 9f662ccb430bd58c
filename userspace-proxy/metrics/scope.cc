#include "userspace-proxy/metrics/scope.h"

namespace weir::proxy::metrics {

namespace {

// Calls f(name, value) for every label of a series of `scope`, in rendering order.
template <typename F>
void forEachLabel(const Scope& scope, std::optional<Peer> peer, F&& f) {
  f("direction", scope.direction);
  if (peer) {
    f("peer", peerName(*peer));
  }
  for (const auto& [name, value] : scope.workload) {
    f(name, value);
  }
  if (!scope.authority.empty()) {
    f("authority", scope.authority);
  }
  for (const Labels* part : {&scope.target, &scope.dst, &scope.tls}) {
    for (const auto& [name, value] : *part) {
      f(name, value);
    }
  }
}

}  // namespace

std::string_view peerName(Peer peer) {
  return peer == Peer::kSrc ? "src" : "dst";
}

Labels scopeLabels(const Scope& scope, std::optional<Peer> peer) {
  Labels labels;
  forEachLabel(scope, peer, [&](std::string_view name, std::string_view value) {
    labels.emplace_back(name, value);
  });
  return labels;
}

void appendScopeKey(std::string& out, const Scope& scope, std::optional<Peer> peer) {
  forEachLabel(scope, peer, [&](std::string_view name, std::string_view value) {
    appendLabelKey(out, name, value);
  });
}

void appendLabelKey(std::string& out, std::string_view name, std::string_view value) {
  // name="value", with \ and " escaped: one string per label list, and readable in a debugger.
  out += name;
  out += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
    }
    out += c;
  }
  out += "\",";
}

}  // namespace weir::proxy::metrics
