// Kinds weir skips, and directories.

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/config/loader.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

namespace fs = std::filesystem;

struct SkipCase {
  std::string name;
  std::string apiVersion;
  std::string kind;
};

class SkippedKindTest : public testing::TestWithParam<SkipCase> {};

TEST_P(SkippedKindTest, IsListedNotParsed) {
  const SkipCase& c = GetParam();
  LoadResult result =
      parseText("# " + c.name + "\napiVersion: " + c.apiVersion + "\nkind: " + c.kind +
                    "\nmetadata: {name: x}\nspec: {port: not-checked}\n",
                "k.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  EXPECT_EQ(result.skipped,
            std::vector<std::string>{"k.yaml:2: " + c.kind + "/x: not used by weir"});
  EXPECT_EQ(result.model, Model{});
}

INSTANTIATE_TEST_SUITE_P(Core, SkippedKindTest,
                         testing::Values(SkipCase{"Endpoints", "v1", "Endpoints"},
                                         SkipCase{"Pod", "v1", "Pod"}),
                         CaseName());

INSTANTIATE_TEST_SUITE_P(
    NotMesh, SkippedKindTest,
    testing::Values(SkipCase{"Deployment", "apps/v1", "Deployment"},
                    SkipCase{"StatefulSet", "apps/v1", "StatefulSet"},
                    SkipCase{"DaemonSet", "apps/v1", "DaemonSet"},
                    SkipCase{"ConfigMap", "v1", "ConfigMap"}, SkipCase{"Secret", "v1", "Secret"},
                    SkipCase{"ServiceMonitor", "monitoring.coreos.com/v1", "ServiceMonitor"},
                    SkipCase{"PrometheusRule", "monitoring.coreos.com/v1", "PrometheusRule"},
                    SkipCase{"HelmRepository", "source.toolkit.fluxcd.io/v1beta2",
                             "HelmRepository"},
                    SkipCase{"HelmRelease", "helm.toolkit.fluxcd.io/v2beta1", "HelmRelease"},
                    SkipCase{"Canary", "flagger.app/v1beta1", "Canary"}),
    CaseName());

TEST(LoaderTest, PrometheusRulesFileIsSkipped) {
  LoadResult result = parseText("# alerts\ngroups:\n- name: linkerd\n  rules: []\n", "rules.yaml");
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  EXPECT_EQ(result.skipped,
            std::vector<std::string>{"rules.yaml:2: Prometheus rules: not used by weir"});
}

TEST(LoaderTest, EmptyDocumentsAreIgnored) {
  for (std::string text : {"", "---\n", "---\n---\n# only a comment\n---\n", "~\n"}) {
    LoadResult result = parseText(text, "empty.yaml");
    EXPECT_TRUE(result.ok()) << text;
    EXPECT_TRUE(result.skipped.empty()) << text;
    EXPECT_EQ(result.model, Model{}) << text;
  }
}

TEST(LoaderTest, DiagnosticLeavesOutEmptyParts) {
  EXPECT_EQ((Diagnostic{{"a.yaml", 3}, "Service/web", "spec.ports", "required"}.str()),
            "a.yaml:3: Service/web: spec.ports: required");
  EXPECT_EQ((Diagnostic{{"a.yaml", 0}, "", "", "cannot open: Permission denied"}.str()),
            "a.yaml: cannot open: Permission denied");
  EXPECT_EQ((Diagnostic{{"", 7}, "", "kind", "required"}.str()), "line 7: kind: required");
}

TEST(LoaderTest, Selects) {
  std::map<std::string, std::string> labels{{"app", "web"}, {"tier", "front"}};
  EXPECT_TRUE(selects({{"app", "web"}}, labels));
  EXPECT_TRUE(selects(labels, labels));
  EXPECT_FALSE(selects({{"app", "api"}}, labels));
  EXPECT_FALSE(selects({{"app", "web"}, {"zone", "a"}}, labels));
  EXPECT_FALSE(selects({}, labels));  // an empty selector selects nothing
  EXPECT_FALSE(selects({{"app", "web"}}, {}));
}

TEST(LoaderTest, IPv4RoundTripAndStrictness) {
  std::optional<uint32_t> parsed = parseIPv4("10.96.0.10");
  ASSERT_TRUE(parsed.has_value());
  uint32_t value = *parsed;
  const auto* bytes = reinterpret_cast<const uint8_t*>(&value);
  EXPECT_EQ((std::vector<int>{bytes[0], bytes[1], bytes[2], bytes[3]}),
            (std::vector<int>{10, 96, 0, 10}));  // network byte order
  EXPECT_EQ(formatIPv4(value), "10.96.0.10");
  for (const char* bad : {"", "10.96.0", "10.96.0.10.1", "256.0.0.1", "01.2.3.4", "1.2.3.4 ",
                          "1..2.3", "a.b.c.d", "1.2.3.-4", "1.2.3.4/32"}) {
    EXPECT_FALSE(parseIPv4(bad).has_value()) << bad;
  }
}

// A directory under the test's temporary dir, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = testing::TempDir() + "weir-config-XXXXXX";
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::string path = path_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const std::string kWeb =
    "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
    "spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n";
const std::string kVm =
    "apiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\nmetadata: {name: vm}\n"
    "spec: {meshTLS: {identity: a, serverName: a}, workloadIPs: [{ip: 10.1.0.5}]}\n";
const std::string kGarbage = "{{{ not: [yaml\n";

TEST(LoadPathTest, DirectoryIgnoresHiddenFilesAndEditorLeftovers) {
  TempDir dir;
  dir.write("20-vm.yml", kVm);
  dir.write("10-web.yaml", kWeb);
  dir.write("30-api.json",
            R"({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"}})");
  for (const char* name : {".hidden.yaml", ".10-web.yaml.swp", "10-web.yaml~", "#10-web.yaml#",
                           ".#10-web.yaml", "notes.txt", "10-web.yaml.bak", "4913"}) {
    dir.write(name, kGarbage);
  }
  fs::create_directory(dir.path() + "/nested.yaml");
  dir.write("nested.yaml/inner.yaml", kGarbage);  // not recursive

  LoadResult result = loadPath(dir.path());
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  ASSERT_EQ(result.model.services.size(), 2u);
  EXPECT_EQ(result.model.services[0].name, "api");
  EXPECT_EQ(result.model.services[0].src, (SourceRef{dir.path() + "/30-api.json", 1}));
  EXPECT_EQ(result.model.services[1].name, "web");
  EXPECT_EQ(result.model.services[1].src, (SourceRef{dir.path() + "/10-web.yaml", 1}));
  ASSERT_EQ(result.model.workloads.size(), 1u);
  EXPECT_EQ(result.model.workloads[0].src, (SourceRef{dir.path() + "/20-vm.yml", 1}));
}

TEST(LoadPathTest, CrossFileClashNamesTheEarlierFileInSortedOrder) {
  TempDir dir;
  dir.write("b.yaml", kWeb);
  dir.write("a.yaml",
            "apiVersion: v1\nkind: Service\nmetadata: {name: other}\n"
            "spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n");
  LoadResult result = loadPath(dir.path());
  EXPECT_EQ(errorStrings(result),
            std::vector<std::string>{dir.path() +
                                     "/b.yaml:4: Service/web: spec.clusterIP: 10.96.0.10:80 "
                                     "already used by Service/other (" +
                                     dir.path() + "/a.yaml:4)"});
}

TEST(LoadPathTest, BadFileIsReportedAndOthersStillRead) {
  TempDir dir;
  dir.write("a.yaml", kWeb);
  dir.write("b.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web\n");
  dir.write("c.yaml", kVm);
  LoadResult result = loadPath(dir.path());
  EXPECT_EQ(errorStrings(result),
            std::vector<std::string>{dir.path() +
                                     "/b.yaml:4: malformed YAML: end of map flow not found"});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.model.services.size(), 1u);
  EXPECT_EQ(result.model.workloads.size(), 1u);
}

TEST(LoadPathTest, SingleFileIsReadWhateverItsName) {
  TempDir dir;
  std::string file = dir.write("config", kWeb + "---\n" + kVm);
  LoadResult result = loadPath(file);
  EXPECT_EQ(errorStrings(result), std::vector<std::string>{});
  EXPECT_EQ(result.model.services.size(), 1u);
  EXPECT_EQ(result.model.workloads.size(), 1u);
}

TEST(LoadPathTest, UnreadablePathsAreErrorsNotExceptions) {
  TempDir dir;
  EXPECT_EQ(
      errorStrings(loadPath(dir.path() + "/missing")),
      std::vector<std::string>{dir.path() + "/missing: cannot open: No such file or directory"});

  ASSERT_EQ(::symlink("nowhere.yaml", (dir.path() + "/dangling.yaml").c_str()), 0);
  ASSERT_EQ(::mkfifo((dir.path() + "/pipe.yaml").c_str(), 0600), 0);
  EXPECT_EQ(errorStrings(loadPath(dir.path())),
            (std::vector<std::string>{
                dir.path() + "/dangling.yaml: cannot open: No such file or directory",
                dir.path() + "/pipe.yaml: not a regular file"}));
}

TEST(LoadPathTest, EmptyDirectoryIsAnEmptyModel) {
  TempDir dir;
  LoadResult result = loadPath(dir.path());
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.model, Model{});
}

}  // namespace
}  // namespace weir::config
