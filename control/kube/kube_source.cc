#include "control/kube/kube_source.h"

#include <algorithm>
#include <thread>

#include "common/base/log.h"

namespace weir::control::kube {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

spdlog::logger& sourceLog() {
  static const auto kLogger = weir::logger("kube");
  return *kLogger;
}

std::string metadataString(const json& object, const char* key) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) {
    return {};
  }
  auto it = meta->find(key);
  return it != meta->end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The cache key: "ns/name", or "name" for a cluster-scoped object.
std::string keyOf(const json& object) {
  std::string ns = metadataString(object, "namespace");
  std::string name = metadataString(object, "name");
  return ns.empty() ? name : ns + "/" + name;
}

// Parses one object as weir_config reads it. The server's bookkeeping of which client wrote which
// field (metadata.managedFields) is dropped first: weir never reads it and it is often the larger
// part of an object, so it would dominate parsing.
config::ObjectPtr parse(json object) {
  std::string kind = object.is_object() && object.contains("kind") && object["kind"].is_string()
                         ? object["kind"].get<std::string>()
                         : std::string("object");
  std::string source = "kubernetes:" + kind + "/" + keyOf(object);
  if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object()) {
    meta->erase("managedFields");
  }
  // The API server only sends valid UTF-8; replacing anything else keeps dump() from throwing.
  std::string text = object.dump(-1, ' ', false, json::error_handler_t::replace);
  return config::parseObject(source, text, config::ObjectOptions{.pods = true});
}

}  // namespace

std::vector<std::string> defaultCollections() {
  return {
      "/api/v1/namespaces",
      "/api/v1/serviceaccounts",
      "/api/v1/services",
      "/api/v1/pods",
      "/apis/workload.linkerd.io/v1beta1/externalworkloads",
      "/apis/linkerd.io/v1alpha2/serviceprofiles",
      "/apis/split.smi-spec.io/v1alpha2/trafficsplits",
      "/apis/policy.linkerd.io/v1beta3/servers",
      "/apis/policy.linkerd.io/v1beta1/serverauthorizations",
      "/apis/policy.linkerd.io/v1alpha1/authorizationpolicies",
      "/apis/policy.linkerd.io/v1alpha1/meshtlsauthentications",
      "/apis/policy.linkerd.io/v1alpha1/networkauthentications",
      "/apis/policy.linkerd.io/v1beta3/httproutes",
      "/apis/gateway.networking.k8s.io/v1/httproutes",
  };
}

KubeSource::KubeSource(const HttpsClient& client, KubeSourceOptions options, Publish publish)
    : client_(client), options_(std::move(options)), publish_(std::move(publish)) {
  for (const std::string& path : options_.collections) {
    auto c = std::make_unique<Collection>();
    c->path = path;
    c->stats.path = path;
    ReflectorOptions ro;
    ro.path = path;
    ro.pageSize = options_.pageSize;
    ro.watchTimeout = options_.watchTimeout;
    ro.backoff = options_.backoff;
    ReflectorHandlers handlers;
    Collection* self = c.get();
    handlers.onSnapshot = [this, self](std::vector<json> items, const std::string&) {
      onSnapshot(*self, std::move(items));
    };
    handlers.onEvent = [this, self](WatchEventType type, const json& object) {
      onEvent(*self, type, object);
    };
    handlers.onNotFound = [this, self] { onNotFound(*self); };
    c->reflector = std::make_unique<Reflector>(client_, std::move(ro), std::move(handlers));
    collections_.push_back(std::move(c));
  }
}

KubeSource::~KubeSource() { stop(); }

void KubeSource::run() {
  std::vector<std::thread> threads;
  for (auto& c : collections_) {
    threads.emplace_back([&reflector = *c->reflector] { reflector.run(); });
  }
  buildLoop();
  for (auto& c : collections_) {
    c->reflector->stop();
  }
  for (std::thread& t : threads) {
    t.join();
  }
}

void KubeSource::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& c : collections_) {
    c->reflector->stop();
  }
}

KubeSourceStats KubeSource::stats() const {
  std::lock_guard lock(mu_);
  KubeSourceStats out;
  out.synced = syncedLocked();
  out.builds = builds_;
  out.published = published_;
  out.rejected = rejected_;
  for (const auto& c : collections_) {
    out.collections.push_back(c->stats);
    out.collections.back().objects = c->objects.size();
  }
  return out;
}

void KubeSource::onSnapshot(Collection& c, std::vector<json> items) {
  std::map<std::string, config::ObjectPtr> objects;
  for (json& item : items) {
    std::string key = keyOf(item);
    objects[key] = parse(std::move(item));
  }
  std::lock_guard lock(mu_);
  if (!c.stats.served) {
    sourceLog().info("collection_served path={}", c.path);
  }
  c.objects.swap(objects);
  c.stats.served = true;
  c.stats.synced = true;
  ++c.stats.snapshots;
  changedLocked();
}

void KubeSource::onEvent(Collection& c, WatchEventType type, const json& object) {
  std::string key = keyOf(object);
  config::ObjectPtr parsed = type == WatchEventType::kDeleted ? nullptr : parse(object);
  std::lock_guard lock(mu_);
  switch (type) {
    case WatchEventType::kAdded:
      ++c.stats.added;
      break;
    case WatchEventType::kModified:
      ++c.stats.modified;
      break;
    case WatchEventType::kDeleted:
      ++c.stats.deleted;
      break;
    case WatchEventType::kBookmark:
    case WatchEventType::kError:
      return;  // the reflector keeps these to itself
  }
  if (parsed) {
    c.objects[key] = std::move(parsed);
  } else {
    c.objects.erase(key);
  }
  changedLocked();
}

void KubeSource::onNotFound(Collection& c) {
  std::lock_guard lock(mu_);
  if (c.stats.served) {
    sourceLog().info("collection_not_served path={} treated_as=empty (its CRD is not installed?)",
                     c.path);
  }
  bool changed = !c.stats.synced || !c.objects.empty();
  c.objects.clear();
  c.stats.served = false;
  c.stats.synced = true;
  if (changed) {
    changedLocked();
  }
}

void KubeSource::changedLocked() {
  Clock::time_point now = Clock::now();
  if (!dirty_) {
    firstChange_ = now;
  }
  dirty_ = true;
  lastChange_ = now;
  changed_.notify_all();
}

bool KubeSource::syncedLocked() const {
  return std::all_of(collections_.begin(), collections_.end(),
                     [](const auto& c) { return c->stats.synced; });
}

void KubeSource::buildLoop() {
  std::unique_lock lock(mu_);
  bool announced = false;
  while (!stopping_) {
    if (!dirty_ || !syncedLocked()) {
      changed_.wait(lock);
      continue;
    }
    if (!announced) {
      sourceLog().info("kube_synced collections={}", collections_.size());
      announced = true;
    }
    Clock::time_point due =
        std::min(lastChange_ + options_.quietPeriod, firstChange_ + options_.maxDelay);
    if (Clock::now() < due) {
      changed_.wait_until(lock, due);
      continue;
    }
    dirty_ = false;
    std::vector<config::ObjectPtr> objects;
    for (const auto& c : collections_) {
      for (const auto& [key, object] : c->objects) {
        objects.push_back(object);
      }
    }
    lock.unlock();
    build(objects);
    lock.lock();
  }
}

void KubeSource::build(const std::vector<config::ObjectPtr>& objects) {
  config::LoadResult result = config::buildModel(objects);
  bool ok = result.ok();
  bool changed = ok && (!lastPublished_ || *lastPublished_ != result.model);
  {
    std::lock_guard lock(mu_);
    ++builds_;
    rejected_ += ok ? 0 : 1;
    published_ += changed ? 1 : 0;
  }
  if (!ok) {
    // A bad object stays bad across many builds (every change anywhere rebuilds): its errors are
    // logged when they first appear, not again on each build.
    std::vector<std::string> errors;
    for (const config::Diagnostic& d : result.errors) {
      errors.push_back(d.str());
    }
    if (errors != lastErrors_) {
      for (const std::string& e : errors) {
        sourceLog().error("config_error error=\"{}\"", e);
      }
    }
    sourceLog().warn("model_rejected objects={} errors={} (the last good model stays in force)",
                     objects.size(), errors.size());
    lastErrors_ = std::move(errors);
    return;
  }
  lastErrors_.clear();
  if (!changed) {
    sourceLog().debug("model_unchanged objects={}", objects.size());
    return;
  }
  sourceLog().info("model_published objects={} services={} workloads={}", objects.size(),
                   result.model.services.size(), result.model.workloads.size());
  lastPublished_ = result.model;
  publish_(std::move(result.model));
}

}  // namespace weir::control::kube
