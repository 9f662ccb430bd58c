// spec.ports, as Service and ExternalWorkload both write it.

#include <map>
#include <utility>

#include "common/config/parse.h"

namespace weir::config {

std::vector<PortEntry> readPortList(Document& doc, const YAML::Node& spec, PortNames names,
                                    std::initializer_list<std::string_view> protocols) {
  std::vector<PortEntry> entries;
  YAML::Node ports = child(spec, "ports");
  if (!readList(doc, ports, "spec.ports")) {
    return entries;
  }
  std::map<std::pair<uint16_t, std::string>, std::string> seenPorts;  // -> field
  std::map<std::string, std::string> seenNames;
  for (size_t i = 0; i < ports.size(); ++i) {
    PortEntry entry{ports[i], indexed("spec.ports", i)};
    const std::string& field = entry.field;
    if (!expectMap(doc, entry.item, field)) {
      continue;
    }
    YAML::Node name = child(entry.item, "name");
    if (readString(doc, name, field + ".name", entry.name) && !entry.name.empty()) {
      bool valid =
          names == PortNames::kDnsLabel ? isDnsLabel(entry.name) : isIanaServiceName(entry.name);
      if (!valid) {
        doc.fail(name, field + ".name",
                 names == PortNames::kDnsLabel ? dnsLabelReason(entry.name)
                                               : ianaServiceNameReason(entry.name));
      } else if (auto [it, fresh] = seenNames.emplace(entry.name, field); !fresh) {
        doc.fail(name, field + ".name",
                 "duplicate name " + quote(entry.name) + " (" + it->second + ")");
      }
    }
    YAML::Node number = child(entry.item, "port");
    if (!readPort(doc, number, field + ".port", entry.port)) {
      if (!present(number)) {
        doc.fail(entry.item, field + ".port", "required");
      }
      continue;
    }
    readProtocol(doc, child(entry.item, "protocol"), field + ".protocol", protocols,
                 entry.protocol);
    // The same number over two protocols is fine (DNS serves 53 over TCP and UDP).
    if (auto [it, fresh] = seenPorts.emplace(std::pair(entry.port, entry.protocol), field);
        !fresh) {
      doc.fail(number, field + ".port",
               "duplicate port " + std::to_string(entry.port) + "/" + entry.protocol + " (" +
                   it->second + ")");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace weir::config
