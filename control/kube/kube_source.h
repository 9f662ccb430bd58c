#pragma once

// weir-control's Kubernetes source: one Reflector per collection weir reads, an object cache per
// collection, and a model built from the whole cache after each burst of changes. Objects are
// parsed by weir_config's per-kind parsers (the same ones the config directory goes through), once
// when they change; a build runs the cross-object checks over all of them. A build with errors is
// logged and counted and not published: the last good model stays in force, as with a bad file.
//
// Collections the server does not serve (404: a CRD not installed) count as empty, so a cluster
// without, say, SMI still gets a model; the reflector keeps asking and the collection joins once
// its CRD appears.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/config/model.h"
#include "common/config/objects.h"
#include "control/kube/https_client.h"
#include "control/kube/reflector.h"

namespace weir::control::kube {

// The API paths weir lists and watches, one per kind and group, in the version it asks for:
// core v1 services, pods, namespaces, serviceaccounts; workload.linkerd.io/v1beta1
// externalworkloads; linkerd.io/v1alpha2 serviceprofiles; split.smi-spec.io/v1alpha2
// trafficsplits (served, with v1alpha1, by linkerd-smi and by SMI's own CRDs); policy.linkerd.io
// v1beta3 servers and httproutes, v1beta1 serverauthorizations, v1alpha1 authorizationpolicies,
// meshtlsauthentications and networkauthentications; gateway.networking.k8s.io/v1 httproutes.
// A cluster whose CRDs do not serve one of these versions answers 404 for it, and that kind then
// counts as empty (logged once, "collection_not_served"): older Linkerd CRDs without v1beta3
// Servers mean no Servers, not an error.
std::vector<std::string> defaultCollections();

struct KubeSourceOptions {
  std::vector<std::string> collections = defaultCollections();
  // A build waits until no change arrived for quietPeriod (a re-list or a rollout is a burst of
  // events), but never longer than maxDelay after the first change it has not built.
  std::chrono::milliseconds quietPeriod{250};
  std::chrono::milliseconds maxDelay{2000};
  uint32_t pageSize = 500;
  std::chrono::seconds watchTimeout{300};
  BackoffPolicy backoff;
};

struct CollectionStats {
  std::string path;
  bool synced = false;  // delivered a first snapshot, or is not served
  bool served = true;   // false while the server answers 404
  size_t objects = 0;
  uint64_t snapshots = 0;
  uint64_t added = 0;
  uint64_t modified = 0;
  uint64_t deleted = 0;
};

struct KubeSourceStats {
  bool synced = false;     // every collection synced: builds have started
  uint64_t builds = 0;     // models built from the cache
  uint64_t published = 0;  // valid builds that differed from the last published model
  uint64_t rejected = 0;   // builds with errors; the last good model stayed in force
  std::vector<CollectionStats> collections;  // in KubeSourceOptions::collections order
};

class KubeSource {
 public:
  using Publish = std::function<void(config::Model model)>;

  // `client` must outlive the source. `publish` is called from run()'s thread with each valid
  // model that differs from the one before.
  KubeSource(const HttpsClient& client, KubeSourceOptions options, Publish publish);
  ~KubeSource();
  KubeSource(const KubeSource&) = delete;
  KubeSource& operator=(const KubeSource&) = delete;

  // Lists and watches every collection (a thread each) and builds models until stop(). Blocks.
  void run();
  // Makes run() return promptly; from any thread, also before run().
  void stop();

  KubeSourceStats stats() const;

 private:
  struct Collection {
    std::string path;
    std::unique_ptr<Reflector> reflector;
    // "ns/name" (or "name") -> the object as parsed when it last changed.
    std::map<std::string, config::ObjectPtr> objects;
    CollectionStats stats;
  };

  void onSnapshot(Collection& c, std::vector<nlohmann::json> items);
  void onEvent(Collection& c, WatchEventType type, const nlohmann::json& object);
  void onNotFound(Collection& c);
  void changedLocked();  // mu_ held
  bool syncedLocked() const;
  void buildLoop();
  void build(const std::vector<config::ObjectPtr>& objects);

  const HttpsClient& client_;
  KubeSourceOptions options_;
  Publish publish_;
  std::vector<std::unique_ptr<Collection>> collections_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool stopping_ = false;
  bool dirty_ = false;  // a change not yet built
  std::chrono::steady_clock::time_point firstChange_, lastChange_;
  uint64_t builds_ = 0, published_ = 0, rejected_ = 0;

  // Used by run()'s thread only.
  std::optional<config::Model> lastPublished_;
  std::vector<std::string> lastErrors_;  // of the last rejected build, to log each error once
};

}  // namespace weir::control::kube
