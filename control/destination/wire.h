#pragma once

// Small builders of weir.v1 values from model values, shared by the Destination and Policy
// compilers.

#include <chrono>
#include <cstdint>
#include <string>

#include <google/protobuf/duration.pb.h>

#include "common/config/model.h"
#include "common/policy/origin.h"
#include "weir/v1/http.pb.h"
#include "weir/v1/meta.pb.h"
#include "weir/v1/net.pb.h"

namespace weir::control::destination {

// `networkOrder` as the model keeps addresses; the wire carries the numeric value.
v1::IpAddress ipv4(uint32_t networkOrder);
v1::TcpAddress tcpAddress(uint32_t networkOrder, uint16_t port);
google::protobuf::Duration duration(std::chrono::milliseconds value);

// The Service, or one port of it (port 0: the whole Service).
v1::ResourceRef serviceRef(const config::Service& svc, uint16_t port);
v1::WorkloadRef workloadRef(const config::ExternalWorkload& w);
using ::weir::policy::defaultOrigin;  // common/policy/origin.h, shared with the L4 authorizations
using ::weir::policy::resourceOrigin;

// A method token: one of HttpMethod's registered methods, or sent as written.
v1::HttpMethod httpMethod(const std::string& method);

// An annotation's value, "" when absent.
std::string annotation(const std::map<std::string, std::string>& annotations,
                       const std::string& key);

}  // namespace weir::control::destination
