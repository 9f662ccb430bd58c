#include "common/config/loader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <type_traits>
#include <variant>

#include "common/base/fd.h"
#include "common/base/log.h"
#include "common/base/result.h"
#include "common/config/document.h"
#include "common/config/kinds.h"
#include "common/config/parse.h"
#include "common/config/parsed_document.h"
#include "common/config/split.h"
#include "common/config/validate.h"

namespace weir::config {

namespace {

namespace fs = std::filesystem;

void skip(LoadResult& result, SourceRef src, std::string object) {
  std::string line = Diagnostic{std::move(src), std::move(object), "", "not used by weir"}.str();
  logger("config")->debug("config_skipped what=\"{}\"", line);
  result.skipped.push_back(std::move(line));
}

void fileError(LoadResult& result, const std::string& file, int line, std::string reason) {
  result.errors.push_back(Diagnostic{SourceRef{file, line}, "", "", std::move(reason)});
}

// Reads apiVersion and kind; on success the document's object is named "Kind/name".
const KnownKind* classify(Document& doc) {
  const YAML::Node& root = doc.root();
  YAML::Node kindNode = child(root, "kind");
  YAML::Node apiNode = child(root, "apiVersion");
  std::string kind;
  std::string apiVersion;
  YAML::Node name = child(child(root, "metadata"), "name");
  readString(doc, kindNode, "kind", kind);
  doc.setObject(objectName(kind, name.IsScalar() ? name.Scalar() : ""));
  readString(doc, apiNode, "apiVersion", apiVersion);
  doc.setApiVersion(apiVersion);
  if (!present(apiNode) || (apiNode.IsScalar() && apiVersion.empty())) {
    doc.fail(apiNode, "apiVersion", "required");
  }
  if (!present(kindNode) || (kindNode.IsScalar() && kind.empty())) {
    doc.fail(kindNode, "kind", "required");
  }
  if (!doc.clean()) {
    return nullptr;
  }
  const KnownKind* known = findKind(apiVersion, kind);
  if (known == nullptr) {
    doc.fail(kindNode, "kind",
             "unknown kind " + quote(kind) + " (apiVersion " + quote(apiVersion) + ")");
  } else if (!readsVersion(*known, apiVersion)) {
    doc.fail(
        apiNode, "apiVersion",
        "must be " + expectedApiVersions(*known) + " for " + kind + ", got " + quote(apiVersion));
    return nullptr;
  }
  return known;
}

template <typename T>
ParsedObject maybe(std::optional<T> parsed) {
  if (parsed) {
    return std::move(*parsed);
  }
  return {};
}

// One document's object, checked on its own; errors and skips go to `result`.
ParsedObject readDocument(const std::string& file, const YAML::Node& root, int firstLine, bool pods,
                          LoadResult& result) {
  Document doc(file, root, firstLine, result.errors);
  if (!root.IsMap()) {
    doc.fail(root, "", "document must be a mapping, got " + describe(root));
    return {};
  }
  if (!present(child(root, "kind")) && !present(child(root, "apiVersion")) &&
      present(child(root, "groups"))) {
    skip(result, doc.src(), "Prometheus rules");
    return {};
  }
  const KnownKind* known = classify(doc);
  if (known == nullptr) {
    return {};
  }
  if (known->handling == KindHandling::kSkip || (known->handling == KindHandling::kPod && !pods)) {
    skip(result, doc.src(), doc.object());
    return {};
  }
  if (!checkSize(doc)) {
    return {};
  }
  checkDuplicateKeys(doc);
  switch (known->handling) {
    case KindHandling::kService:
      return maybe(parseService(doc));
    case KindHandling::kExternalWorkload:
      return maybe(parseWorkload(doc));
    case KindHandling::kNamespace:
      return maybe(parseNamespace(doc));
    case KindHandling::kServiceAccount:
      return maybe(parseServiceAccount(doc));
    case KindHandling::kServiceProfile:
      return maybe(parseServiceProfile(doc));
    case KindHandling::kTrafficSplit:
      return maybe(parseTrafficSplit(doc));
    case KindHandling::kHttpRoute:
      return maybe(parseHttpRoute(doc));
    case KindHandling::kServer:
      return maybe(parseServer(doc));
    case KindHandling::kServerAuthorization:
      return maybe(parseServerAuthorization(doc));
    case KindHandling::kAuthorizationPolicy:
      return maybe(parseAuthorizationPolicy(doc));
    case KindHandling::kMeshTLSAuthentication:
      return maybe(parseMeshTLSAuthentication(doc));
    case KindHandling::kNetworkAuthentication:
      return maybe(parseNetworkAuthentication(doc));
    case KindHandling::kPod:
      return maybe(parsePod(doc));
    case KindHandling::kSkip:
      return {};
  }
  return {};
}

// The line in the file of line `offset` (0-based) of `piece`; 0 when the piece is not from a
// file (Document::kNoLines).
int fileLine(const TextDocument& piece, int offset) {
  return piece.firstLine == Document::kNoLines ? 0 : piece.firstLine + offset + 1;
}

}  // namespace

// Parses one document of `file` on its own: its object, its errors, or why it is skipped. Depends
// on nothing but the document's text and position, which is what lets DocumentCache reuse it.
ParsedDocument parseDocument(const std::string& file, const TextDocument& piece, bool pods) {
  ParsedDocument out;
  out.firstLine = piece.firstLine;
  LoadResult local;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(piece.text));
  } catch (const YAML::Exception& e) {
    fileError(local, file, fileLine(piece, std::max(e.mark.line, 0)), "malformed YAML: " + e.msg);
    out.errors = std::move(local.errors);
    return out;
  }
  if (root.IsNull()) {
    // An empty document, or text yaml-cpp gave up on without a word (",\"a").
    int content = firstContentLine(piece.text);
    if (content >= 0 && !isNullLiteral(piece.text)) {
      fileError(local, file, fileLine(piece, content), "malformed YAML: no document could be read");
    }
    out.errors = std::move(local.errors);
    return out;
  }
  // The readers never index a non-mapping nor mark a missing node, so yaml-cpp should not
  // throw here; if it does, the document is rejected rather than the process.
  try {
    out.object = readDocument(file, root, piece.firstLine, pods, local);
  } catch (const YAML::Exception& e) {
    fileError(local, file, fileLine(piece, 0), "cannot read document: " + e.msg);
  }
  out.errors = std::move(local.errors);
  out.skipped = std::move(local.skipped);
  return out;
}

namespace {

}  // namespace

void addDocument(const ParsedDocument& doc, ModelBuilder& builder, LoadResult& result) {
  result.errors.insert(result.errors.end(), doc.errors.begin(), doc.errors.end());
  result.skipped.insert(result.skipped.end(), doc.skipped.begin(), doc.skipped.end());
  std::visit(
      [&](const auto& object) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(object)>, std::monostate>) {
          builder.add(object, result.errors);
        }
      },
      doc.object);
}

namespace {

void loadText(std::string_view text, const std::string& file, ModelBuilder& builder,
              LoadResult& result) {
  for (const TextDocument& piece : splitDocuments(text)) {
    addDocument(parseDocument(file, piece), builder, result);
  }
}

Result<std::string> readFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return osError(errno, "cannot open");
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return osError(errno, "cannot read");
    }
    if (n == 0) {
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

// Editor swap files, backups and hidden files are never configuration.
bool isConfigFileName(const std::string& name) {
  if (name.empty() || name.front() == '.' || name.front() == '#' || name.back() == '~') {
    return false;
  }
  for (std::string_view ext : {".yaml", ".yml", ".json"}) {
    if (name.size() > ext.size() && name.ends_with(ext)) {
      return true;
    }
  }
  return false;
}

// The files `path` names: itself, or the configuration files directly in it, sorted.
std::vector<std::string> listFiles(const std::string& path, LoadResult& result) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec) {
    fileError(result, path, 0, "cannot open: " + ec.message());
    return {};
  }
  if (!fs::is_directory(status)) {
    return {path};
  }
  std::vector<std::string> files;
  fs::directory_iterator it(path, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code entryEc;
    if (isConfigFileName(it->path().filename().string()) &&
        !fs::is_directory(fs::status(it->path(), entryEc))) {
      files.push_back(it->path().string());
    }
  }
  if (ec) {
    fileError(result, path, 0, "cannot list: " + ec.message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

LoadResult parseText(std::string_view yaml, const std::string& file) {
  LoadResult result;
  ModelBuilder builder;
  try {
    loadText(yaml, file, builder, result);
  } catch (const std::exception& e) {  // bad_alloc and the like: never out of the library
    fileError(result, file, 0, std::string("cannot load: ") + e.what());
  }
  result.model = std::move(builder).finish();
  return result;
}

std::vector<SourceFile> readConfigFiles(const std::string& path, LoadResult& result) {
  std::vector<SourceFile> out;
  try {
    for (const std::string& file : listFiles(path, result)) {
      std::error_code ec;
      if (fs::file_status status = fs::status(file, ec); !ec && !fs::is_regular_file(status)) {
        fileError(result, file, 0, "not a regular file");
        continue;
      }
      Result<std::string> text = readFile(file);
      if (!text.ok()) {
        fileError(result, file, 0, text.error().str());
        continue;
      }
      out.push_back(SourceFile{file, std::move(*text)});
    }
  } catch (const std::exception& e) {
    fileError(result, path, 0, std::string("cannot load: ") + e.what());
  }
  return out;
}

void logLoaded(const std::string& path, size_t files, const Model& m, size_t skipped,
               size_t errors) {
  size_t mesh = m.namespaces.size() + m.serviceAccounts.size() + m.serviceProfiles.size() +
                m.trafficSplits.size() + m.httpRoutes.size() + m.servers.size() +
                m.serverAuthorizations.size() + m.authorizationPolicies.size() +
                m.meshTLSAuthentications.size() + m.networkAuthentications.size();
  logger("config")->info(
      "config_loaded path={} files={} services={} workloads={} other={} skipped={} errors={}", path,
      files, m.services.size(), m.workloads.size(), mesh, skipped, errors);
}

LoadResult loadPath(const std::string& path) {
  LoadResult result;
  ModelBuilder builder;
  std::vector<SourceFile> files = readConfigFiles(path, result);
  try {
    for (const SourceFile& file : files) {
      loadText(file.text, file.name, builder, result);
    }
  } catch (const std::exception& e) {
    fileError(result, path, 0, std::string("cannot load: ") + e.what());
  }
  result.model = std::move(builder).finish();
  logLoaded(path, files.size(), result.model, result.skipped.size(), result.errors.size());
  return result;
}

}  // namespace weir::config
