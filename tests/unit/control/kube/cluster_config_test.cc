#include "control/kube/cluster_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/unit/control/kube/temp_dir.h"

namespace weir::control::kube {
namespace {

using testing::TempDir;

constexpr const char* kCaPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
// base64 of kCaPem
constexpr const char* kCaData =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

TEST(Kubeconfig, TokenUserWithInlineCa) {
  TempDir dir;
  std::string path = dir.write("config", std::string(R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: other
  cluster: {server: "https://other.example:443"}
- name: kind
  cluster:
    server: https://127.0.0.1:39211
    certificate-authority-data: )") + kCaData +
                                             R"(
contexts:
- name: dev
  context: {cluster: kind, user: admin, namespace: emojivoto}
users:
- name: admin
  user:
    token: abc.def.ghi
)");
  auto c = loadKubeconfig(path);
  ASSERT_TRUE(c.ok()) << c.error().str();
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 39211);
  EXPECT_EQ(c->basePath, "");
  EXPECT_EQ(c->caPem, kCaPem);
  EXPECT_EQ(c->token, "abc.def.ghi");
  EXPECT_EQ(*c->bearerToken(), "abc.def.ghi");
  EXPECT_EQ(c->defaultNamespace, "emojivoto");
  EXPECT_FALSE(c->insecureSkipTlsVerify);
  EXPECT_EQ(c->source, path);
}

TEST(Kubeconfig, ClientCertificateFilesRelativeToTheKubeconfig) {
  TempDir dir;
  dir.write("ca.crt", kCaPem);
  dir.write("client.crt", "CERT");
  dir.write("client.key", "KEY");
  std::string path = dir.write("config", R"(current-context: a
clusters:
- name: c
  cluster:
    server: https://[fd00::1]:6443/k8s/clusters/c-1/
    certificate-authority: ca.crt
    tls-server-name: kubernetes.default.svc
contexts:
- name: a
  context: {cluster: c, user: u}
- name: b
  context: {cluster: c}
users:
- name: u
  user: {client-certificate: client.crt, client-key: client.key}
)");
  auto c = loadKubeconfig(path);
  ASSERT_TRUE(c.ok()) << c.error().str();
  EXPECT_EQ(c->host, "fd00::1");
  EXPECT_EQ(c->port, 6443);
  EXPECT_EQ(c->basePath, "/k8s/clusters/c-1");
  EXPECT_EQ(c->authority(), "[fd00::1]:6443");
  EXPECT_EQ(c->tlsServerName, "kubernetes.default.svc");
  EXPECT_EQ(c->caPem, kCaPem);
  EXPECT_EQ(c->clientCertPem, "CERT");
  EXPECT_EQ(c->clientKeyPem, "KEY");
  EXPECT_EQ(c->defaultNamespace, "default");

  auto anonymous = loadKubeconfig(path, "b");  // context chosen by the caller; no user
  ASSERT_TRUE(anonymous.ok()) << anonymous.error().str();
  EXPECT_TRUE(anonymous->clientCertPem.empty());
  EXPECT_EQ(*anonymous->bearerToken(), "");
}

TEST(Kubeconfig, InsecureSkipTlsVerifyAndTokenFile) {
  TempDir dir;
  dir.write("token", "from-file\n");
  std::string path = dir.write("config", R"(current-context: a
clusters:
- name: c
  cluster: {server: "https://api.example.com", insecure-skip-tls-verify: true}
contexts:
- name: a
  context: {cluster: c, user: u}
users:
- name: u
  user: {tokenFile: token}
)");
  auto c = loadKubeconfig(path);
  ASSERT_TRUE(c.ok()) << c.error().str();
  EXPECT_TRUE(c->insecureSkipTlsVerify);
  EXPECT_EQ(c->host, "api.example.com");
  EXPECT_EQ(c->port, 443);
  EXPECT_EQ(c->tokenFile, dir.path() + "/token");
  EXPECT_EQ(*c->bearerToken(), "from-file");
}

TEST(Kubeconfig, ErrorsNameTheFileAndTheField) {
  struct Case {
    const char* name;
    std::string yaml;
    std::string error;  // {path} and {dir} are substituted
  };
  const std::string head =
      "current-context: a\ncontexts:\n- name: a\n  context: {cluster: c, "
      "user: u}\n";
  const std::string user = "users:\n- name: u\n  user: {token: t}\n";
  const Case cases[] = {
      {"not a map", "- just\n- a list\n", "kubeconfig {path}: not a YAML map"},
      {"no current context", "clusters: []\n",
       "kubeconfig {path}: current-context: missing (and no context was given)"},
      {"unknown context", "current-context: nope\ncontexts: []\n",
       "kubeconfig {path}: contexts[name=nope]: not found"},
      {"context without cluster",
       "current-context: a\ncontexts:\n- name: a\n  context: {user: u}\n",
       "kubeconfig {path}: contexts[name=a].context.cluster: missing"},
      {"unknown cluster", head + user, "kubeconfig {path}: clusters[name=c]: not found"},
      {"no server", head + "clusters:\n- name: c\n  cluster: {}\n" + user,
       "kubeconfig {path}: clusters[name=c].cluster.server: missing"},
      {"http server",
       head + "clusters:\n- name: c\n  cluster: {server: 'http://10.0.0.1:8080'}\n" + user,
       "kubeconfig {path}: clusters[name=c].cluster.server: \"http://10.0.0.1:8080\": only "
       "https:// servers are supported"},
      {"bad port", head + "clusters:\n- name: c\n  cluster: {server: 'https://h:99999'}\n" + user,
       "kubeconfig {path}: clusters[name=c].cluster.server: \"https://h:99999\": bad port"},
      {"bad CA base64",
       head +
           "clusters:\n- name: c\n  cluster: {server: 'https://h', certificate-authority-data: "
           "'%%%'}\n" +
           user,
       "kubeconfig {path}: clusters[name=c].cluster.certificate-authority-data: not valid base64"},
      {"missing CA file",
       head +
           "clusters:\n- name: c\n  cluster: {server: 'https://h', certificate-authority: "
           "nope.crt}\n" +
           user,
       "kubeconfig {path}: read clusters[name=c].cluster.certificate-authority {dir}/nope.crt: "
       "No such file or directory"},
      {"insecure not bool",
       head +
           "clusters:\n- name: c\n  cluster: {server: 'https://h', insecure-skip-tls-verify: "
           "maybe}\n" +
           user,
       "kubeconfig {path}: clusters[name=c].cluster.insecure-skip-tls-verify: not a boolean"},
      {"unknown user", head + "clusters:\n- name: c\n  cluster: {server: 'https://h'}\n",
       "kubeconfig {path}: users[name=u]: not found"},
      {"cert without key",
       head + "clusters:\n- name: c\n  cluster: {server: 'https://h'}\n"
              "users:\n- name: u\n  user: {client-certificate-data: Q0VSVA==}\n",
       "kubeconfig {path}: users[name=u].user.client-key: a client certificate needs both "
       "certificate and key"},
      {"exec plugin",
       head + "clusters:\n- name: c\n  cluster: {server: 'https://h'}\n"
              "users:\n- name: u\n  user: {exec: {command: aws}}\n",
       "kubeconfig {path}: users[name=u].user.exec: credential plugins are not supported"},
  };
  for (const Case& c : cases) {
    TempDir dir;
    std::string path = dir.write("config", c.yaml);
    auto loaded = loadKubeconfig(path);
    ASSERT_FALSE(loaded.ok()) << c.name;
    std::string want = replaceAll(replaceAll(c.error, "{path}", path), "{dir}", dir.path());
    EXPECT_EQ(loaded.error().str(), want) << c.name;
  }
}

TEST(Kubeconfig, MissingFileIsAnError) {
  auto c = loadKubeconfig("/nonexistent/weir/kubeconfig");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().str(),
            "read kubeconfig /nonexistent/weir/kubeconfig: No such file or directory");
}

class InCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  }
  void TearDown() override {
    ::unsetenv("KUBERNETES_SERVICE_HOST");
    ::unsetenv("KUBERNETES_SERVICE_PORT");
  }
};

TEST_F(InCluster, ReadsServiceAccountAndRereadsRotatedToken) {
  TempDir sa;
  sa.write("token", "token-1");
  sa.write("ca.crt", kCaPem);
  sa.write("namespace", "linkerd\n");
  auto c = loadInCluster(sa.path());
  ASSERT_TRUE(c.ok()) << c.error().str();
  EXPECT_EQ(c->host, "10.96.0.1");
  EXPECT_EQ(c->port, 443);
  EXPECT_EQ(c->caPem, kCaPem);
  EXPECT_EQ(c->defaultNamespace, "linkerd");
  EXPECT_EQ(c->source, "in-cluster");
  EXPECT_EQ(*c->bearerToken(), "token-1");
  sa.write("token", "token-2\n");  // the kubelet rotated the projected token
  EXPECT_EQ(*c->bearerToken(), "token-2");
}

TEST_F(InCluster, Errors) {
  TempDir sa;
  auto noToken = loadInCluster(sa.path());
  ASSERT_FALSE(noToken.ok());
  EXPECT_EQ(noToken.error().str(), "in-cluster config: read token file " + sa.path() +
                                       "/token: No such file or directory");

  sa.write("token", "t");
  auto noCa = loadInCluster(sa.path());
  ASSERT_FALSE(noCa.ok());
  EXPECT_EQ(noCa.error().str(), "in-cluster config: read service-account CA " + sa.path() +
                                    "/ca.crt: No such file or directory");

  ::setenv("KUBERNETES_SERVICE_PORT", "https", 1);
  auto badPort = loadInCluster(sa.path());
  ASSERT_FALSE(badPort.ok());
  EXPECT_EQ(badPort.error().str(),
            "in-cluster config: KUBERNETES_SERVICE_PORT \"https\": bad port");

  ::unsetenv("KUBERNETES_SERVICE_HOST");
  auto outside = loadInCluster(sa.path());
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().str(),
            "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set "
            "(not running in a pod?)");
}

}  // namespace
}  // namespace weir::control::kube
