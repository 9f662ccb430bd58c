// ServiceProfile routes -> weir.v1 (profile.h). The order of the parts follows Linkerd's
// profile translator (all, any, method/status, not, pathRegex) so equal documents compare equal
// on the wire, whichever controller compiled them.

#include "control/destination/profile.h"
#include "control/destination/wire.h"

namespace weir::control::destination {

namespace {

// One message for the parts of a condition: the single part, or an `all` of them (`all: []`,
// which holds for everything, when there is none).
template <typename Match>
Match andOf(std::vector<Match> parts) {
  if (parts.size() == 1) {
    return std::move(parts.front());
  }
  Match out;
  auto* all = out.mutable_all();
  for (Match& part : parts) {
    *all->add_matches() = std::move(part);
  }
  return out;
}

template <typename Match, typename Config, typename Convert>
Match seq(const std::vector<Config>& items, bool any, Convert convert) {
  Match out;
  auto* list = any ? out.mutable_any() : out.mutable_all();
  for (const Config& item : items) {
    *list->add_matches() = convert(item);
  }
  return out;
}

// The `all` and `any` parts, which requests and responses write alike.
template <typename Match, typename Config>
void addLists(const Config& match, Match (*convert)(const Config&), std::vector<Match>& parts) {
  if (!match.all.empty()) {
    parts.push_back(seq<Match>(match.all, false, convert));
  }
  if (!match.any.empty()) {
    parts.push_back(seq<Match>(match.any, true, convert));
  }
}

}  // namespace

v1::RequestMatch requestMatch(const config::RequestMatch& match) {
  std::vector<v1::RequestMatch> parts;
  addLists(match, requestMatch, parts);
  if (!match.method.empty()) {
    *parts.emplace_back().mutable_method() = httpMethod(match.method);
  }
  if (!match.negated.empty()) {
    *parts.emplace_back().mutable_not_() = requestMatch(match.negated.front());
  }
  if (!match.pathRegex.empty()) {
    parts.emplace_back().set_path_regex(match.pathRegex);
  }
  return andOf(std::move(parts));
}

v1::ResponseMatch responseMatch(const config::ResponseMatch& match) {
  std::vector<v1::ResponseMatch> parts;
  addLists(match, responseMatch, parts);
  if (match.status) {
    v1::HttpStatusRange* status = parts.emplace_back().mutable_status();
    status->set_min(match.status->min);
    status->set_max(match.status->max);
  }
  if (!match.negated.empty()) {
    *parts.emplace_back().mutable_not_() = responseMatch(match.negated.front());
  }
  return andOf(std::move(parts));
}

v1::ProfileRoute profileRoute(const config::ProfileRoute& route) {
  v1::ProfileRoute out;
  *out.mutable_condition() = requestMatch(route.condition);
  for (const config::ResponseClass& rc : route.responseClasses) {
    v1::ResponseClass* cls = out.add_response_classes();
    *cls->mutable_condition() = responseMatch(rc.condition);
    cls->set_is_failure(rc.isFailure);
  }
  (*out.mutable_metric_labels())["route"] = route.name;
  out.set_is_retryable(route.isRetryable);
  if (route.timeout && route.timeout->count() > 0) {
    *out.mutable_timeout() = duration(*route.timeout);
  }
  return out;
}

}  // namespace weir::control::destination
