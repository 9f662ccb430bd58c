#pragma once

// Which policy governs a workload's port, as Linkerd's policy controller chooses it: the Server
// selecting the port, else the default policy the workload, its namespace or the cluster names.

#include <cstdint>
#include <string>

#include "common/config/model.h"
#include "common/policy/options.h"

namespace weir::policy {

const config::Namespace* findNamespace(const config::Model& model, const std::string& name);

// The Server of the workload's namespace that selects `port` of `w` (by number, or by the name of
// one of the workload's ports); the first by name when several do (Linkerd takes the oldest; the
// model keeps no creation time). Null when none does. A podSelector and an
// externalWorkloadSelector both select the model's workloads: they stand for pods and
// ExternalWorkloads alike.
const config::Server* serverFor(const config::Model& model, const config::ExternalWorkload& w,
                                uint16_t port);

// The default policy's name for a port no Server selects: config.linkerd.io/default-inbound-policy
// of the workload (`w` may be null), else of its namespace, else Options::defaultInboundPolicy;
// made authenticated when the port is in config.linkerd.io/proxy-require-identity-on-inbound-ports.
std::string defaultPolicyFor(const config::Model& model, const config::ExternalWorkload* w,
                             const std::string& ns, uint16_t port, const Options& options);

// Whether the workload or its namespace carries either annotation above: only then can a port
// of it without a Server have a policy other than the cluster's default.
bool annotatedDefaultPolicy(const config::Model& model, const config::ExternalWorkload& w);
// Whether these annotations (a workload's or a namespace's) carry either.
bool namesDefaultPolicy(const std::map<std::string, std::string>& annotations);

}  // namespace weir::policy
