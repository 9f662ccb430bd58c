#include "tools/cli/cli.h"

#include <gtest/gtest.h>

#include <sstream>

namespace weir::cli {
namespace {

struct Invocation {
  int status;
  std::string out;
  std::string err;
};

Invocation runWeir(std::vector<const char*> args, const std::vector<Check>& checks = {}) {
  args.insert(args.begin(), "weir");
  std::ostringstream out;
  std::ostringstream err;
  int status = run(static_cast<int>(args.size()), args.data(), out, err, checks);
  return {status, out.str(), err.str()};
}

std::vector<Check> oneFailure() {
  return {
      Check{"kernel", "kernel is 5.15 or later", "upgrade",
            [] { return Result<std::string>(std::string("6.18.44")); }},
      Check{"bpf", "bpffs is mounted or mountable at /sys/fs/bpf", "mount -t bpf bpf /sys/fs/bpf",
            [] { return Result<std::string>(osError(EPERM, "mount bpffs")); }},
  };
}

TEST(Cli, NoArgumentsPrintsUsageAndFails) {
  Invocation r = runWeir({});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("Usage:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("check"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("version"), std::string::npos) << r.err;
}

TEST(Cli, Help) {
  Invocation r = runWeir({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r.out;
}

TEST(Cli, Version) {
  Invocation full = runWeir({"version"});
  EXPECT_EQ(full.status, 0);
  EXPECT_EQ(full.out, std::string("weir version ") + WEIR_VERSION + "\n");

  Invocation brief = runWeir({"version", "--short"});
  EXPECT_EQ(brief.status, 0);
  EXPECT_EQ(brief.out, std::string(WEIR_VERSION) + "\n");
}

TEST(Cli, CheckPreFailsWhenACheckFails) {
  Invocation r = runWeir({"check", "--pre"}, oneFailure());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("\u00d7 bpffs is mounted or mountable at /sys/fs/bpf\n"
                       "    mount bpffs: Operation not permitted\n"
                       "    see: mount -t bpf bpf /sys/fs/bpf\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Status check: 1/2 passed\n"), std::string::npos) << r.out;
}

TEST(Cli, CheckPrePassesWhenAllPass) {
  std::vector<Check> checks = oneFailure();
  checks.pop_back();
  Invocation r = runWeir({"check", "--pre"}, checks);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Status check: 1/1 passed\n"), std::string::npos) << r.out;
}

TEST(Cli, CheckPreJson) {
  for (const char* flag : {"-o", "--output"}) {
    Invocation r = runWeir({"check", "--pre", flag, "json"}, oneFailure());
    EXPECT_EQ(r.status, 1) << flag;
    nlohmann::json doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["success"], false) << flag;
    EXPECT_EQ(doc["categories"][1]["checks"][0]["hint"], "mount -t bpf bpf /sys/fs/bpf") << flag;
  }
}

TEST(Cli, UsageErrors) {
  struct Case {
    const char* name;
    std::vector<const char*> args;
  };
  const Case cases[] = {
      {"check without --pre", {"check"}},
      {"unknown output format", {"check", "--pre", "-o", "yaml"}},
      {"unknown subcommand", {"install-cni"}},
      {"unknown flag", {"version", "--long"}},
  };
  for (const Case& c : cases) {
    Invocation r = runWeir(c.args, oneFailure());
    EXPECT_EQ(r.status, 2) << c.name;
    EXPECT_EQ(r.out, "") << c.name;
    EXPECT_FALSE(r.err.empty()) << c.name;
  }
}

}  // namespace
}  // namespace weir::cli
