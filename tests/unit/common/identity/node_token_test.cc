#include "common/identity/node_token.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace weir::identity {
namespace {

const std::string kKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const std::string kOtherKey = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

TEST(NodeToken, IssueHasNodeAndHexMac) {
  std::string token = issueNodeToken(kKey, "node-a");
  ASSERT_EQ(token.size(), std::string("node-a.").size() + 64);
  EXPECT_EQ(token.rfind("node-a.", 0), 0U);
  EXPECT_EQ(token.find_first_not_of("0123456789abcdef", 7), std::string::npos);
  EXPECT_EQ(token, issueNodeToken(kKey, "node-a"));  // deterministic
}

TEST(NodeToken, Verify) {
  const std::string good = issueNodeToken(kKey, "node-a");
  std::string flipped = good;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  std::string otherNode = good;
  otherNode.replace(0, 6, "node-b");
  struct Case {
    std::string name;
    std::string key;
    std::string token;
    std::string node;  // "" = refused
  };
  const std::vector<Case> cases = {
      {"issued", kKey, good, "node-a"},
      {"trailing newline from a file", kKey, good + "\n", "node-a"},
      {"node with dots", kKey, issueNodeToken(kKey, "n1.example.org"), "n1.example.org"},
      {"mac flipped", kKey, flipped, ""},
      {"other node, same mac", kKey, otherNode, ""},
      {"other key", kOtherKey, good, ""},
      {"truncated mac", kKey, good.substr(0, good.size() - 2), ""},
      {"mac upper case", kKey,
       "node-a." +
           [&] {
             std::string mac = good.substr(7);
             for (char& c : mac) {
               c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
             }
             return mac;
           }(),
       ""},
      {"no dot", kKey, "node-a", ""},
      {"no node", kKey, good.substr(6), ""},
      {"empty", kKey, "", ""},
      {"no key configured", "", good, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto node = verifyNodeToken(c.key, c.token);
    if (c.node.empty()) {
      EXPECT_FALSE(node.ok()) << *node;
    } else {
      ASSERT_TRUE(node.ok()) << node.error().str();
      EXPECT_EQ(*node, c.node);
    }
  }
}

TEST(NodeToken, ReadKeyFile) {
  char path[] = "/tmp/weir-node-token-key-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << kKey << "\n";
  auto key = readNodeTokenKey(path);
  ASSERT_TRUE(key.ok()) << key.error().str();
  EXPECT_EQ(*key, kKey);

  std::ofstream(path) << "short\n";
  auto shortKey = readNodeTokenKey(path);
  ASSERT_FALSE(shortKey.ok());
  EXPECT_NE(shortKey.error().str().find(path), std::string::npos) << shortKey.error().str();
  std::remove(path);

  auto missing = readNodeTokenKey(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().str().find(path), std::string::npos) << missing.error().str();
}

}  // namespace
}  // namespace weir::identity
