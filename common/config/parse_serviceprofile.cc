// Linkerd's ServiceProfile (linkerd.io/v1alpha2), checked as Linkerd's profile validator
// (pkg/profiles Validate) and its destination service read it.

#include <charconv>
#include <cmath>
#include <utility>

#include "common/config/fields.h"
#include "common/config/parse.h"

namespace weir::config {

namespace {

// all/any/not nest; far deeper than any condition a person writes, shallow enough for the stack.
constexpr int kMaxDepth = 32;
constexpr int64_t kMaxInt32 = 2147483647;

bool tooDeep(Document& doc, const YAML::Node& node, const std::string& field, int depth) {
  if (depth <= kMaxDepth) {
    return false;
  }
  doc.fail(node, field, "nested more than " + std::to_string(kMaxDepth) + " levels deep");
  return true;
}

// The all/any/not parts both kinds of condition have. `anySet` tells whether one was present.
template <typename Match, typename ReadOne>
bool readNesting(Document& doc, const YAML::Node& node, const std::string& field, Match& out,
                 bool& anySet, ReadOne readOne) {
  bool ok = true;
  auto readSeq = [&](const char* key, std::vector<Match>& into) {
    YAML::Node list = child(node, key);
    std::string listField = field + "." + key;
    if (!readList(doc, list, listField)) {
      ok = ok && !present(list);
      return;
    }
    anySet = true;
    if (list.size() == 0 && std::string_view(key) == "any") {
      // Linkerd accepts it, and it never matches: surely not what was meant.
      doc.fail(list, listField, "must not be empty (a condition that can never match)");
      ok = false;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      Match item;
      if (readOne(list[i], indexed(listField, i), item)) {
        into.push_back(std::move(item));
      } else {
        ok = false;
      }
    }
  };
  readSeq("all", out.all);
  readSeq("any", out.any);
  // The CRD's schema has a request condition's `not` as a list; Linkerd's controller decodes
  // one condition, so that is what is accepted.
  if (YAML::Node negated = child(node, "not"); present(negated)) {
    anySet = true;
    Match item;
    if (readOne(negated, field + ".not", item)) {
      out.negated.push_back(std::move(item));
    } else {
      ok = false;
    }
  }
  return ok;
}

bool readRequestMatch(Document& doc, const YAML::Node& node, const std::string& field, int depth,
                      RequestMatch& out) {
  if (!expectMap(doc, node, field) || tooDeep(doc, node, field, depth)) {
    return false;
  }
  bool anySet = false;
  bool ok = readNesting(doc, node, field, out, anySet,
                        [&](const YAML::Node& n, const std::string& f, RequestMatch& m) {
                          return readRequestMatch(doc, n, f, depth + 1, m);
                        });
  YAML::Node method = child(node, "method");
  ok = (readString(doc, method, field + ".method", out.method) || !present(method)) && ok;
  YAML::Node path = child(node, "pathRegex");
  ok = (readRegex(doc, path, field + ".pathRegex", out.pathRegex) || !present(path)) && ok;
  anySet = anySet || !out.method.empty() || !out.pathRegex.empty();
  if (ok && !anySet) {
    doc.fail(node, field, "must set one of method, pathRegex, all, any or not");
    return false;
  }
  return ok;
}

// One bound of a status range: 100..599, or 0 which Linkerd reads as no bound.
bool readStatus(Document& doc, const YAML::Node& range, const char* key, const std::string& field,
                uint32_t& out) {
  YAML::Node node = child(range, key);
  int64_t value = 0;
  if (!readInt(doc, node, field, 0, kMaxInt32, value)) {
    return !present(node);
  }
  if (value != 0 && (value < 100 || value > 599)) {
    doc.fail(node, field, "must be between 100 and 599, got " + std::to_string(value));
    return false;
  }
  if (value != 0) {
    out = static_cast<uint32_t>(value);
  }
  return true;
}

bool readResponseMatch(Document& doc, const YAML::Node& node, const std::string& field, int depth,
                       ResponseMatch& out) {
  if (!expectMap(doc, node, field) || tooDeep(doc, node, field, depth)) {
    return false;
  }
  bool anySet = false;
  bool ok = readNesting(doc, node, field, out, anySet,
                        [&](const YAML::Node& n, const std::string& f, ResponseMatch& m) {
                          return readResponseMatch(doc, n, f, depth + 1, m);
                        });
  YAML::Node status = child(node, "status");
  if (readMap(doc, status, field + ".status")) {
    anySet = true;
    StatusRange range;
    bool bounds = readStatus(doc, status, "min", field + ".status.min", range.min);
    bounds = readStatus(doc, status, "max", field + ".status.max", range.max) && bounds;
    if (bounds && range.max < range.min) {
      doc.fail(child(status, "max"), field + ".status.max",
               "must not be less than min " + std::to_string(range.min) + ", got " +
                   std::to_string(range.max));
      bounds = false;
    }
    out.status = range;
    ok = ok && bounds;
  } else if (present(status)) {
    ok = false;
  }
  if (ok && !anySet) {
    doc.fail(node, field, "must set one of status, all, any or not");
    return false;
  }
  return ok;
}

// `parent[key]` as a condition: required, a mapping.
template <typename Match, typename Read>
bool readCondition(Document& doc, const YAML::Node& parent, const std::string& field, Match& out,
                   Read read) {
  YAML::Node node = child(parent, "condition");
  if (!present(node)) {
    doc.fail(parent, field, "required");
    return false;
  }
  return read(doc, node, field, 0, out);
}

// Errors are recorded in `doc`, which then rejects the whole profile.
void readRoute(Document& doc, const YAML::Node& item, const std::string& field,
               ServiceProfile& out) {
  ProfileRoute route;
  if (!expectMap(doc, item, field)) {
    return;
  }
  requireString(doc, item, "name", field + ".name", route.name);
  readCondition(doc, item, field + ".condition", route.condition, readRequestMatch);
  YAML::Node classes = child(item, "responseClasses");
  if (readList(doc, classes, field + ".responseClasses")) {
    for (size_t i = 0; i < classes.size(); ++i) {
      std::string classField = indexed(field + ".responseClasses", i);
      ResponseClass rc;
      if (expectMap(doc, classes[i], classField)) {
        readCondition(doc, classes[i], classField + ".condition", rc.condition, readResponseMatch);
        readBool(doc, child(classes[i], "isFailure"), classField + ".isFailure", rc.isFailure);
        route.responseClasses.push_back(std::move(rc));
      }
    }
  }
  readBool(doc, child(item, "isRetryable"), field + ".isRetryable", route.isRetryable);
  std::chrono::milliseconds timeout{0};
  if (readDuration(doc, child(item, "timeout"), field + ".timeout", timeout)) {
    route.timeout = timeout;
  }
  out.routes.push_back(std::move(route));
}

void readRetryBudget(Document& doc, const YAML::Node& spec, ServiceProfile& out) {
  YAML::Node node = child(spec, "retryBudget");
  if (!readMap(doc, node, "spec.retryBudget")) {
    return;
  }
  RetryBudget budget;
  YAML::Node ratio = child(node, "retryRatio");
  std::string text;
  if (readString(doc, ratio, "spec.retryBudget.retryRatio", text)) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), budget.retryRatio);
    if (ec != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(budget.retryRatio)) {
      doc.fail(ratio, "spec.retryBudget.retryRatio", "must be a number, got " + quote(text));
    } else if (budget.retryRatio < 0) {
      doc.fail(ratio, "spec.retryBudget.retryRatio", "must not be negative, got " + text);
    }
  } else if (!present(ratio)) {
    doc.fail(node, "spec.retryBudget.retryRatio", "required");
  }
  YAML::Node minRetries = child(node, "minRetriesPerSecond");
  int64_t perSecond = 0;
  if (readInt(doc, minRetries, "spec.retryBudget.minRetriesPerSecond", 0, kMaxInt32, perSecond)) {
    budget.minRetriesPerSecond = static_cast<uint32_t>(perSecond);
  } else if (!present(minRetries)) {
    doc.fail(node, "spec.retryBudget.minRetriesPerSecond", "required");
  }
  YAML::Node ttl = child(node, "ttl");
  if (!readDuration(doc, ttl, "spec.retryBudget.ttl", budget.ttl) && !present(ttl)) {
    doc.fail(node, "spec.retryBudget.ttl", "required");
  }
  out.retryBudget = budget;
}

void readDstOverrides(Document& doc, const YAML::Node& spec, ServiceProfile& out) {
  YAML::Node list = child(spec, "dstOverrides");
  if (!readList(doc, list, "spec.dstOverrides")) {
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string field = indexed("spec.dstOverrides", i);
    WeightedDst dst;
    if (!expectMap(doc, list[i], field)) {
      continue;
    }
    requireString(doc, list[i], "authority", field + ".authority", dst.authority);
    YAML::Node weight = child(list[i], "weight");
    if (!readQuantity(doc, weight, field + ".weight", dst.weightMilli) && !present(weight)) {
      doc.fail(list[i], field + ".weight", "required");
    }
    out.dstOverrides.push_back(std::move(dst));
  }
}

}  // namespace

std::optional<Parsed<ServiceProfile>> parseServiceProfile(Document& doc) {
  Parsed<ServiceProfile> out;
  ServiceProfile& profile = out.object;
  Metadata meta;
  readMetadata(doc, meta, NameRule::kDnsSubdomain);
  profile.ns = meta.ns;
  profile.name = meta.name;
  profile.src = doc.src();
  out.nameAt = meta.nameAt;

  YAML::Node spec = child(doc.root(), "spec");
  if (present(spec) && !expectMap(doc, spec, "spec")) {
    return std::nullopt;
  }
  YAML::Node routes = child(spec, "routes");
  if (readList(doc, routes, "spec.routes")) {
    for (size_t i = 0; i < routes.size(); ++i) {
      readRoute(doc, routes[i], indexed("spec.routes", i), profile);
    }
  }
  readRetryBudget(doc, spec, profile);
  readDstOverrides(doc, spec, profile);
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
