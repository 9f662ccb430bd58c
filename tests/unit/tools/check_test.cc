#include "tools/cli/check.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "tools/cli/pre_checks.h"

namespace weir::cli {
namespace {

Check passing(std::string category, std::string description, const std::string& detail = "") {
  return Check{std::move(category), std::move(description), "unused hint",
               [detail] { return Result<std::string>(detail); }};
}

Check failing(std::string category, std::string description, std::string hint, const Error& error) {
  return Check{std::move(category), std::move(description), std::move(hint),
               [error] { return Result<std::string>(error); }};
}

std::vector<Check> sampleTable() {
  return {
      passing("kernel", "kernel is 5.15 or later", "6.18.44"),
      passing("bpf", "kernel supports sockhash maps"),
      failing("io_uring", "can create an io_uring instance", "sysctl kernel.io_uring_disabled=0",
              osError(EPERM, "io_uring_setup")),
      passing("kernel", "cgroup v2 is mounted", "at /sys/fs/cgroup"),
  };
}

TEST(RunChecks, KeepsTableOrderAndOutcomes) {
  std::vector<CheckOutcome> outcomes = runChecks(sampleTable());
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_TRUE(outcomes[0].ok);
  EXPECT_EQ(outcomes[0].detail, "6.18.44");
  EXPECT_FALSE(outcomes[2].ok);
  EXPECT_EQ(outcomes[2].error, "io_uring_setup: Operation not permitted");
  EXPECT_EQ(outcomes[2].hint, "sysctl kernel.io_uring_disabled=0");
}

TEST(RenderText, GroupsByCategoryAndShowsFailuresWithHints) {
  std::ostringstream out;
  renderText(runChecks(sampleTable()), out);
  EXPECT_EQ(out.str(),
            "kernel\n"
            "------\n"
            "\u221a kernel is 5.15 or later (6.18.44)\n"
            "\u221a cgroup v2 is mounted (at /sys/fs/cgroup)\n"
            "\n"
            "bpf\n"
            "---\n"
            "\u221a kernel supports sockhash maps\n"
            "\n"
            "io_uring\n"
            "--------\n"
            "\u00d7 can create an io_uring instance\n"
            "    io_uring_setup: Operation not permitted\n"
            "    see: sysctl kernel.io_uring_disabled=0\n"
            "\n"
            "Status check: 3/4 passed\n");
}

TEST(RenderJson, HasLinkerdCheckShape) {
  nlohmann::ordered_json got = renderJson(runChecks(sampleTable()));
  nlohmann::ordered_json want = nlohmann::ordered_json::parse(R"({
    "success": false,
    "categories": [
      {"categoryName": "kernel", "checks": [
        {"description": "kernel is 5.15 or later", "result": "success"},
        {"description": "cgroup v2 is mounted", "result": "success"}]},
      {"categoryName": "bpf", "checks": [
        {"description": "kernel supports sockhash maps", "result": "success"}]},
      {"categoryName": "io_uring", "checks": [
        {"description": "can create an io_uring instance",
         "hint": "sysctl kernel.io_uring_disabled=0",
         "error": "io_uring_setup: Operation not permitted",
         "result": "error"}]}
    ]})");
  EXPECT_EQ(got.dump(), want.dump());  // key order too: the same as linkerd's
}

TEST(RenderJson, SuccessWhenAllPass) {
  nlohmann::ordered_json got = renderJson(runChecks({passing("kernel", "a"), passing("bpf", "b")}));
  EXPECT_EQ(got["success"], true);
  EXPECT_EQ(got["categories"].size(), 2u);
}

TEST(ExitCode, Table) {
  struct Case {
    const char* name;
    std::vector<Check> checks;
    int expected;
  };
  const Case cases[] = {
      {"all pass", {passing("a", "x"), passing("b", "y")}, 0},
      {"one fails", {passing("a", "x"), failing("b", "y", "h", plainError("no"))}, 1},
      {"all fail", {failing("b", "y", "h", plainError("no"))}, 1},
      {"nothing to check", {}, 0},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(exitCode(runChecks(c.checks)), c.expected) << c.name;
  }
}

TEST(PreInstallChecks, EveryCheckIsComplete) {
  std::vector<Check> table = preInstallChecks();
  ASSERT_FALSE(table.empty());
  std::set<std::string> descriptions;
  for (const Check& c : table) {
    EXPECT_FALSE(c.category.empty()) << c.description;
    EXPECT_FALSE(c.hint.empty()) << c.description;
    EXPECT_TRUE(c.run) << c.description;
    EXPECT_TRUE(descriptions.insert(c.description).second) << "duplicate: " << c.description;
  }
  for (const char* category : {"permissions", "kernel", "bpf", "io_uring"}) {
    EXPECT_TRUE(std::any_of(table.begin(), table.end(), [&](const Check& c) {
      return c.category == category;
    })) << category;
  }
}

}  // namespace
}  // namespace weir::cli
