#pragma once

// The client-side TLS settings for one API server: TLS 1.2 or newer, the server checked against
// the configured CA (or the system roots), and the client certificate when there is one.

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "common/base/result.h"
#include "control/kube/cluster_config.h"

namespace weir::control::kube {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// Builds the context from the PEM text in `config`. Errors name config.source and the part
// (CA bundle, client certificate, client key) that OpenSSL refused, with its reason.
Result<SslCtxPtr> makeClientContext(const ClusterConfig& config);

}  // namespace weir::control::kube
