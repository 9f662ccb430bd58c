#include "control/kube/token_review.h"

#include <nlohmann/json.hpp>

namespace weir::control::kube {

namespace {

using nlohmann::json;

constexpr std::string_view kPodName = "authentication.kubernetes.io/pod-name";
constexpr std::string_view kPodUid = "authentication.kubernetes.io/pod-uid";
constexpr std::string_view kNodeName = "authentication.kubernetes.io/node-name";

// The first value of a TokenReview's user.extra entry ("" when absent).
std::string extraOf(const json& user, std::string_view key) {
  auto extra = user.find("extra");
  if (extra == user.end() || !extra->is_object()) {
    return "";
  }
  auto values = extra->find(std::string(key));
  if (values == extra->end() || !values->is_array() || values->empty() ||
      !(*values)[0].is_string()) {
    return "";
  }
  return (*values)[0].get<std::string>();
}

std::string stringAt(const json& doc, const json::json_pointer& at) {
  return doc.contains(at) && doc.at(at).is_string() ? doc.at(at).get<std::string>() : "";
}

// The node of pod NS/NAME, which must have `uid` (a token outlives its pod; a new pod of the
// same name is another pod).
Result<std::string> nodeOfPod(const HttpsClient& client, const std::string& ns,
                              const std::string& name, const std::string& uid) {
  auto resp = client.get("/api/v1/namespaces/" + ns + "/pods/" + name);
  if (!resp) {
    return resp.error();
  }
  if (resp->head.status != 200) {
    return plainError("pod " + ns + "/" + name + ": HTTP " + std::to_string(resp->head.status));
  }
  json pod = json::parse(resp->body, nullptr, /*allow_exceptions=*/false);
  if (pod.is_discarded()) {
    return plainError("pod " + ns + "/" + name + ": not JSON");
  }
  if (stringAt(pod, json::json_pointer("/metadata/uid")) != uid) {
    return plainError("pod " + ns + "/" + name + " is not the pod the token is bound to");
  }
  std::string node = stringAt(pod, json::json_pointer("/spec/nodeName"));
  if (node.empty()) {
    return plainError("pod " + ns + "/" + name + " is not scheduled on a node");
  }
  return node;
}

}  // namespace

Result<std::string> nodeOfToken(const HttpsClient& client, std::string_view token,
                                const TokenReviewOptions& options) {
  json review = {{"apiVersion", "authentication.k8s.io/v1"},
                 {"kind", "TokenReview"},
                 {"spec", {{"token", std::string(token)}, {"audiences", {options.audience}}}}};
  auto resp = client.postJson("/apis/authentication.k8s.io/v1/tokenreviews", review.dump());
  if (!resp) {
    return resp.error();
  }
  if (resp->head.status != 201 && resp->head.status != 200) {
    return plainError("TokenReview: HTTP " + std::to_string(resp->head.status));
  }
  json doc = json::parse(resp->body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("status") || !doc["status"].is_object()) {
    return plainError("TokenReview: no status in the answer");
  }
  const json& status = doc["status"];
  if (!status.value("authenticated", false)) {
    std::string why = status.value("error", std::string("not authenticated"));
    return plainError("the API server did not authenticate the token: " + why);
  }
  if (auto aud = status.find("audiences"); aud != status.end() && aud->is_array()) {
    bool ours = false;
    for (const auto& a : *aud) {
      ours = ours || (a.is_string() && a.get<std::string>() == options.audience);
    }
    if (!ours) {
      return plainError("the token is not for audience " + options.audience);
    }
  }
  const json user = status.value("user", json::object());
  std::string username = user.value("username", std::string());
  size_t slash = options.serviceAccount.find('/');
  std::string ns = options.serviceAccount.substr(0, slash);
  std::string want = "system:serviceaccount:" + ns + ":" + options.serviceAccount.substr(slash + 1);
  if (username != want) {
    return plainError("the token is " + username + "'s, not the node proxies' (" + want + ")");
  }
  std::string pod = extraOf(user, kPodName);
  std::string podUid = extraOf(user, kPodUid);
  if (pod.empty() || podUid.empty()) {
    return plainError("the token is not bound to a pod (a projected token is)");
  }
  if (std::string node = extraOf(user, kNodeName); !node.empty()) {
    return node;
  }
  return nodeOfPod(client, ns, pod, podUid);
}

}  // namespace weir::control::kube
