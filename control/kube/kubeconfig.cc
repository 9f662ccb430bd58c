// The kubeconfig source of ClusterConfig (the file kubectl reads), for running weir-control
// outside the cluster. Only the fields a bearer-token or client-certificate user needs.

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <optional>

#include "common/base/log.h"
#include "control/kube/cluster_config.h"
#include "common/base/read_file.h"

namespace weir::control::kube {

namespace {

class KubeconfigReader {
 public:
  KubeconfigReader(std::string path, YAML::Node root) : path_(std::move(path)), root_(root) {}

  Error error(const std::string& field, const std::string& why) const {
    return plainError("kubeconfig " + path_ + ": " + field + ": " + why);
  }

  // The `inner` map of the entry named `name` in the list `listKey` (clusters, users, contexts).
  Result<YAML::Node> entry(const std::string& listKey, const std::string& innerKey,
                           const std::string& name) const {
    YAML::Node list = root_[listKey];
    std::string field = listKey + "[name=" + name + "]";
    if (list && !list.IsSequence()) {
      return error(listKey, "not a list");
    }
    for (const YAML::Node& item : list) {
      if (!item.IsMap() || scalar(item["name"]).value_or("") != name) {
        continue;
      }
      YAML::Node inner = item[innerKey];
      if (!inner || !inner.IsMap()) {
        return error(field + "." + innerKey, "missing or not a map");
      }
      return inner;
    }
    return error(field, "not found");
  }

  static std::optional<std::string> scalar(const YAML::Node& n) {
    if (!n || !n.IsScalar()) {
      return std::nullopt;
    }
    return n.Scalar();
  }

  // A PEM from either "<key>-data" (base64) or "<key>" (a file path). Empty when neither is set.
  Result<std::string> pem(const YAML::Node& map, const std::string& field,
                          const std::string& key) const {
    if (auto data = scalar(map[key + "-data"])) {
      auto decoded = base64Decode(*data);
      if (!decoded) {
        return error(field + "." + key + "-data", "not valid base64");
      }
      return *decoded;
    }
    if (auto file = scalar(map[key])) {
      auto read = readSmallFile(resolve(*file), field + "." + key);
      if (!read) {
        return Error{read.error().code, "kubeconfig " + path_ + ": " + read.error().context};
      }
      return *read;
    }
    return std::string();
  }

  // Paths in a kubeconfig are relative to the file's own directory.
  std::string resolve(const std::string& p) const {
    if (p.empty() || p.front() == '/') {
      return p;
    }
    size_t slash = path_.rfind('/');
    return slash == std::string::npos ? p : path_.substr(0, slash + 1) + p;
  }

  static std::optional<std::string> base64Decode(std::string in) {
    std::erase_if(in, [](char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; });
    if (in.empty() || in.size() % 4 != 0) {
      return std::nullopt;
    }
    std::string out(in.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()),
                            static_cast<int>(in.size()));
    if (n < 0) {
      return std::nullopt;
    }
    // EVP_DecodeBlock counts the padding as zero bytes.
    size_t pad = in.ends_with("==") ? 2 : in.ends_with("=") ? 1 : 0;
    out.resize(static_cast<size_t>(n) - pad);
    return out;
  }

  const std::string& path() const { return path_; }
  const YAML::Node& root() const { return root_; }

 private:
  std::string path_;
  YAML::Node root_;
};

Status readCluster(const KubeconfigReader& r, const std::string& name, ClusterConfig& c) {
  auto cluster = r.entry("clusters", "cluster", name);
  if (!cluster) {
    return cluster.error();
  }
  std::string field = "clusters[name=" + name + "].cluster";
  auto server = KubeconfigReader::scalar((*cluster)["server"]);
  if (!server || server->empty()) {
    return r.error(field + ".server", "missing");
  }
  if (auto st = parseServerUrl(*server, "kubeconfig " + r.path() + ": " + field + ".server", c);
      !st) {
    return st;
  }
  auto ca = r.pem(*cluster, field, "certificate-authority");
  if (!ca) {
    return ca.error();
  }
  c.caPem = std::move(*ca);
  c.tlsServerName = KubeconfigReader::scalar((*cluster)["tls-server-name"]).value_or("");
  if (YAML::Node insecure = (*cluster)["insecure-skip-tls-verify"]) {
    try {
      c.insecureSkipTlsVerify = insecure.as<bool>();
    } catch (const YAML::Exception&) {
      return r.error(field + ".insecure-skip-tls-verify", "not a boolean");
    }
  }
  if (c.insecureSkipTlsVerify) {
    weir::logger("kube")->warn(
        "kubeconfig_insecure_skip_tls_verify file={} cluster={} server={} "
        "note=\"the API server's certificate will not be checked\"",
        r.path(), name, *server);
  }
  return {};
}

Status readUser(const KubeconfigReader& r, const std::string& name, ClusterConfig& c) {
  auto user = r.entry("users", "user", name);
  if (!user) {
    return user.error();
  }
  std::string field = "users[name=" + name + "].user";
  c.token = KubeconfigReader::scalar((*user)["token"]).value_or("");
  if (auto file = KubeconfigReader::scalar((*user)["tokenFile"])) {
    c.tokenFile = r.resolve(*file);
  }
  auto cert = r.pem(*user, field, "client-certificate");
  if (!cert) {
    return cert.error();
  }
  auto key = r.pem(*user, field, "client-key");
  if (!key) {
    return key.error();
  }
  c.clientCertPem = std::move(*cert);
  c.clientKeyPem = std::move(*key);
  if (c.clientCertPem.empty() != c.clientKeyPem.empty()) {
    return r.error(field + (c.clientKeyPem.empty() ? ".client-key" : ".client-certificate"),
                   "a client certificate needs both certificate and key");
  }
  bool hasCredential = !c.token.empty() || !c.tokenFile.empty() || !c.clientCertPem.empty();
  for (const char* plugin : {"exec", "auth-provider"}) {
    if ((*user)[plugin] && !hasCredential) {
      return r.error(field + "." + plugin, "credential plugins are not supported");
    }
  }
  return {};
}

}  // namespace

Result<ClusterConfig> loadKubeconfig(const std::string& path, const std::string& context) {
  auto text = readSmallFile(path, "kubeconfig");
  if (!text) {
    return text.error();
  }
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return plainError("kubeconfig " + path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) {
    return plainError("kubeconfig " + path + ": not a YAML map");
  }
  KubeconfigReader r(path, root);

  std::string contextName = context;
  if (contextName.empty()) {
    contextName = KubeconfigReader::scalar(root["current-context"]).value_or("");
    if (contextName.empty()) {
      return r.error("current-context", "missing (and no context was given)");
    }
  }
  auto ctx = r.entry("contexts", "context", contextName);
  if (!ctx) {
    return ctx.error();
  }
  std::string field = "contexts[name=" + contextName + "].context";
  auto clusterName = KubeconfigReader::scalar((*ctx)["cluster"]);
  if (!clusterName || clusterName->empty()) {
    return r.error(field + ".cluster", "missing");
  }

  ClusterConfig c;
  c.source = path;
  c.defaultNamespace = KubeconfigReader::scalar((*ctx)["namespace"]).value_or("default");
  if (auto st = readCluster(r, *clusterName, c); !st) {
    return st.error();
  }
  // A context without a user is anonymous: allowed, the API server decides.
  if (auto userName = KubeconfigReader::scalar((*ctx)["user"]); userName && !userName->empty()) {
    if (auto st = readUser(r, *userName, c); !st) {
      return st.error();
    }
  }
  return c;
}

}  // namespace weir::control::kube
