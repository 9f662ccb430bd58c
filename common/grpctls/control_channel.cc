#include "common/grpctls/control_channel.h"

#include "common/base/read_file.h"

namespace weir::grpctls {

Result<std::shared_ptr<grpc::Channel>> controlChannel(const std::string& address,
                                                      const ControlTls& tls,
                                                      grpc::ChannelArguments args) {
  if (!tls.enabled()) {
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  }
  auto anchors = readSmallFile(tls.anchorsFile, "trust anchors");
  if (!anchors) {
    return anchors.error();
  }
  if (anchors.value().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return plainError("trust anchors " + tls.anchorsFile + ": no PEM certificate in it");
  }
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = std::move(anchors.value());
  // The certificate must name the control plane's identity, whatever address was dialled.
  args.SetSslTargetNameOverride(tls.serverName);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(options), args);
}

}  // namespace weir::grpctls
