#pragma once

// Internal to weir_config: the checks that need more than one object, and the sorted Model.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/config/diagnostic.h"
#include "common/config/parse.h"

namespace weir::config {

class ModelBuilder {
 public:
  // Adds an object that is valid on its own, unless it clashes with one added before it: each
  // clash is appended to `errors` and the object is left out.
  void add(ParsedService parsed, std::vector<Diagnostic>& errors);
  void add(ParsedWorkload parsed, std::vector<Diagnostic>& errors);

  // The model, every vector sorted by (ns, name).
  Model finish() &&;

 private:
  struct Owner {
    std::string object;  // "Service/web"
    SourceRef at;        // the field that claimed it
  };
  using NsName = std::pair<std::string, std::string>;

  std::map<NsName, Owner> serviceNames_;
  std::map<NsName, Owner> workloadNames_;
  std::map<std::pair<uint32_t, uint16_t>, Owner> servicePorts_;  // clusterIP:port
  std::map<uint32_t, Owner> clusterIPs_;
  std::map<uint32_t, Owner> workloadIPs_;
  Model model_;
};

}  // namespace weir::config
