#include "common/config/document.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace weir::config {

namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Bounds for the duplicate-key walk: aliases can make a small text a huge (or deep) tree.
struct KeyWalk {
  int nodesLeft = 100000;
  int depthLeft = 64;
  bool found = false;  // one duplicate is reported; the first makes the document invalid anyway

  bool done() const { return found || nodesLeft < 0; }
};

void walkKeys(Document& doc, const YAML::Node& node, const std::string& path, KeyWalk& walk) {
  if (--walk.nodesLeft < 0 || walk.depthLeft == 0) {
    return;
  }
  --walk.depthLeft;
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size() && !walk.done(); ++i) {
      walkKeys(doc, node[i], indexed(path, i), walk);
    }
  } else if (node.IsMap()) {
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end() && !walk.done(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
      std::string keyPath = path.empty() ? key : path + "." + key;
      if (it->first.IsScalar() && !seen.insert(key).second) {
        doc.fail(it->first, keyPath, "duplicate key");
        walk.found = true;
      } else {
        walkKeys(doc, it->second, keyPath, walk);
      }
    }
  }
  ++walk.depthLeft;
}

}  // namespace

SourceRef Document::at(const YAML::Node& node) const {
  if (firstLine_ == kNoLines) {
    return SourceRef{file_, 0};
  }
  if (node.IsDefined() && node.Mark().line >= 0) {
    return SourceRef{file_, firstLine_ + node.Mark().line + 1};
  }
  if (root_.IsDefined() && root_.Mark().line >= 0) {
    return SourceRef{file_, firstLine_ + root_.Mark().line + 1};
  }
  return SourceRef{file_, 0};
}

void Document::fail(const YAML::Node& at, std::string field, std::string reason) {
  fail(this->at(at), std::move(field), std::move(reason));
}

void Document::fail(SourceRef at, std::string field, std::string reason) {
  errors_.push_back(Diagnostic{std::move(at), object_, std::move(field), std::move(reason)});
  ++failures_;
}

std::string objectName(std::string_view kind, std::string_view name) {
  std::string out(kind);
  if (!kind.empty() && !name.empty()) {
    out += "/";
    out += name;
  }
  return out;
}

bool present(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

YAML::Node child(const YAML::Node& map, const char* key) {
  // A missing key gives a "zombie" node whose Type(), IsMap() and Mark() throw; an Undefined node
  // answers them.
  if (map.IsDefined() && map.IsMap()) {
    if (YAML::Node value = map[key]; value.IsDefined()) {
      return value;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) {
    return quote(node.Scalar());
  }
  if (node.IsSequence()) {
    return "a list";
  }
  if (node.IsMap()) {
    return "a mapping";
  }
  return "null";
}

std::string indexed(const std::string& field, size_t i) {
  return field + "[" + std::to_string(i) + "]";
}

bool expectMap(Document& doc, const YAML::Node& node, const std::string& field) {
  if (node.IsMap()) {
    return true;
  }
  doc.fail(node, field, "must be a mapping, got " + describe(node));
  return false;
}

bool readMap(Document& doc, const YAML::Node& node, const std::string& field) {
  return present(node) && expectMap(doc, node, field);
}

bool readList(Document& doc, const YAML::Node& node, const std::string& field) {
  if (!present(node)) {
    return false;
  }
  if (!node.IsSequence()) {
    doc.fail(node, field, "must be a list, got " + describe(node));
    return false;
  }
  return true;
}

bool readString(Document& doc, const YAML::Node& node, const std::string& field, std::string& out) {
  if (!present(node)) {
    return false;
  }
  if (!node.IsScalar()) {
    doc.fail(node, field, "must be a string, got " + describe(node));
    return false;
  }
  out = node.Scalar();
  return true;
}

bool readStringMap(Document& doc, const YAML::Node& node, const std::string& field,
                   std::map<std::string, std::string>& out) {
  if (!readMap(doc, node, field)) {
    return false;
  }
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) {
      doc.fail(it->first, field, "keys must be strings, got " + describe(it->first));
      ok = false;
      continue;
    }
    const std::string& key = it->first.Scalar();
    if (it->second.IsNull()) {
      out.emplace(key, "");
    } else if (it->second.IsScalar()) {
      out.emplace(key, it->second.Scalar());
    } else {
      doc.fail(it->second, field + "[" + quote(key) + "]",
               "must be a string, got " + describe(it->second));
      ok = false;
    }
  }
  return ok;
}

std::optional<std::string> checkInt(std::string_view text, int64_t lo, int64_t hi, int64_t& out) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  std::string range = "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
  if (ec == std::errc::result_out_of_range && end == text.data() + text.size()) {
    return range + ", got " + std::string(text);
  }
  if (ec != std::errc() || end != text.data() + text.size()) {
    return "must be an integer, got " + quote(text);
  }
  if (value < lo || value > hi) {
    return range + ", got " + std::to_string(value);
  }
  out = value;
  return std::nullopt;
}

bool readPort(Document& doc, const YAML::Node& node, const std::string& field, uint16_t& out) {
  if (!present(node)) {
    return false;
  }
  if (!node.IsScalar()) {
    doc.fail(node, field, "must be an integer, got " + describe(node));
    return false;
  }
  int64_t value = 0;
  if (auto reason = checkInt(node.Scalar(), 1, 65535, value)) {
    doc.fail(node, field, *reason);
    return false;
  }
  out = static_cast<uint16_t>(value);
  return true;
}

bool readProtocol(Document& doc, const YAML::Node& node, const std::string& field,
                  std::initializer_list<std::string_view> allowed, std::string& out) {
  std::string text;
  if (!readString(doc, node, field, text)) {
    return false;
  }
  for (std::string_view a : allowed) {
    if (text == a) {
      out = text;
      return true;
    }
  }
  std::string list;
  for (std::string_view a : allowed) {
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  doc.fail(node, field, "must be one of " + list + ", got " + quote(text));
  return false;
}

bool isDnsLabel(std::string_view text) {
  if (text.empty() || text.size() > 63 || !isLowerAlnum(text.front()) ||
      !isLowerAlnum(text.back())) {
    return false;
  }
  for (char c : text) {
    if (!isLowerAlnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

bool isDnsSubdomain(std::string_view text) {
  if (text.empty() || text.size() > 253) {
    return false;
  }
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = std::min(text.find('.', start), text.size());
    std::string_view label = text.substr(start, end - start);
    if (label.empty() || !isLowerAlnum(label.front()) || !isLowerAlnum(label.back())) {
      return false;
    }
    for (char c : label) {
      if (!isLowerAlnum(c) && c != '-') {
        return false;
      }
    }
    start = end + 1;
  }
  return true;
}

bool isIanaServiceName(std::string_view text) {
  if (text.empty() || text.size() > 15 || text.front() == '-' || text.back() == '-' ||
      text.find("--") != std::string_view::npos) {
    return false;
  }
  bool letter = false;
  for (char c : text) {
    if (!isLowerAlnum(c) && c != '-') {
      return false;
    }
    letter = letter || (c >= 'a' && c <= 'z');
  }
  return letter;
}

std::string dnsLabelReason(std::string_view text) {
  return "must be a DNS label (at most 63 lowercase letters, digits and '-'), got " + quote(text);
}

std::string dnsSubdomainReason(std::string_view text) {
  return "must be a DNS subdomain (at most 253 lowercase letters, digits, '-' and '.'), got " +
         quote(text);
}

std::string ianaServiceNameReason(std::string_view text) {
  return "must be an IANA service name (at most 15 lowercase letters, digits and '-'), got " +
         quote(text);
}

void checkDuplicateKeys(Document& doc) {
  KeyWalk walk;
  walkKeys(doc, doc.root(), "", walk);
}

bool checkSize(Document& doc) {
  constexpr int kMaxValues = 100000;
  int left = kMaxValues;
  // Iterative, and counted as nodes are queued, so neither the stack nor the queue outgrows it.
  std::vector<YAML::Node> pending{doc.root()};
  while (!pending.empty()) {
    YAML::Node node = std::move(pending.back());
    pending.pop_back();
    if (!node.IsSequence() && !node.IsMap()) {
      continue;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (--left < 0) {
        doc.fail(doc.root(), "",
                 "too large: more than " + std::to_string(kMaxValues) +
                     " values once YAML aliases are expanded");
        return false;
      }
      pending.push_back(node.IsMap() ? it->second : *it);
    }
  }
  return true;
}

void readMetadata(Document& doc, Metadata& out, NameRule rule) {
  YAML::Node meta = child(doc.root(), "metadata");
  if (present(meta) && !expectMap(doc, meta, "metadata")) {
    return;
  }
  YAML::Node name = child(meta, "name");
  if (readString(doc, name, "metadata.name", out.name)) {
    if (rule == NameRule::kDnsLabel && !isDnsLabel(out.name)) {
      doc.fail(name, "metadata.name", dnsLabelReason(out.name));
    } else if (rule == NameRule::kDnsSubdomain && !isDnsSubdomain(out.name)) {
      doc.fail(name, "metadata.name", dnsSubdomainReason(out.name));
    }
  } else if (!present(name)) {
    doc.fail(present(meta) ? meta : doc.root(), "metadata.name", "required");
  }
  out.nameAt = doc.at(name);
  YAML::Node ns = child(meta, "namespace");
  if (readString(doc, ns, "metadata.namespace", out.ns)) {
    if (out.ns.empty()) {
      out.ns = "default";
    } else if (!isDnsLabel(out.ns)) {
      doc.fail(ns, "metadata.namespace", dnsLabelReason(out.ns));
    }
  }
  readStringMap(doc, child(meta, "labels"), "metadata.labels", out.labels);
  out.annotationsNode = child(meta, "annotations");
  readStringMap(doc, out.annotationsNode, "metadata.annotations", out.annotations);
}

std::string annotationField(std::string_view key) {
  return "metadata.annotations[" + quote(key) + "]";
}

}  // namespace weir::config
