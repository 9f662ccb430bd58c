// The value syntaxes of Linkerd and Kubernetes documents: durations, quantities, port lists,
// CIDRs, identities and regular expressions.

#include <gtest/gtest.h>

#include "common/config/values.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

struct DurationCase {
  std::string text;
  int64_t ms;  // -1: invalid
};

TEST(ValuesTest, GoDurations) {
  for (const DurationCase& c : std::vector<DurationCase>{{"30s", 30000},
                                                         {"100ms", 100},
                                                         {"1m30s", 90000},
                                                         {"1.5h", 5400000},
                                                         {"0", 0},
                                                         {"-0", 0},
                                                         {"+5s", 5000},
                                                         {"0s", 0},
                                                         {".5s", 500},
                                                         {"1.s", 1000},
                                                         {"2h45m", 9900000},
                                                         {"1us", 1},
                                                         {"1\xC2\xB5s", 1},
                                                         {"1\xCE\xBCs", 1},
                                                         {"1ns", 1},
                                                         {"1000000ns", 1},
                                                         {"1000001ns", 2},
                                                         {"1.0000001s", 1001},
                                                         {"2562047h", 9223369200000},
                                                         {"00000000000000000000001s", 1000}}) {
    std::chrono::milliseconds out{-1};
    EXPECT_EQ(parseDuration(c.text, out), std::nullopt) << c.text;
    EXPECT_EQ(out.count(), c.ms) << c.text;
  }
  for (const char* bad : {"", "30", "s", "1x", "1h30", ".s", "1 s", "5S", "1..5s", "--1s", "+"}) {
    std::chrono::milliseconds out{-1};
    EXPECT_EQ(parseDuration(bad, out),
              "must be a duration such as \"30s\", \"100ms\" or \"1m30s\", got \"" +
                  std::string(bad) + "\"")
        << bad;
    EXPECT_EQ(out.count(), -1) << bad;
  }
  std::chrono::milliseconds out{0};
  EXPECT_EQ(parseDuration("-5s", out), "must not be negative, got \"-5s\"");
  EXPECT_EQ(parseDuration("2562048h", out), "must be less than 2562048h, got \"2562048h\"");
  EXPECT_EQ(parseDuration("99999999999999999999999s", out),
            "must be less than 2562048h, got \"99999999999999999999999s\"");
}

struct QuantityCase {
  std::string text;
  uint64_t milli;
};

TEST(ValuesTest, KubernetesQuantitiesInMilliUnits) {
  for (const QuantityCase& c :
       std::vector<QuantityCase>{{"1", 1000},
                                 {"900", 900000},
                                 {"900m", 900},
                                 {"500m", 500},
                                 {"1k", 1000000},
                                 {"0.5", 500},
                                 {"1Ki", 1024000},
                                 {"1e3", 1000000},
                                 {"1E3", 1000000},
                                 {"2e-3", 2},
                                 {"1u", 1},
                                 {"0", 0},
                                 {"0m", 0},
                                 {"-0", 0},
                                 {"+2", 2000},
                                 {"1.5Mi", 1572864000},
                                 {"0.0001", 1},
                                 {".5", 500},
                                 {"5.", 5000},
                                 {"1n", 1},
                                 {"18446744073709551615m", 18446744073709551615ULL},
                                 {"1.00000000000000000000000000001", 1001}}) {
    uint64_t out = 7;
    EXPECT_EQ(parseQuantityMilli(c.text, out), std::nullopt) << c.text;
    EXPECT_EQ(out, c.milli) << c.text;
  }
  for (const char* bad :
       {"", "m", "1x", "--1", "1.2.3", "1e", "1Kb", ".", "1 k", "0x10", "1e1.5"}) {
    uint64_t out = 7;
    EXPECT_EQ(parseQuantityMilli(bad, out),
              "must be a number or quantity such as \"1\", \"900m\" or \"1k\", got \"" +
                  std::string(bad) + "\"")
        << bad;
    EXPECT_EQ(out, 7u) << bad;
  }
  uint64_t out = 0;
  EXPECT_EQ(parseQuantityMilli("-1", out), "must not be negative, got \"-1\"");
  EXPECT_EQ(parseQuantityMilli("99E", out), "is out of range, got \"99E\"");
  EXPECT_EQ(parseQuantityMilli("18446744073709551616m", out),
            "is out of range, got \"18446744073709551616m\"");
  EXPECT_EQ(parseQuantityMilli("16Ei", out), "is out of range, got \"16Ei\"");
  EXPECT_EQ(parseQuantityMilli("1.000000000000000000000000000001", out),
            "must have at most 30 significant digits, got \"1.000000000000000000000000000001\"");
}

TEST(ValuesTest, LinkerdPortLists) {
  PortList out;
  EXPECT_EQ(parsePortList("25,443,4222-4230", false, out), std::nullopt);
  EXPECT_EQ(out, (PortList{{{25, 25}, {443, 443}, {4222, 4230}}, {}}));
  out = {};
  EXPECT_EQ(parsePortList(" 25 , 1-65535,", false, out), std::nullopt);
  EXPECT_EQ(out, (PortList{{{25, 25}, {1, 65535}}, {}}));
  out = {};
  EXPECT_EQ(parsePortList("", false, out), std::nullopt);
  EXPECT_EQ(out, PortList{});
  EXPECT_EQ(parsePortList("mysql,3306", true, out), std::nullopt);
  EXPECT_EQ(out, (PortList{{{3306, 3306}}, {"mysql"}}));

  struct Bad {
    std::string text;
    bool names;
    std::string reason;
  };
  for (const Bad& c : std::vector<Bad>{
           {"25,,443", false, "empty entry in port list \"25,,443\""},
           {"25,70000", false, "port 70000 is not between 1 and 65535 in port list \"25,70000\""},
           {"0", false, "port 0 is not between 1 and 65535 in port list \"0\""},
           {"99999999999", false,
            "port 99999999999 is not between 1 and 65535 in port list \"99999999999\""},
           {"4230-4222", false, "range 4230-4222 ends before it starts in port list \"4230-4222\""},
           {"1-70000", false, "port 70000 is not between 1 and 65535 in port list \"1-70000\""},
           {"25,mysql", false, "\"mysql\" is not a port or port range in port list \"25,mysql\""},
           {"Mysql", true,
            "\"Mysql\" is not a port, port range or port name in port list \"Mysql\""},
           {"1-2-3", true,
            "\"1-2-3\" is not a port, port range or port name in port list \"1-2-3\""},
           {"25;443", false, "\"25;443\" is not a port or port range in port list \"25;443\""},
           {"-25", false, "\"-25\" is not a port or port range in port list \"-25\""},
       }) {
    PortList ignored;
    EXPECT_EQ(parsePortList(c.text, c.names, ignored), c.reason) << c.text;
  }
}

TEST(ValuesTest, Cidrs) {
  Cidr c;
  ASSERT_EQ(parseCidr("10.1.2.3/8", c), std::nullopt);
  EXPECT_FALSE(c.ipv6);
  EXPECT_EQ(c.prefixLength, 8);
  EXPECT_EQ((std::vector<int>{c.address[0], c.address[1], c.address[2], c.address[3]}),
            (std::vector<int>{10, 0, 0, 0}));  // host bits cleared
  EXPECT_EQ(formatCidr(c), "10.0.0.0/8");
  ASSERT_EQ(parseCidr("192.168.1.1", c), std::nullopt);
  EXPECT_EQ(formatCidr(c), "192.168.1.1/32");
  ASSERT_EQ(parseCidr("fd00:1::5/16", c), std::nullopt);
  EXPECT_TRUE(c.ipv6);
  EXPECT_EQ(formatCidr(c), "fd00::/16");
  ASSERT_EQ(parseCidr("::1", c), std::nullopt);
  EXPECT_EQ(formatCidr(c), "::1/128");
  ASSERT_EQ(parseCidr("0.0.0.0/0", c), std::nullopt);
  EXPECT_EQ(formatCidr(c), "0.0.0.0/0");
  for (const char* bad :
       {"", "10.0.0.0/33", "10.0.0/8", "fd00::/129", "10.0.0.0/", "10.0.0.0/-1", "hello",
        "10.0.0.0/8/8", "010.0.0.0/8", "10.0.0.0/8 ", "fd00::g/8", "10.0.0.0/0008"}) {
    EXPECT_EQ(parseCidr(bad, c), "must be a CIDR or IP address such as \"10.0.0.0/8\", got \"" +
                                     std::string(bad) + "\"")
        << bad;
  }

  EXPECT_TRUE(cidrContains(cidr("10.0.0.0/8"), cidr("10.1.0.0/16")));
  EXPECT_TRUE(cidrContains(cidr("10.0.0.0/8"), cidr("10.0.0.0/8")));
  EXPECT_TRUE(cidrContains(cidr("10.0.0.0/8"), cidr("10.255.255.255")));
  EXPECT_FALSE(cidrContains(cidr("10.1.0.0/16"), cidr("10.0.0.0/8")));
  EXPECT_FALSE(cidrContains(cidr("10.0.0.0/8"), cidr("11.0.0.0/16")));
  EXPECT_TRUE(cidrContains(cidr("0.0.0.0/0"), cidr("192.168.0.0/16")));
  EXPECT_FALSE(cidrContains(cidr("0.0.0.0/0"), cidr("::1")));  // never across families
  EXPECT_TRUE(cidrContains(cidr("fd00::/8"), cidr("fd12:3456::/32")));
  EXPECT_FALSE(cidrContains(cidr("fd00::/8"), cidr("fe00::/16")));
}

TEST(ValuesTest, Identities) {
  for (const char* good :
       {"*", "*.booksapp.serviceaccount.identity.linkerd.cluster.local",
        "web.ns.serviceaccount.identity.linkerd.cluster.local", "a", "spiffe://td",
        "spiffe://trust.domain-1_x/ns/Books/sa/web", "spiffe://td/a.b"}) {
    EXPECT_EQ(checkIdentity(good), std::nullopt) << good;
  }
  for (const char* bad : {"", "Web.ns", "x.*", ".x", "x.", "a..b", "-a.b", "a b", "*a"}) {
    EXPECT_EQ(checkIdentity(bad),
              "must be an identity such as \"web.prod.serviceaccount.identity.linkerd.cluster."
              "local\", \"*.linkerd.cluster.local\" or a SPIFFE ID, got \"" +
                  std::string(bad) + "\"")
        << bad;
  }
  for (const char* bad :
       {"spiffe://", "spiffe://td/", "spiffe://td//a", "spiffe://td/./a", "spiffe://td/a/..",
        "spiffe://TD/a", "spiffe://td:80/a", "spiffe://td/a?q=1"}) {
    EXPECT_EQ(checkIdentity(bad),
              "must be a SPIFFE ID such as \"spiffe://trust.domain/path\", "
              "got \"" +
                  std::string(bad) + "\"")
        << bad;
  }
}

TEST(ValuesTest, RegularExpressionsCompileWithRe2) {
  EXPECT_EQ(checkRegex("/users/[^/]+"), std::nullopt);
  EXPECT_EQ(checkRegex("/authors/\\d+(\\.json)?"), std::nullopt);
  EXPECT_EQ(checkRegex("/users/["),
            "must be a regular expression (RE2 syntax), got \"/users/[\": missing ]: [");
  // Perl's lookahead is not RE2 (nor the Rust regex Linkerd's proxy uses).
  EXPECT_EQ(checkRegex("/a(?=b)"),
            "must be a regular expression (RE2 syntax), got \"/a(?=b)\": invalid perl operator: "
            "(?=");
}

}  // namespace
}  // namespace weir::config
