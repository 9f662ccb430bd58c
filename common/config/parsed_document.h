#pragma once

// Internal to weir_config: what one document of a file reads as, on its own — before the
// cross-object checks. Depends only on the file's name, the document's text and its first line,
// which is what lets DocumentCache reuse it across reloads.

#include <string>
#include <variant>
#include <vector>

#include "common/config/diagnostic.h"
#include "common/config/parse.h"
#include "common/config/loader.h"
#include "common/config/split.h"
#include "common/config/validate.h"

namespace weir::config {

using ParsedObject =
    std::variant<std::monostate, ParsedService, ParsedWorkload, Parsed<Namespace>,
                 Parsed<ServiceAccount>, Parsed<ServiceProfile>, Parsed<TrafficSplit>,
                 Parsed<HttpRoute>, Parsed<Server>, Parsed<ServerAuthorization>,
                 Parsed<AuthorizationPolicy>, Parsed<MeshTLSAuthentication>,
                 Parsed<NetworkAuthentication>>;

struct ParsedDocument {
  ParsedObject object;               // monostate: skipped, empty, or in error
  std::vector<Diagnostic> errors;    // this document's own errors
  std::vector<std::string> skipped;  // "file:line: Kind/name: not used by weir"
  int firstLine = 0;                 // of the document in its file (0-based), as split
};

// `pods`: read core v1 Pods (the Kubernetes source) instead of skipping them. A piece whose
// firstLine is Document::kNoLines is an object from an API, named by `file` alone.
ParsedDocument parseDocument(const std::string& file, const TextDocument& piece, bool pods = false);

// Appends the document's own errors and skips to `result` and offers a copy of its object to the
// builder (which appends any clash).
void addDocument(const ParsedDocument& doc, ModelBuilder& builder, LoadResult& result);

struct SourceFile {
  std::string name;
  std::string text;
};

// The configuration files `path` names (itself, or the *.yaml, *.yml and *.json directly in it,
// sorted), read whole; what cannot be read is an error in `result`.
std::vector<SourceFile> readConfigFiles(const std::string& path, LoadResult& result);

// The "config_loaded" log line.
void logLoaded(const std::string& path, size_t files, const Model& model, size_t skipped,
               size_t errors);

}  // namespace weir::config
