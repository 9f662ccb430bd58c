#pragma once

// Values that several kinds of weir's configuration model share. Included by model.h; plain,
// comparable data like the rest of the model.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace weir::config {

// Where an object or field came from.
struct SourceRef {
  std::string file;
  int line = 0;  // 1-based; 0 = unknown

  bool operator==(const SourceRef&) const = default;
};

// Ports first..last, both included; a single port has first == last.
struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;

  bool operator==(const PortRange&) const = default;
};

// A Linkerd port list annotation ("25,443,4222-4230"), in the order written. `names` holds the
// named ports ("mysql") that Linkerd resolves against a workload's container ports; only the
// workload and namespace annotations may name ports.
struct PortList {
  std::vector<PortRange> ranges;
  std::vector<std::string> names;

  bool operator==(const PortList&) const = default;
};

// An IPv4 or IPv6 network. A bare address is a /32 or /128; host bits are cleared, so
// "10.1.2.3/8" and "10.0.0.0/8" are the same network (as Linkerd's ipnet treats them).
struct Cidr {
  bool ipv6 = false;
  std::array<uint8_t, 16> address{};  // network byte order; IPv4 uses the first 4 bytes
  uint8_t prefixLength = 0;

  bool operator==(const Cidr&) const = default;
};

// A client network of ServerAuthorization and NetworkAuthentication: `cidr` minus `except`.
struct Network {
  Cidr cidr;
  std::vector<Cidr> except;  // each inside `cidr`, none covering all of it

  bool operator==(const Network&) const = default;
};

// One matchExpressions entry of a Kubernetes label selector.
struct LabelRequirement {
  std::string key;
  std::string op;                   // In, NotIn, Exists or DoesNotExist
  std::vector<std::string> values;  // non-empty for In and NotIn, empty otherwise

  bool operator==(const LabelRequirement&) const = default;
};

// A Kubernetes label selector (matchLabels AND matchExpressions), as the policy kinds use it.
// Unlike a Service's selector, an empty one selects everything (see matches()).
struct LabelSelector {
  std::map<std::string, std::string> matchLabels;
  std::vector<LabelRequirement> matchExpressions;

  bool operator==(const LabelSelector&) const = default;
};

// A reference to another object, Gateway API style. `group` is "" for the core group (a
// document's "core" is read as ""); `kind` is spelled as weir knows it ("Server") when it is a
// kind weir knows, whatever the case in the document; `ns` is filled in with the referring
// object's namespace when the document leaves it out and the referent is namespaced.
struct ObjectRef {
  std::string group;
  std::string kind;
  std::string ns;
  std::string name;  // "" where Linkerd allows it: every object of the kind in `ns`

  bool operator==(const ObjectRef&) const = default;
};

}  // namespace weir::config
