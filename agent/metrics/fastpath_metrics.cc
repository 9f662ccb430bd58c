#include "agent/metrics/fastpath_metrics.h"

#include <arpa/inet.h>

#include <map>
#include <tuple>

#include "agent/kmaps/map_sync.h"
#include "common/bpfabi/abi.h"
#include "common/metrics/text_writer.h"

namespace weir::agent::metrics {

namespace {

using weir::metrics::Labels;
using weir::metrics::TextWriter;

// Connection totals per (workload, service, direction): closed ones from weir_traffic plus the
// live ones in weir_conns.
struct Totals {
  uint64_t opens = 0;
  uint64_t closes = 0;
  uint64_t open = 0;
  uint64_t bytesIn = 0;
  uint64_t bytesOut = 0;
  uint64_t durationNs = 0;
};

using TotalsKey = std::tuple<uint64_t, uint32_t, uint16_t, uint16_t>;

std::string ipString(uint32_t ip4) {
  char buf[INET_ADDRSTRLEN] = {};
  in_addr a{ip4};
  ::inet_ntop(AF_INET, &a, buf, sizeof(buf));
  return buf;
}

Labels connectionLabels(const TotalsKey& key, const state::Names& names) {
  auto [cgroupId, vip, port, direction] = key;
  Labels labels;
  auto w = names.workloadMeta.find(cgroupId);
  bool outbound = direction == WEIR_DIR_OUTBOUND;
  labels.emplace_back("direction", outbound ? "outbound" : "inbound");
  labels.emplace_back("peer", outbound ? "dst" : "src");
  if (w != names.workloadMeta.end()) {
    labels.emplace_back("namespace", w->second.ns);
    labels.emplace_back("external_workload", w->second.name);
  }
  auto s = names.serviceMeta.find({vip, port});
  if (s != names.serviceMeta.end()) {
    const auto& svc = s->second;
    labels.emplace_back("authority", svc.name + "." + svc.ns + ".svc.cluster.local:" +
                                         std::to_string(port));
    labels.emplace_back("dst_namespace", svc.ns);
    labels.emplace_back("dst_service", svc.name);
  } else {
    labels.emplace_back("authority", ipString(vip) + ":" + std::to_string(port));
  }
  // Fast-path bytes never leave the node: no TLS, and Linkerd's reason for that is "loopback".
  labels.emplace_back("tls", "no_identity");
  labels.emplace_back("no_tls_reason", "loopback");
  labels.emplace_back("path", "kernel");
  return labels;
}

void renderCounters(TextWriter& w, const MapFds& fds) {
  w.family("weir_fastpath_events_total", "counter",
           "Kernel fast-path events by kind (connects steered, sockets tracked, sends redirected).");
  auto all = kmaps::readAllPercpu<uint32_t, uint64_t>(
      fds.counters, WEIR_MAP_COUNTERS, [](uint64_t& sum, uint64_t v) { sum += v; });
  if (!all) {
    return;
  }
  for (const auto& [index, value] : all.value()) {
    if (index < WEIR_CTR_MAX) {
      w.sample("weir_fastpath_events_total", {{"event", std::string(abi::kCounterNames[index])}},
               static_cast<double>(value));
    }
  }
  // The same refusals under a name of their own: what an operator alerts on.
  w.family("weir_authz_denied_total", "counter",
           "Connects to a workload on this node refused by its L4 authorization, by reason "
           "(deny: the policy refuses the client; no_proxy: only the node proxy could decide, "
           "and none runs).");
  auto at = [&](uint32_t index) {
    auto it = all.value().find(index);
    return static_cast<double>(it == all.value().end() ? 0 : it->second);
  };
  w.sample("weir_authz_denied_total", {{"reason", "deny"}}, at(WEIR_CTR_AUTHZ_DENIED));
  w.sample("weir_authz_denied_total", {{"reason", "no_proxy"}}, at(WEIR_CTR_AUTHZ_NO_PROXY));
}

void renderServices(TextWriter& w, const MapFds& fds, const state::Names& names) {
  w.family("weir_service_connects_total", "counter",
           "Meshed connects to a service port, by where the kernel sent them.");
  auto all = kmaps::readAllPercpu<weir_svc_key, weir_svc_stats>(
      fds.svcStats, WEIR_MAP_SVC_STATS, [](weir_svc_stats& sum, const weir_svc_stats& v) {
        sum.connects += v.connects;
        sum.to_endpoint += v.to_endpoint;
        sum.to_proxy += v.to_proxy;
        sum.no_backend += v.no_backend;
        sum.denied += v.denied;
      });
  if (!all) {
    return;
  }
  for (const auto& [key, stats] : all.value()) {
    Labels base;
    auto s = names.serviceMeta.find({key.vip4, key.port});
    if (s != names.serviceMeta.end()) {
      base = {{"dst_namespace", s->second.ns}, {"dst_service", s->second.name}};
    }
    base.emplace_back("dst_port", std::to_string(key.port));
    for (auto [result, value] :
         {std::pair{"endpoint", stats.to_endpoint}, std::pair{"proxy", stats.to_proxy},
          std::pair{"no_backend", stats.no_backend}, std::pair{"denied", stats.denied}}) {
      Labels labels = base;
      labels.emplace_back("result", result);
      w.sample("weir_service_connects_total", labels, static_cast<double>(value));
    }
  }
}

void renderConnections(TextWriter& w, const MapFds& fds, const state::Names& names) {
  std::map<TotalsKey, Totals> totals;
  auto closed = kmaps::readAllPercpu<weir_traffic_key, weir_traffic>(
      fds.traffic, WEIR_MAP_TRAFFIC, [](weir_traffic& sum, const weir_traffic& v) {
        sum.opens += v.opens;
        sum.closes += v.closes;
        sum.bytes_in += v.bytes_in;
        sum.bytes_out += v.bytes_out;
        sum.duration_ns += v.duration_ns;
      });
  if (closed) {
    for (const auto& [k, v] : closed.value()) {
      Totals& t = totals[{k.cgroup_id, k.svc_vip4, k.svc_port, k.direction}];
      t.opens += v.opens;
      t.closes += v.closes;
      t.bytesIn += v.bytes_in;
      t.bytesOut += v.bytes_out;
      t.durationNs += v.duration_ns;
    }
  }
  auto live = kmaps::readAll<weir_sock_key, weir_conn>(fds.conns, WEIR_MAP_CONNS);
  if (live) {
    for (const auto& [k, c] : live.value()) {
      Totals& t = totals[{c.cgroup_id, c.svc_vip4, c.svc_port, c.direction}];
      t.open += 1;
      t.bytesOut += c.bytes_out;
      // What this socket read is what its peer (the entry under the reversed key) wrote.
      weir_sock_key peerKey{.netns = k.netns, .local_ip4 = k.remote_ip4, .remote_ip4 = k.local_ip4,
                            .local_port = k.remote_port, .remote_port = k.local_port};
      auto peer = live.value().find(peerKey);
      if (peer != live.value().end()) {
        t.bytesIn += peer->second.bytes_out;
      }
    }
  }
  w.family("tcp_open_total", "counter", "Total count of opened connections.");
  w.family("tcp_close_total", "counter", "Total count of closed connections.");
  w.family("tcp_open_connections", "gauge", "Number of currently-open connections.");
  w.family("tcp_read_bytes_total", "counter", "Total count of bytes read from peers.");
  w.family("tcp_write_bytes_total", "counter", "Total count of bytes written to peers.");
  w.family("weir_tcp_connection_duration_ms_total", "counter",
           "Summed lifetime of closed fast-path connections, in milliseconds.");
  for (const auto& [key, t] : totals) {
    Labels labels = connectionLabels(key, names);
    w.sample("tcp_open_total", labels, static_cast<double>(t.opens));
    w.sample("tcp_open_connections", labels, static_cast<double>(t.open));
    w.sample("tcp_read_bytes_total", labels, static_cast<double>(t.bytesIn));
    w.sample("tcp_write_bytes_total", labels, static_cast<double>(t.bytesOut));
    w.sample("weir_tcp_connection_duration_ms_total", labels,
             static_cast<double>(t.durationNs / 1000000));
    labels.emplace_back("errno", "");
    w.sample("tcp_close_total", labels, static_cast<double>(t.closes));
  }
}

}  // namespace

std::string render(const MapFds& fds, const state::Names& names,
                   const AgentCounters& counters) {
  TextWriter w;
  renderCounters(w, fds);
  renderServices(w, fds, names);
  renderConnections(w, fds, names);
  w.family("weir_agent_config_reloads_total", "counter",
           "Configuration reloads, by result (rejected ones leave the last good state in force).");
  w.sample("weir_agent_config_reloads_total", {{"result", "ok"}},
           static_cast<double>(counters.reloadsOk.load()));
  w.sample("weir_agent_config_reloads_total", {{"result", "rejected"}},
           static_cast<double>(counters.reloadsRejected.load()));
  w.family("weir_agent_map_writes_total", "counter", "Kernel map entries written, by operation.");
  w.sample("weir_agent_map_writes_total", {{"op", "update"}},
           static_cast<double>(counters.mapUpdates.load()));
  w.sample("weir_agent_map_writes_total", {{"op", "delete"}},
           static_cast<double>(counters.mapDeletes.load()));
  return w.take();
}

}  // namespace weir::agent::metrics
