#pragma once

// Follows one configuration path (a file or a directory, as loadPath reads it) across reloads at a
// cost proportional to what changed. Each reload reads every file again — the cross-object rules
// need the whole set — but parses only documents whose text or position changed, checks the
// changed objects against the others by their claims (claims.h), and patches the model in place.
// When the change clashes, or on the first load, it builds the whole model with ModelBuilder, so
// results and error messages are exactly loadPath's.
//
// Contract as loadPath's: a reload either succeeds whole or is rejected; after a rejected reload
// model() is the last good model, unchanged. Not thread-safe.

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/config/claims.h"
#include "common/config/diagnostic.h"
#include "common/config/mesh_delta.h"
#include "common/config/model.h"

namespace weir::config {

struct ReloadResult {
  MeshDelta delta;
  std::vector<Diagnostic> errors;
  std::vector<std::string> skipped;
  bool changed = false;      // model() differs from before the reload
  bool incremental = false;  // patched in place rather than rebuilt
  size_t parsed = 0;         // documents parsed (the rest were reused)
  bool ok() const { return errors.empty(); }
};

class IncrementalLoader {
 public:
  explicit IncrementalLoader(std::string path);

  ReloadResult reload();
  // The last good model; empty before the first successful reload.
  const Model& model() const { return model_; }

 private:
  using DocPtr = std::shared_ptr<const ParsedDocument>;
  struct FileDocs {
    std::string text;
    std::vector<DocPtr> docs;  // in document order
  };

  std::vector<DocPtr> readDocuments(ReloadResult& result, size_t* files);
  bool patch(ReloadResult& result);
  void rememberGood();
  bool rebuild(const std::vector<DocPtr>& docs, ReloadResult& result);

  std::string path_;
  std::unordered_map<std::string, FileDocs> files_;  // the last read, good or bad
  // The documents model_ is made of, by file.
  std::unordered_map<std::string, std::vector<DocPtr>> goodFiles_;
  bool haveGood_ = false;
  ClaimIndex claims_;  // of goodFiles_
  Model model_;
};

}  // namespace weir::config
