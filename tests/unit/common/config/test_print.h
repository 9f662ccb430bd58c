#pragma once

// gtest printers for the model, so a failed comparison shows fields, not bytes.

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/config/model.h"
#include "common/config/values.h"

namespace weir::config {

inline std::ostream& operator<<(std::ostream& os, const SourceRef& s) {
  return os << s.file << ":" << s.line;
}

template <typename K, typename V>
std::ostream& operator<<(std::ostream& os, const std::map<K, V>& m) {
  os << "{";
  for (const auto& [k, v] : m) {
    os << k << "=" << v << ",";
  }
  return os << "}";
}

template <typename T>
std::ostream& operator<<(std::ostream& os, const std::vector<T>& items) {
  os << "[";
  for (const T& item : items) {
    os << item << ",";
  }
  return os << "]";
}

template <typename T>
std::ostream& operator<<(std::ostream& os, const std::optional<T>& value) {
  return value ? os << *value : os << "none";
}

inline std::ostream& operator<<(std::ostream& os, std::chrono::milliseconds ms) {
  return os << ms.count() << "ms";
}
inline std::ostream& operator<<(std::ostream& os, const PortRange& r) {
  return os << r.first << "-" << r.last;
}
inline std::ostream& operator<<(std::ostream& os, const PortList& l) {
  return os << "{" << l.ranges << " names=" << l.names << "}";
}
inline std::ostream& operator<<(std::ostream& os, const Cidr& c) { return os << formatCidr(c); }
inline std::ostream& operator<<(std::ostream& os, const Network& n) {
  return os << n.cidr << " except " << n.except;
}
inline std::ostream& operator<<(std::ostream& os, const LabelRequirement& r) {
  return os << r.key << " " << r.op << " " << r.values;
}
inline std::ostream& operator<<(std::ostream& os, const LabelSelector& s) {
  return os << "{labels=" << s.matchLabels << " exprs=" << s.matchExpressions << "}";
}
inline std::ostream& operator<<(std::ostream& os, const ObjectRef& r) {
  return os << r.group << "/" << r.kind << ":" << r.ns << "/" << r.name;
}
inline std::ostream& operator<<(std::ostream& os, const MeshAnnotations& m) {
  return os << "{inject=" << m.inject << " lb=" << m.loadBalancer << " opaque=" << m.opaquePorts
            << " skipIn=" << m.skipInboundPorts << " skipOut=" << m.skipOutboundPorts
            << " trace=" << m.traceCollector
            << " maxIdle=" << m.outboundMaxIdleConnsPerHost.value_or(0)
            << " maxRequests=" << m.outboundMaxRequestsPerConnection.value_or(0) << "}";
}
inline std::ostream& operator<<(std::ostream& os, const RequestMatch& m) {
  return os << "{method=" << m.method << " path=" << m.pathRegex << " all=" << m.all
            << " any=" << m.any << " not=" << m.negated << "}";
}
inline std::ostream& operator<<(std::ostream& os, const StatusRange& r) {
  return os << r.min << ".." << r.max;
}
inline std::ostream& operator<<(std::ostream& os, const ResponseMatch& m) {
  return os << "{status=" << m.status << " all=" << m.all << " any=" << m.any
            << " not=" << m.negated << "}";
}
inline std::ostream& operator<<(std::ostream& os, const ResponseClass& c) {
  return os << "{" << c.condition << " failure=" << c.isFailure << "}";
}
inline std::ostream& operator<<(std::ostream& os, const ProfileRoute& r) {
  return os << "{" << r.name << " " << r.condition << " classes=" << r.responseClasses
            << " retryable=" << r.isRetryable << " timeout=" << r.timeout << "}";
}
inline std::ostream& operator<<(std::ostream& os, const RetryBudget& b) {
  return os << "{" << b.retryRatio << " " << b.minRetriesPerSecond << "/s ttl=" << b.ttl << "}";
}
inline std::ostream& operator<<(std::ostream& os, const WeightedDst& d) {
  return os << d.authority << "=" << d.weightMilli << "m";
}
inline std::ostream& operator<<(std::ostream& os, const TrafficSplitBackend& b) {
  return os << b.service << "=" << b.weightMilli << "m";
}
inline std::ostream& operator<<(std::ostream& os, const HttpPathMatch& p) {
  return os << p.type << ":" << p.value;
}
inline std::ostream& operator<<(std::ostream& os, const HttpValueMatch& m) {
  return os << m.type << ":" << m.name << "=" << m.value;
}
inline std::ostream& operator<<(std::ostream& os, const HttpRouteMatch& m) {
  return os << "{" << m.path << " headers=" << m.headers << " query=" << m.queryParams
            << " method=" << m.method << "}";
}
inline std::ostream& operator<<(std::ostream& os, const HttpFilter& f) {
  return os << f.type << f.config;
}
inline std::ostream& operator<<(std::ostream& os, const HttpBackendRef& b) {
  return os << "{" << b.ref << ":" << b.port << " w=" << b.weight << " filters=" << b.filters
            << "}";
}
inline std::ostream& operator<<(std::ostream& os, const HttpRouteRule& r) {
  return os << "{matches=" << r.matches << " filters=" << r.filters << " backends=" << r.backendRefs
            << " timeout=" << r.requestTimeout << "/" << r.backendRequestTimeout << "}";
}
inline std::ostream& operator<<(std::ostream& os, const HttpParentRef& p) {
  return os << p.ref << "#" << p.sectionName << ":" << p.port;
}
inline std::ostream& operator<<(std::ostream& os, const ServiceAccountRef& s) {
  return os << s.ns << "/" << s.name;
}

inline void PrintTo(const ServiceProfile& p, std::ostream* os) {
  *os << "ServiceProfile{" << p.ns << "/" << p.name << " routes=" << p.routes
      << " budget=" << p.retryBudget << " dst=" << p.dstOverrides << " src=" << p.src << "}";
}
inline void PrintTo(const TrafficSplit& t, std::ostream* os) {
  *os << "TrafficSplit{" << t.ns << "/" << t.name << " service=" << t.service
      << " backends=" << t.backends << " matches=" << t.matches << " src=" << t.src << "}";
}
inline void PrintTo(const HttpRoute& r, std::ostream* os) {
  *os << "HttpRoute{" << r.group << " " << r.ns << "/" << r.name << " parents=" << r.parentRefs
      << " hosts=" << r.hostnames << " rules=" << r.rules << " src=" << r.src << "}";
}
inline void PrintTo(const Server& s, std::ostream* os) {
  *os << "Server{" << s.ns << "/" << s.name << " ext=" << s.externalWorkloads << " " << s.selector
      << " port=" << s.port << s.portName << " " << s.proxyProtocol << " " << s.accessPolicy
      << " src=" << s.src << "}";
}
inline void PrintTo(const ServerAuthorization& a, std::ostream* os) {
  *os << "ServerAuthorization{" << a.ns << "/" << a.name << " server=" << a.server
      << a.serverSelector << " nets=" << a.networks << " unauth=" << a.unauthenticated
      << " unauthTLS=" << a.unauthenticatedTLS << " ids=" << a.identities
      << " sas=" << a.serviceAccounts << " src=" << a.src << "}";
}
inline void PrintTo(const AuthorizationPolicy& p, std::ostream* os) {
  *os << "AuthorizationPolicy{" << p.ns << "/" << p.name << " target=" << p.targetRef
      << " authn=" << p.requiredAuthenticationRefs << " src=" << p.src << "}";
}
inline void PrintTo(const MeshTLSAuthentication& a, std::ostream* os) {
  *os << "MeshTLSAuthentication{" << a.ns << "/" << a.name << " ids=" << a.identities
      << " refs=" << a.identityRefs << " src=" << a.src << "}";
}
inline void PrintTo(const NetworkAuthentication& a, std::ostream* os) {
  *os << "NetworkAuthentication{" << a.ns << "/" << a.name << " nets=" << a.networks
      << " src=" << a.src << "}";
}
inline void PrintTo(const Namespace& n, std::ostream* os) {
  *os << "Namespace{" << n.name << " mesh=" << n.mesh << " src=" << n.src << "}";
}
inline void PrintTo(const ServiceAccount& s, std::ostream* os) {
  *os << "ServiceAccount{" << s.ns << "/" << s.name << " src=" << s.src << "}";
}

}  // namespace weir::config
