#pragma once

// Internal to weir_config: the checks that need more than one object, and the sorted Model.
//
// Deliberately not checked, because Linkerd accepts them and the reference takes effect once
// its object appears (possibly from another source, such as the Kubernetes API): a
// ServerAuthorization naming a Server, an AuthorizationPolicy targeting or requiring an object,
// a TrafficSplit's services, a ServiceProfile's Service, an HTTPRoute's parents and backends.

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/config/diagnostic.h"
#include "common/config/parse.h"

namespace weir::config {

class ModelBuilder {
 public:
  // Adds an object that is valid on its own, unless it clashes with one added before it: each
  // clash is appended to `errors` and the object is left out. No two objects of a kind share
  // a namespace and name.
  void add(ParsedService parsed, std::vector<Diagnostic>& errors);
  void add(ParsedWorkload parsed, std::vector<Diagnostic>& errors);
  void add(Parsed<Namespace> parsed, std::vector<Diagnostic>& errors);
  void add(Parsed<ServiceAccount> parsed, std::vector<Diagnostic>& errors);
  void add(Parsed<ServiceProfile> parsed, std::vector<Diagnostic>& errors);
  // Also: no two TrafficSplits split the same service (Linkerd would apply one or the other).
  void add(Parsed<TrafficSplit> parsed, std::vector<Diagnostic>& errors);
  void add(Parsed<HttpRoute> parsed, std::vector<Diagnostic>& errors);
  void add(Parsed<Server> parsed, std::vector<Diagnostic>& errors);
  void add(Parsed<ServerAuthorization> parsed, std::vector<Diagnostic>& errors);
  void add(Parsed<AuthorizationPolicy> parsed, std::vector<Diagnostic>& errors);
  void add(Parsed<MeshTLSAuthentication> parsed, std::vector<Diagnostic>& errors);
  void add(Parsed<NetworkAuthentication> parsed, std::vector<Diagnostic>& errors);

  // The model, every vector sorted as model.h says.
  Model finish() &&;

 private:
  struct Owner {
    std::string object;  // "Service/web"
    SourceRef at;        // the field that claimed it
  };
  using NsName = std::pair<std::string, std::string>;
  using KindNsName = std::tuple<std::string, std::string, std::string>;  // kind with its group

  // Whether `name` in `ns` is free for `kind` (recording it if so); else appends the clash.
  bool claimName(const std::string& kind, const std::string& object, const std::string& ns,
                 const std::string& name, const SourceRef& nameAt, std::vector<Diagnostic>& errors);

  std::map<NsName, Owner> serviceNames_;
  std::map<NsName, Owner> workloadNames_;
  std::map<KindNsName, Owner> names_;  // every other kind
  std::map<NsName, Owner> splitServices_;
  std::map<std::pair<uint32_t, uint16_t>, Owner> servicePorts_;  // clusterIP:port
  std::map<uint32_t, Owner> clusterIPs_;
  std::map<uint32_t, Owner> workloadIPs_;
  Model model_;
};

}  // namespace weir::config
