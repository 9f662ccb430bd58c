#include "common/config/incremental_loader.h"

#include <algorithm>
#include <tuple>

#include "common/config/parsed_document.h"
#include "common/config/validate.h"

namespace weir::config {

namespace {

// The order ModelBuilder::finish() sorts each kind by; identities are unique per kind in a good
// model, so this also finds an object's place.
template <typename T>
bool before(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, Namespace>) {
    return a.name < b.name;
  } else if constexpr (std::is_same_v<T, HttpRoute>) {
    return std::tie(a.ns, a.name, a.group) < std::tie(b.ns, b.name, b.group);
  } else {
    return std::tie(a.ns, a.name) < std::tie(b.ns, b.name);
  }
}

std::vector<Service>& kindIn(Model& m, const Service*) { return m.services; }
std::vector<ExternalWorkload>& kindIn(Model& m, const ExternalWorkload*) { return m.workloads; }
std::vector<Namespace>& kindIn(Model& m, const Namespace*) { return m.namespaces; }
std::vector<ServiceAccount>& kindIn(Model& m, const ServiceAccount*) { return m.serviceAccounts; }
std::vector<ServiceProfile>& kindIn(Model& m, const ServiceProfile*) { return m.serviceProfiles; }
std::vector<TrafficSplit>& kindIn(Model& m, const TrafficSplit*) { return m.trafficSplits; }
std::vector<HttpRoute>& kindIn(Model& m, const HttpRoute*) { return m.httpRoutes; }
std::vector<Server>& kindIn(Model& m, const Server*) { return m.servers; }
std::vector<ServerAuthorization>& kindIn(Model& m, const ServerAuthorization*) {
  return m.serverAuthorizations;
}
std::vector<AuthorizationPolicy>& kindIn(Model& m, const AuthorizationPolicy*) {
  return m.authorizationPolicies;
}
std::vector<MeshTLSAuthentication>& kindIn(Model& m, const MeshTLSAuthentication*) {
  return m.meshTLSAuthentications;
}
std::vector<NetworkAuthentication>& kindIn(Model& m, const NetworkAuthentication*) {
  return m.networkAuthentications;
}

const Service& objectOf(const ParsedService& p) { return p.service; }
const ExternalWorkload& objectOf(const ParsedWorkload& p) { return p.workload; }
template <typename T>
const T& objectOf(const Parsed<T>& p) {
  return p.object;
}

// Calls f(vector of its kind in `model`, the object) for a document's object, if it has one.
template <typename F>
void withObject(Model& model, const ParsedDocument& doc, F&& f) {
  std::visit(
      [&](const auto& parsed) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(parsed)>, std::monostate>) {
          const auto& object = objectOf(parsed);
          f(kindIn(model, &object), object);
        }
      },
      doc.object);
}

void insertObject(Model& model, const ParsedDocument& doc) {
  withObject(model, doc, [](auto& objects, const auto& object) {
    auto at = std::lower_bound(objects.begin(), objects.end(), object,
                               [](const auto& a, const auto& b) { return before(a, b); });
    objects.insert(at, object);
  });
}

void eraseObject(Model& model, const ParsedDocument& doc) {
  withObject(model, doc, [](auto& objects, const auto& object) {
    auto at = std::lower_bound(objects.begin(), objects.end(), object,
                               [](const auto& a, const auto& b) { return before(a, b); });
    if (at != objects.end() && !before(object, *at)) {
      objects.erase(at);
    }
  });
}

// Whether two parsed objects are the same model object (their source lines may differ).
bool sameObject(const ParsedObject& a, const ParsedObject& b) {
  if (a.index() != b.index()) {
    return false;
  }
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return true;
        } else {
          return objectOf(x) == objectOf(std::get<T>(b));
        }
      },
      a);
}

// Whether the documents that arrived hold exactly the objects of those that left (an edit of a
// comment, or a file restored after a rejected edit). Pairs are few; a large change counts as a
// change without looking.
bool sameObjects(const std::vector<std::shared_ptr<const ParsedDocument>>& gone,
                 const std::vector<std::shared_ptr<const ParsedDocument>>& arrived) {
  constexpr size_t kMaxPairs = 4096;
  if (gone.size() != arrived.size() || gone.size() * arrived.size() > kMaxPairs) {
    return false;
  }
  std::vector<bool> used(gone.size(), false);
  for (const auto& a : arrived) {
    bool found = false;
    for (size_t i = 0; i < gone.size() && !found; ++i) {
      if (!used[i] && sameObject(a->object, gone[i]->object)) {
        used[i] = found = true;
      }
    }
    if (!found) {
      return false;
    }
  }
  return true;
}

}  // namespace

IncrementalLoader::IncrementalLoader(std::string path) : path_(std::move(path)) {}

std::vector<IncrementalLoader::DocPtr> IncrementalLoader::readDocuments(ReloadResult& result,
                                                                        size_t* fileCount) {
  LoadResult read;
  std::vector<SourceFile> files = readConfigFiles(path_, read);
  *fileCount = files.size();
  result.errors = std::move(read.errors);

  std::unordered_map<std::string, FileDocs> next;
  std::vector<DocPtr> docs;
  for (SourceFile& file : files) {
    FileDocs& out = next[file.name];
    auto last = files_.find(file.name);
    if (last != files_.end() && last->second.text == file.text) {
      out = std::move(last->second);  // the whole file is as it was
    } else {
      // Reuse the documents that kept their text and first line; parse the others.
      std::unordered_map<std::string_view, DocPtr> reusable;
      if (last != files_.end()) {
        std::vector<TextDocument> pieces = splitDocuments(last->second.text);
        for (size_t i = 0; i < pieces.size() && i < last->second.docs.size(); ++i) {
          if (pieces[i].firstLine == last->second.docs[i]->firstLine) {
            reusable.emplace(pieces[i].text, last->second.docs[i]);
          }
        }
      }
      out.text = std::move(file.text);
      for (const TextDocument& piece : splitDocuments(out.text)) {
        auto hit = reusable.find(piece.text);
        if (hit != reusable.end() && hit->second->firstLine == piece.firstLine) {
          out.docs.push_back(hit->second);
        } else {
          out.docs.push_back(std::make_shared<const ParsedDocument>(parseDocument(file.name, piece)));
          ++result.parsed;
        }
      }
    }
    docs.insert(docs.end(), out.docs.begin(), out.docs.end());
  }
  files_ = std::move(next);
  return docs;
}

void IncrementalLoader::rememberGood() {
  goodFiles_.clear();
  for (const auto& [name, file] : files_) {
    goodFiles_.emplace(name, file.docs);
  }
}

ReloadResult IncrementalLoader::reload() {
  ReloadResult result;
  size_t files = 0;
  std::vector<DocPtr> docs = readDocuments(result, &files);
  bool clean = result.errors.empty();
  for (const DocPtr& doc : docs) {
    clean = clean && doc->errors.empty();
    result.skipped.insert(result.skipped.end(), doc->skipped.begin(), doc->skipped.end());
  }
  if (clean && haveGood_ && patch(result)) {
    result.incremental = true;
    return result;
  }
  result.skipped.clear();  // rebuild reports them again, with its errors after the files' own
  result.changed = rebuild(docs, result);
  logLoaded(path_, files, model_, result.skipped.size(), result.errors.size());
  return result;
}

// Applies the documents that left and arrived since the last good state; false (and nothing
// changed) when an arriving object clashes.
bool IncrementalLoader::patch(ReloadResult& result) {
  // File by file: an unchanged file holds the very same documents, so comparing pointers in order
  // finds it; only edited, new and removed files are looked into.
  std::vector<DocPtr> gone;
  std::vector<DocPtr> arrived;
  auto difference = [](const std::vector<DocPtr>& from, const std::vector<DocPtr>& minus,
                       std::vector<DocPtr>& out) {
    std::unordered_set<const ParsedDocument*> drop;
    for (const DocPtr& d : minus) {
      drop.insert(d.get());
    }
    for (const DocPtr& d : from) {
      if (drop.count(d.get()) == 0) {
        out.push_back(d);
      }
    }
  };
  static const std::vector<DocPtr> kNone;
  for (const auto& [name, file] : files_) {
    auto good = goodFiles_.find(name);
    const std::vector<DocPtr>& before = good == goodFiles_.end() ? kNone : good->second;
    if (before != file.docs) {
      difference(before, file.docs, gone);
      difference(file.docs, before, arrived);
    }
  }
  for (const auto& [name, docs] : goodFiles_) {
    if (files_.count(name) == 0) {
      gone.insert(gone.end(), docs.begin(), docs.end());
    }
  }
  MeshDelta& delta = result.delta;
  for (const DocPtr& d : gone) {
    claims_.remove(claimsOf(d->object));
  }
  size_t added = 0;
  for (; added < arrived.size(); ++added) {
    if (!claims_.add(claimsOf(arrived[added]->object))) {
      break;
    }
  }
  if (added != arrived.size()) {
    for (size_t i = 0; i < added; ++i) {
      claims_.remove(claimsOf(arrived[i]->object));
    }
    for (const DocPtr& d : gone) {
      claims_.add(claimsOf(d->object));
    }
    return false;
  }
  for (const DocPtr& d : gone) {
    eraseObject(model_, *d);
  }
  for (const DocPtr& d : arrived) {
    insertObject(model_, *d);
  }
  delta.complete = true;
  if (!gone.empty() || !arrived.empty()) {
    rememberGood();
  }
  result.changed = !sameObjects(gone, arrived);
  for (const auto* list : {&gone, &arrived}) {
    for (const DocPtr& d : *list) {
      if (const auto* s = std::get_if<ParsedService>(&d->object)) {
        delta.services.push_back(s->service);
      } else if (const auto* w = std::get_if<ParsedWorkload>(&d->object)) {
        delta.workloads.push_back(w->workload);
      }
    }
  }
  return true;
}

// The whole model from scratch, with ModelBuilder's exact messages; on success it becomes the good
// state. Returns whether the model changed.
bool IncrementalLoader::rebuild(const std::vector<DocPtr>& docs, ReloadResult& result) {
  LoadResult built;
  ModelBuilder builder;
  for (const DocPtr& doc : docs) {
    addDocument(*doc, builder, built);
  }
  built.model = std::move(builder).finish();
  result.errors.insert(result.errors.end(), built.errors.begin(), built.errors.end());
  result.skipped = std::move(built.skipped);
  if (!result.ok()) {
    return false;
  }
  claims_.clear();
  for (const DocPtr& doc : docs) {
    claims_.add(claimsOf(doc->object));
  }
  rememberGood();
  bool changed = !haveGood_ || !(built.model == model_);
  haveGood_ = true;
  model_ = std::move(built.model);
  return changed;
}

}  // namespace weir::config
