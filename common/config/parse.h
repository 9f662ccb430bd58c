#pragma once

// Internal to weir_config: one document -> one model object, checked on its own. The lines kept
// beside each object are for the cross-object checks in validate.h.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/document.h"
#include "common/config/model.h"

namespace weir::config {

struct ParsedService {
  Service service;
  SourceRef nameAt;
  SourceRef clusterIPAt;
};

struct ParsedWorkload {
  ExternalWorkload workload;
  SourceRef nameAt;
  std::vector<SourceRef> ipAt;  // parallel to workload.ips
};

struct PortEntry {
  YAML::Node item;
  std::string field;  // "spec.ports[0]"
  std::string name;
  uint16_t port = 0;
  std::string protocol = "TCP";
};
enum class PortNames { kDnsLabel, kIanaServiceName };
// The well-formed entries of spec.ports: port 1..65535, protocol one of `protocols`, names as
// `names` wants them, no name or port/protocol twice. Errors go to `doc`.
std::vector<PortEntry> readPortList(Document& doc, const YAML::Node& spec, PortNames names,
                                    std::initializer_list<std::string_view> protocols);

// Empty when the document had an error; every error is recorded in `doc`.
std::optional<ParsedService> parseService(Document& doc);
std::optional<ParsedWorkload> parseWorkload(Document& doc);

}  // namespace weir::config
