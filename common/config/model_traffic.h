#pragma once

// The routing kinds of weir's configuration model: Linkerd's ServiceProfile, SMI's TrafficSplit
// and HTTPRoute (policy.linkerd.io and gateway.networking.k8s.io). Included by model.h.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/config/model_values.h"

namespace weir::config {

// A ServiceProfile route's request condition. The fields that are set must all match (Linkerd
// ANDs them); a condition with none set (`all: []`) matches every request.
struct RequestMatch {
  std::string method;     // "" = any method
  std::string pathRegex;  // RE2 syntax, matched against the whole path; "" = any path
  std::vector<RequestMatch> all;
  std::vector<RequestMatch> any;      // never empty when the document set it
  std::vector<RequestMatch> negated;  // `not`: at most one entry

  bool operator==(const RequestMatch&) const = default;
};

// HTTP status codes min..max, both included; the document's missing bound is 100 or 599.
struct StatusRange {
  uint32_t min = 100;
  uint32_t max = 599;

  bool operator==(const StatusRange&) const = default;
};

// A response class's condition: the fields that are set must all match.
struct ResponseMatch {
  std::optional<StatusRange> status;
  std::vector<ResponseMatch> all;
  std::vector<ResponseMatch> any;      // never empty when the document set it
  std::vector<ResponseMatch> negated;  // `not`: at most one entry

  bool operator==(const ResponseMatch&) const = default;
};

struct ResponseClass {
  ResponseMatch condition;
  bool isFailure = false;

  bool operator==(const ResponseClass&) const = default;
};

struct ProfileRoute {
  std::string name;
  RequestMatch condition;
  std::vector<ResponseClass> responseClasses;
  bool isRetryable = false;
  // Absent: no timeout. Go durations below a millisecond are rounded up to one, so a short
  // timeout never turns into none.
  std::optional<std::chrono::milliseconds> timeout;

  bool operator==(const ProfileRoute&) const = default;
};

struct RetryBudget {
  double retryRatio = 0.2;  // >= 0
  uint32_t minRetriesPerSecond = 10;
  std::chrono::milliseconds ttl{10000};

  bool operator==(const RetryBudget&) const = default;
};

// spec.dstOverrides[]: traffic for the profile's authority goes to these, by weight.
struct WeightedDst {
  std::string authority;
  uint64_t weightMilli = 0;  // the Kubernetes quantity in milli-units: 1 -> 1000, "500m" -> 500

  bool operator==(const WeightedDst&) const = default;
};

// Linkerd's ServiceProfile (linkerd.io/v1alpha2). Linkerd applies a profile named after the
// service's FQDN ("web.prod.svc.cluster.local"); the name is kept as written.
struct ServiceProfile {
  std::string ns = "default";
  std::string name;
  std::vector<ProfileRoute> routes;
  std::optional<RetryBudget> retryBudget;  // absent: Linkerd's default budget (0.2, 10/s, 10s)
  std::vector<WeightedDst> dstOverrides;
  SourceRef src;  // the document

  bool operator==(const ServiceProfile&) const = default;
};

struct TrafficSplitBackend {
  std::string service;
  uint64_t weightMilli = 0;  // integer or quantity weight in milli-units: 900 -> 900000

  bool operator==(const TrafficSplitBackend&) const = default;
};

// SMI's TrafficSplit (split.smi-spec.io v1alpha1..v1alpha4): traffic for `service` is divided
// between the backends by weight; their total is never zero.
struct TrafficSplit {
  std::string ns = "default";
  std::string name;
  std::string service;  // the root (apex) service, in `ns`
  std::vector<TrafficSplitBackend> backends;
  std::vector<ObjectRef> matches;  // v1alpha3+: HTTPRouteGroup/TCPRoute refs; empty = all traffic
  SourceRef src;

  bool operator==(const TrafficSplit&) const = default;
};

struct HttpPathMatch {
  std::string type = "PathPrefix";  // Exact, PathPrefix or RegularExpression (RE2)
  std::string value = "/";

  bool operator==(const HttpPathMatch&) const = default;
};

// A header or query parameter match.
struct HttpValueMatch {
  std::string type = "Exact";  // Exact or RegularExpression (RE2)
  std::string name;
  std::string value;

  bool operator==(const HttpValueMatch&) const = default;
};

// One entry of rules[].matches: every part must match. The defaults are the API server's.
struct HttpRouteMatch {
  HttpPathMatch path;
  std::vector<HttpValueMatch> headers;
  std::vector<HttpValueMatch> queryParams;
  std::string method;  // "" = any; else GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, ...

  bool operator==(const HttpRouteMatch&) const = default;
};

// A filter, kept generically: its type and its settings (the object under the type's key, such
// as requestHeaderModifier) rendered as compact flow YAML with keys sorted, "" when absent.
struct HttpFilter {
  std::string type;  // RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, ...
  std::string config;

  bool operator==(const HttpFilter&) const = default;
};

struct HttpBackendRef {
  ObjectRef ref;        // group "" and kind "Service" unless the document says otherwise
  uint16_t port = 0;    // 0 = not given
  uint32_t weight = 1;  // 0..1000000
  std::vector<HttpFilter> filters;

  bool operator==(const HttpBackendRef&) const = default;
};

struct HttpRouteRule {
  std::vector<HttpRouteMatch> matches;  // never empty: the default is PathPrefix "/"
  std::vector<HttpFilter> filters;
  std::vector<HttpBackendRef> backendRefs;
  std::optional<std::chrono::milliseconds> requestTimeout;         // timeouts.request
  std::optional<std::chrono::milliseconds> backendRequestTimeout;  // timeouts.backendRequest

  bool operator==(const HttpRouteRule&) const = default;
};

struct HttpParentRef {
  ObjectRef ref;  // group and kind default as the route's CRD has them
  std::string sectionName;
  uint16_t port = 0;  // 0 = not given

  bool operator==(const HttpParentRef&) const = default;
};

// HTTPRoute, Linkerd's (policy.linkerd.io v1beta1..v1beta3) or the Gateway API's
// (gateway.networking.k8s.io v1beta1, v1): the same name may exist once in each group.
struct HttpRoute {
  std::string group;  // "policy.linkerd.io" or "gateway.networking.k8s.io"
  std::string ns = "default";
  std::string name;
  std::vector<HttpParentRef> parentRefs;
  std::vector<std::string> hostnames;
  std::vector<HttpRouteRule> rules;  // never empty: the default matches every request
  SourceRef src;

  bool operator==(const HttpRoute&) const = default;
};

}  // namespace weir::config
