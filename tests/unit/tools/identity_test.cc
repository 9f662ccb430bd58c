#include "tools/cli/identity.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "common/identity/ca.h"
#include "common/identity/node_token.h"
#include "common/identity/pem.h"
#include "common/base/read_file.h"

namespace weir::cli {
namespace {

namespace wid = ::weir::identity;

class IdentityCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/weir-cli-identity-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const char* f :
         {"ca/ca.crt", "ca/issuer.crt", "ca/issuer.key", "ca/node-token.key", "n1.token"}) {
      ::unlink((dir_ + "/" + f).c_str());
    }
    ::rmdir((dir_ + "/ca").c_str());
    ::rmdir(dir_.c_str());
  }
  static unsigned mode(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 0;
  }
  std::string read(const std::string& name) {
    auto text = readSmallFile(dir_ + "/" + name, name);
    EXPECT_TRUE(text.ok()) << text.error().str();
    return text.ok() ? *text : "";
  }

  std::string dir_;
  std::ostringstream out_, err_;
};

TEST_F(IdentityCli, InitWritesALoadableCaAndRefusesToOverwrite) {
  ASSERT_EQ(identityInit({.dir = dir_ + "/ca"}, out_, err_), 0) << err_.str();
  EXPECT_EQ(mode(dir_ + "/ca/ca.crt"), 0644U);
  EXPECT_EQ(mode(dir_ + "/ca/issuer.crt"), 0644U);
  EXPECT_EQ(mode(dir_ + "/ca/issuer.key"), 0600U);
  EXPECT_EQ(mode(dir_ + "/ca/node-token.key"), 0600U);
  auto ca = wid::Ca::load(read("ca/ca.crt"), read("ca/issuer.crt"), read("ca/issuer.key"));
  EXPECT_TRUE(ca.ok()) << ca.error().str();
  std::string tokenKey = read("ca/node-token.key");
  EXPECT_EQ(tokenKey.size(), 65U);  // 32 bytes as hex, and a newline

  const std::string anchor = read("ca/ca.crt");
  std::ostringstream err;
  EXPECT_EQ(identityInit({.dir = dir_ + "/ca"}, out_, err), 1);
  EXPECT_NE(err.str().find("exists; refusing to overwrite"), std::string::npos) << err.str();
  EXPECT_EQ(read("ca/ca.crt"), anchor);
}

TEST_F(IdentityCli, NodeToken) {
  ASSERT_EQ(identityInit({.dir = dir_ + "/ca"}, out_, err_), 0) << err_.str();
  NodeTokenArgs args{
      .keyFile = dir_ + "/ca/node-token.key", .node = "n1", .outFile = dir_ + "/n1.token"};
  ASSERT_EQ(identityNodeToken(args, out_, err_), 0) << err_.str();
  EXPECT_EQ(mode(args.outFile), 0600U);
  auto key = wid::readNodeTokenKey(args.keyFile);
  ASSERT_TRUE(key.ok());
  auto node = wid::verifyNodeToken(*key, read("n1.token"));
  ASSERT_TRUE(node.ok()) << node.error().str();
  EXPECT_EQ(*node, "n1");

  std::ostringstream err;
  args.node = "bad name";
  EXPECT_EQ(identityNodeToken(args, out_, err), 1);
  args = {.keyFile = dir_ + "/missing.key", .node = "n1", .outFile = dir_ + "/n1.token"};
  EXPECT_EQ(identityNodeToken(args, out_, err), 1);
  EXPECT_NE(err.str().find(dir_ + "/missing.key"), std::string::npos) << err.str();
}

TEST_F(IdentityCli, CertifyWithoutAServerFails) {
  ASSERT_EQ(identityInit({.dir = dir_ + "/ca"}, out_, err_), 0) << err_.str();
  CertifyArgs args{.addr = "127.0.0.1:1",
                   .tokenFile = dir_ + "/ca/node-token.key",
                   .identity = "web.demo.serviceaccount.identity.linkerd.cluster.local",
                   .timeout = std::chrono::milliseconds(500)};
  std::ostringstream out, err;
  EXPECT_EQ(identityCertify(args, out, err), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_TRUE(err.str().find("UNAVAILABLE") != std::string::npos ||
              err.str().find("DEADLINE_EXCEEDED") != std::string::npos)
      << err.str();
}

}  // namespace
}  // namespace weir::cli
