#pragma once

// A gRPC channel to weir-control as control_tls.h describes.
//
//   auto channel = grpctls::controlChannel("10.0.0.1:8086", {.anchorsFile = "/etc/weir/ca.crt"});

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/grpctls/control_tls.h"

namespace weir::grpctls {

// A channel to `address` ("HOST:PORT"); an error when the anchors file cannot be read or holds
// no certificate.
Result<std::shared_ptr<grpc::Channel>> controlChannel(const std::string& address,
                                                      const ControlTls& tls,
                                                      grpc::ChannelArguments args = {});

}  // namespace weir::grpctls
