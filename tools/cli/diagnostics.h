#pragma once

// `weir diagnostics endpoints AUTHORITY...`: what the control plane's Destination service answers
// for each authority, as Linkerd's `linkerd diagnostics endpoints` prints it — the first message
// of a Get stream, the endpoints a node proxy would balance over.

#include "common/grpctls/control_tls.h"
#include <chrono>
#include <ostream>
#include <string>
#include <vector>

namespace weir::cli {

struct EndpointsQuery {
  std::vector<std::string> authorities;  // "web.demo.svc.cluster.local:80", "10.96.0.10:80"
  std::string destination = "127.0.0.1:8086";
  grpctls::ControlTls tls;  // plaintext unless the trust anchors are given
  std::string output = "table";  // table or json
  std::chrono::milliseconds timeout{5000};
};

// Returns 0 when every authority was answered (with endpoints or without), 1 when one is
// unknown or the control plane could not be asked.
int diagnosticsEndpoints(const EndpointsQuery& query, std::ostream& out, std::ostream& err);

}  // namespace weir::cli
