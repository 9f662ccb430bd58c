#pragma once

// Internal to weir_config: reading the fields of one YAML document, recording one Diagnostic per
// problem with the field's path and line. yaml-cpp throws on indexing a non-mapping and on the
// Mark() of a missing node; these helpers never do either.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/diagnostic.h"

namespace weir::config {

// The document being read: each Diagnostic it records carries its file and object.
class Document {
 public:
  // `firstLine`: the 0-based line in `file` where the text yaml-cpp parsed for `root` starts, or
  // kNoLines for an object that is not in a file (the Kubernetes source): its lines would mean
  // nothing to a user, so every SourceRef then has line 0 and `file` alone names the object.
  static constexpr int kNoLines = -1;
  Document(std::string file, YAML::Node root, int firstLine, std::vector<Diagnostic>& errors)
      : file_(std::move(file)), root_(std::move(root)), firstLine_(firstLine), errors_(errors) {}

  const YAML::Node& root() const { return root_; }
  const std::string& file() const { return file_; }
  SourceRef src() const { return at(root_); }
  // The node's line; the document's when the node is missing or synthetic.
  SourceRef at(const YAML::Node& node) const;

  const std::string& object() const { return object_; }
  void setObject(std::string object) { object_ = std::move(object); }
  // "policy.linkerd.io/v1beta3", once the loader has read it: some kinds differ by version.
  const std::string& apiVersion() const { return apiVersion_; }
  void setApiVersion(std::string apiVersion) { apiVersion_ = std::move(apiVersion); }

  void fail(const YAML::Node& at, std::string field, std::string reason);
  void fail(SourceRef at, std::string field, std::string reason);
  bool clean() const { return failures_ == 0; }  // nothing recorded through this Document
  int failures() const { return failures_; }     // how many were recorded so far

 private:
  std::string file_;
  YAML::Node root_;
  int firstLine_ = 0;
  std::string object_;
  std::string apiVersion_;
  std::vector<Diagnostic>& errors_;
  int failures_ = 0;
};

// "Kind/name"; "Kind" when the name is unknown, "" when the kind is.
std::string objectName(std::string_view kind, std::string_view name);

// Defined and not null: Kubernetes treats `key: ~` like a missing key.
bool present(const YAML::Node& node);
// map[key] when `map` is a mapping holding `key`, else an undefined node. Fields are only ever
// reached through child(): yaml-cpp throws on most uses of its own missing-key nodes.
YAML::Node child(const YAML::Node& map, const char* key);
// For "got ..." in reasons: "\"text\"", "a list", "a mapping" or "null".
std::string describe(const YAML::Node& node);
std::string quote(std::string_view text);
std::string indexed(const std::string& field, size_t i);  // field[i]

// Shape checks. `expect*` records an error for anything but the shape (null included);
// `read*` accept an absent value silently and return false for it.
bool expectMap(Document& doc, const YAML::Node& node, const std::string& field);
bool readMap(Document& doc, const YAML::Node& node, const std::string& field);
bool readList(Document& doc, const YAML::Node& node, const std::string& field);

// Scalar readers: true with `out` set when present and valid; false when absent (nothing
// recorded) or invalid (a Diagnostic recorded).
bool readString(Document& doc, const YAML::Node& node, const std::string& field, std::string& out);
bool readStringMap(Document& doc, const YAML::Node& node, const std::string& field,
                   std::map<std::string, std::string>& out);
bool readPort(Document& doc, const YAML::Node& node, const std::string& field, uint16_t& out);
bool readProtocol(Document& doc, const YAML::Node& node, const std::string& field,
                  std::initializer_list<std::string_view> allowed, std::string& out);

// Text checks.
// Empty when `text` is an integer in [lo, hi] (stored in `out`), else the reason.
std::optional<std::string> checkInt(std::string_view text, int64_t lo, int64_t hi, int64_t& out);
bool isDnsLabel(std::string_view text);         // RFC 1123 label, as Kubernetes names
bool isDnsSubdomain(std::string_view text);     // RFC 1123 subdomain, as most kinds' names
bool isIanaServiceName(std::string_view text);  // Kubernetes' named-port rule
std::string dnsLabelReason(std::string_view text);
std::string dnsSubdomainReason(std::string_view text);
std::string ianaServiceNameReason(std::string_view text);

// yaml-cpp keeps duplicate keys silently and reads the first; Kubernetes rejects them.
void checkDuplicateKeys(Document& doc);

// Aliases can make a small text a huge tree (each "*a" repeats all of "&a"), and the readers
// walk the tree, not the text. False, with the document refused, when it holds more than
// 100000 values once aliases are expanded; no real document comes near that.
bool checkSize(Document& doc);

struct Metadata {
  std::string ns = "default";
  std::string name;
  SourceRef nameAt;
  std::map<std::string, std::string> labels, annotations;
  YAML::Node annotationsNode;  // for the line of one annotation
};
// What metadata.name must be: Services and Namespaces take DNS labels, other kinds (custom
// resources, ServiceAccounts) DNS subdomains ("web.prod.svc.cluster.local").
enum class NameRule { kDnsLabel, kDnsSubdomain };
// metadata.name (required), metadata.namespace (DNS label), labels, annotations.
void readMetadata(Document& doc, Metadata& out, NameRule rule = NameRule::kDnsLabel);
std::string annotationField(std::string_view key);  // metadata.annotations["key"]

}  // namespace weir::config
