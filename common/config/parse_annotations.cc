// The Linkerd annotations weir acts on, on the kinds that carry them. metadata.annotations keeps
// every annotation as written; this only types and checks those Linkerd honours on the kind.

#include <optional>

#include "common/config/parse.h"
#include "common/config/values.h"

namespace weir::config {

namespace {

constexpr const char* kInject = "linkerd.io/inject";
constexpr const char* kLoadBalancer = "linkerd.io/load-balancer";
constexpr const char* kOpaquePorts = "config.linkerd.io/opaque-ports";
constexpr const char* kSkipInbound = "config.linkerd.io/skip-inbound-ports";
constexpr const char* kSkipOutbound = "config.linkerd.io/skip-outbound-ports";
constexpr const char* kTraceCollector = "config.linkerd.io/trace-collector";
constexpr const char* kMaxIdleConns = "config.linkerd.io/proxy-outbound-max-idle-conns-per-host";
constexpr const char* kMaxRequests =
    "config.linkerd.io/proxy-outbound-max-requests-per-connection";
constexpr uint32_t kMaxCount = 1000000;

const std::string* find(const Metadata& meta, const char* key) {
  auto it = meta.annotations.find(key);
  return it == meta.annotations.end() ? nullptr : &it->second;
}

void readChoice(Document& doc, const Metadata& meta, const char* key,
                std::initializer_list<std::string_view> allowed, std::string& out) {
  const std::string* value = find(meta, key);
  if (value == nullptr) {
    return;
  }
  for (std::string_view a : allowed) {
    if (*value == a) {
      out = *value;
      return;
    }
  }
  std::string list;
  for (std::string_view a : allowed) {
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  doc.fail(child(meta.annotationsNode, key), annotationField(key),
           "must be one of " + list + ", got " + quote(*value));
}

// Linkerd reads a Service's opaque ports as numbers and ranges only; a workload's and a
// namespace's entries may also name a container port.
void readPorts(Document& doc, const Metadata& meta, const char* key, bool allowNames,
               std::optional<PortList>& out) {
  const std::string* value = find(meta, key);
  if (value == nullptr) {
    return;
  }
  PortList list;
  if (auto reason = parsePortList(*value, allowNames, list)) {
    doc.fail(child(meta.annotationsNode, key), annotationField(key), *reason);
    return;
  }
  out = std::move(list);
}

// A count from 1 to kMaxCount, written as a decimal number.
void readCount(Document& doc, const Metadata& meta, const char* key, std::optional<uint32_t>& out) {
  const std::string* value = find(meta, key);
  if (value == nullptr) {
    return;
  }
  uint64_t n = 0;
  bool digits = !value->empty() && value->size() <= 7;
  for (char c : *value) {
    digits = digits && c >= '0' && c <= '9';
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!digits || n == 0 || n > kMaxCount) {
    doc.fail(child(meta.annotationsNode, key), annotationField(key),
             "must be a whole number from 1 to " + std::to_string(kMaxCount) + ", got " +
                 quote(*value));
    return;
  }
  out = static_cast<uint32_t>(n);
}

// What the node proxy needs of a workload it serves: ports it must not see, pool limits.
void readProxyAnnotations(Document& doc, const Metadata& meta, MeshAnnotations& out) {
  readPorts(doc, meta, kSkipInbound, false, out.skipInboundPorts);
  readPorts(doc, meta, kSkipOutbound, false, out.skipOutboundPorts);
  readCount(doc, meta, kMaxIdleConns, out.outboundMaxIdleConnsPerHost);
  readCount(doc, meta, kMaxRequests, out.outboundMaxRequestsPerConnection);
}

}  // namespace

void readMeshAnnotations(Document& doc, const Metadata& meta, AnnotationScope scope,
                         MeshAnnotations& out) {
  using enum AnnotationScope;
  readPorts(doc, meta, kOpaquePorts, scope != kService, out.opaquePorts);
  if (scope == kWorkload) {
    readProxyAnnotations(doc, meta, out);
    return;
  }
  // linkerd.io/load-balancer is not one of Linkerd's own annotations, but the seed documents it
  // on Services with these three values (and a Namespace sets its services' default).
  if (scope != kPod) {
    readChoice(doc, meta, kLoadBalancer, {"ewma", "p2c", "round-robin"}, out.loadBalancer);
  }
  if (scope == kService) {
    return;
  }
  readChoice(doc, meta, kInject, {"enabled", "disabled", "ingress"}, out.inject);
  readProxyAnnotations(doc, meta, out);
  if (const std::string* collector = find(meta, kTraceCollector)) {
    out.traceCollector = *collector;
  }
}

}  // namespace weir::config
