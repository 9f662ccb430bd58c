#include "userspace-proxy/identity/grpc_authority.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "common/identity/pem.h"
#include "weir/v1/identity.grpc.pb.h"
#include "common/base/read_file.h"

namespace weir::proxy::identity {

namespace {

class GrpcAuthority final : public Authority {
 public:
  GrpcAuthority(std::string address, std::string tokenFile, grpctls::ControlTls tls)
      : address_(std::move(address)), tokenFile_(std::move(tokenFile)), tls_(std::move(tls)) {}

  Result<Certificate> certify(const std::string& id, const std::string& csrDer) override {
    auto token = readSmallFile(tokenFile_, "node token");
    if (!token) {
      return token.error();
    }
    std::string t = token.value();
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) {
      t.pop_back();
    }
    v1::CertifyRequest req;
    req.set_identity(id);
    req.set_token(t);
    req.set_certificate_signing_request(csrDer);
    v1::CertifyResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto channel = grpctls::controlChannel(address_, tls_);
    if (!channel) {
      return plainError("Certify " + id + ": " + channel.error().str());
    }
    grpc::Status st = v1::Identity::NewStub(channel.value())->Certify(&ctx, req, &resp);
    if (!st.ok()) {
      return plainError("Certify " + id + ": " + st.error_message() + " (code " +
                        std::to_string(static_cast<int>(st.error_code())) + ")");
    }
    Certificate c;
    c.leafDer = resp.leaf_certificate();
    for (const auto& der : resp.intermediate_certificates()) {
      c.chainDer.push_back(der);
    }
    c.notAfterUnix = resp.valid_until().seconds();
    return c;
  }

 private:
  std::string address_;
  std::string tokenFile_;
  grpctls::ControlTls tls_;
};

}  // namespace

std::unique_ptr<Authority> grpcAuthority(const std::string& address, std::string tokenFile,
                                         grpctls::ControlTls tls) {
  return std::make_unique<GrpcAuthority>(address, std::move(tokenFile), std::move(tls));
}

}  // namespace weir::proxy::identity
