#pragma once

// Internal to weir_config: readers for the fields the mesh kinds share, on top of document.h.
// Like its readers: true with `out` set when present and valid; false when absent (nothing
// recorded) or invalid (a Diagnostic recorded at the offending node's line).

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/document.h"
#include "common/config/model_values.h"

namespace weir::config {

// true/false, as Kubernetes' YAML reader also takes yes/no/on/off.
bool readBool(Document& doc, const YAML::Node& node, const std::string& field, bool& out);
bool readInt(Document& doc, const YAML::Node& node, const std::string& field, int64_t lo,
             int64_t hi, int64_t& out);
bool readStringList(Document& doc, const YAML::Node& node, const std::string& field,
                    std::vector<std::string>& out);
// A string that must be one of `allowed`.
bool readEnum(Document& doc, const YAML::Node& node, const std::string& field,
              std::initializer_list<std::string_view> allowed, std::string& out);
// `parent[key]` as a non-empty string; "required" at `parent` when missing or empty.
bool requireString(Document& doc, const YAML::Node& parent, const char* key,
                   const std::string& field, std::string& out);

bool readDuration(Document& doc, const YAML::Node& node, const std::string& field,
                  std::chrono::milliseconds& out);
// An integer or a Kubernetes quantity, in milli-units.
bool readQuantity(Document& doc, const YAML::Node& node, const std::string& field,
                  uint64_t& outMilli);
// A string RE2 compiles.
bool readRegex(Document& doc, const YAML::Node& node, const std::string& field, std::string& out);
// Kubernetes' IntOrString port: a number 1..65535 into `port`, or an IANA service name into
// `name`.
bool readPortOrName(Document& doc, const YAML::Node& node, const std::string& field, uint16_t& port,
                    std::string& name);

bool readLabelSelector(Document& doc, const YAML::Node& node, const std::string& field,
                       LabelSelector& out);
// A list of {cidr, except}: every exception inside its cidr and not covering all of it.
bool readNetworks(Document& doc, const YAML::Node& node, const std::string& field,
                  std::vector<Network>& out);

struct RefRules {
  bool nameRequired = true;
  // Whether the document may give a namespace; if not given, `localNs` is filled in.
  bool namespaced = false;
  std::string_view localNs;
  // What a missing group and kind are (the CRD's defaults). A missing kind is an error when
  // there is no default; a missing group is the core group.
  std::string_view defaultGroup;
  std::string_view defaultKind;
};
// {group, kind, name, namespace}: group "core" read as ""; a kind weir knows spelled as weir
// spells it. Which kinds a field accepts is for the caller to check.
bool readObjectRef(Document& doc, const YAML::Node& node, const std::string& field,
                   const RefRules& rules, ObjectRef& out);

// `node` as compact flow YAML, mapping keys sorted and plain scalars left plain
// ({set: [{name: x-a, value: "1"}]}): a way to keep a part of a document generically. Fails
// (recording "too large") past 64 levels or 4096 nodes, which aliases can otherwise make of a
// small text.
bool renderFlow(Document& doc, const YAML::Node& node, const std::string& field, std::string& out);

}  // namespace weir::config
