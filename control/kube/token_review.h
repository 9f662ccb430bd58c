#pragma once

// Whose service-account token a caller presented, asked of the API server (a TokenReview): in
// Kubernetes a node proxy proves its node with the projected token of its DaemonSet pod, and
// the review says which pod — and, since Kubernetes 1.30, which node — the token is bound to.
// On older clusters the pod is looked up, and must be the very pod (same UID) the token names.
//
//   auto node = nodeOfToken(client, token, {.audience = "weir-control"});

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "control/kube/https_client.h"

namespace weir::control::kube {

struct TokenReviewOptions {
  std::string audience = "weir-control";          // the projected token's audience
  std::string serviceAccount = "linkerd/weir-proxy";  // "NAMESPACE/NAME" node proxies run as
};

// The node the token's pod runs on, when the API server authenticates the token for the
// audience, it belongs to the node proxies' service account and it is bound to a pod. Else an
// error that says why (with the API server's own words when it refused the token).
Result<std::string> nodeOfToken(const HttpsClient& client, std::string_view token,
                                const TokenReviewOptions& options);

}  // namespace weir::control::kube
