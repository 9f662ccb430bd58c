// IncrementalLoader across a run of edits to a directory: after every reload its model and errors
// are exactly loadPath's on the same directory (the last good model when rejected), and it parses
// only the documents whose text or position changed.

#include <stdlib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <initializer_list>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/config/incremental_loader.h"
#include "common/config/loader.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

namespace fs = std::filesystem;

std::string lines(std::initializer_list<std::string> each) {
  std::string out;
  for (const std::string& line : each) {
    out += line + "\n";
  }
  return out;
}

// Every generated document has a fixed number of lines, so editing a field moves no document.
std::string service(const std::string& name, const std::string& clusterIP, int port,
                    const std::string& app) {
  return lines({"apiVersion: v1", "kind: Service",
                "metadata: {name: " + name + ", namespace: demo}",
                "spec:", "  clusterIP: " + clusterIP, "  selector: {app: " + app + "}",
                "  ports: [{port: " + std::to_string(port) + ", targetPort: 8080}]"});
}

std::string workload(const std::string& name, const std::string& ip, const std::string& app,
                     int weight = 1) {
  return lines(
      {"apiVersion: workload.linkerd.io/v1beta1", "kind: ExternalWorkload",
       "metadata:", "  name: " + name, "  namespace: demo", "  labels: {app: " + app + "}",
       "  annotations: {weir.io/cgroup: " + name + ", weir.io/weight: \"" + std::to_string(weight) +
           "\"}",
       "spec:",
       "  meshTLS: {identity: spiffe://t/ns/demo/sa/" + app + ", serverName: " + name + ".demo}",
       "  workloadIPs: [{ip: " + ip + "}]"});
}

std::string docs(const std::vector<std::string>& pieces) {
  std::string out;
  for (size_t i = 0; i < pieces.size(); ++i) {
    out += (i == 0 ? "" : "---\n") + pieces[i];
  }
  return out;
}

const std::string kWebService = service("web", "10.96.0.10", 80, "web");
const std::string kWeb1 = workload("web-1", "10.244.1.10", "web");
const std::string kWeb2 = workload("web-2", "10.244.1.11", "web");
const std::string kApiService = service("api", "10.96.0.20", 80, "api");
const std::string kApi1 = workload("api-1", "10.244.2.10", "api");

// Whether one of the messages contains `part`; else the messages, for the failure output.
testing::AssertionResult mentions(const std::vector<Diagnostic>& errors, const std::string& part) {
  std::vector<std::string> messages = errorStrings(LoadResult{.errors = errors});
  for (const std::string& message : messages) {
    if (message.find(part) != std::string::npos) {
      return testing::AssertionSuccess();
    }
  }
  return testing::AssertionFailure()
         << "no error mentions \"" << part << "\": " << testing::PrintToString(messages);
}

// What a reload reports besides the model and the errors.
struct Outcome {
  bool ok = true;
  bool incremental = true;
  bool changed = true;
  size_t parsed = 0;

  bool operator==(const Outcome&) const = default;
};

void PrintTo(const Outcome& o, std::ostream* os) {
  *os << "{ok=" << o.ok << " incremental=" << o.incremental << " changed=" << o.changed
      << " parsed=" << o.parsed << "}";
}

Outcome outcomeOf(const ReloadResult& r) { return {r.ok(), r.incremental, r.changed, r.parsed}; }

const Outcome kRejected{.ok = false, .incremental = false, .changed = false, .parsed = 1};
const Outcome kNothingChanged{.changed = false};

template <typename T>
std::vector<std::string> namesOf(const std::vector<T>& objects) {
  std::vector<std::string> out;
  for (const T& o : objects) {
    out.push_back(o.name);
  }
  return out;
}

using Names = std::vector<std::string>;

// a.yaml: Service web and its two workloads; b.yaml: Service api and its workload.
class IncrementalLoaderTest : public testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/weir-incremental-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    write("a.yaml", docs({kWebService, kWeb1, kWeb2}));
    write("b.yaml", docs({kApiService, kApi1}));
    loader_ = std::make_unique<IncrementalLoader>(dir_);
    EXPECT_EQ(outcomeOf(reload()), (Outcome{.incremental = false, .parsed = 5}));
    ASSERT_EQ(namesOf(loader_->model().services), (Names{"api", "web"}));
    ASSERT_EQ(namesOf(loader_->model().workloads), (Names{"api-1", "web-1", "web-2"}));
  }

  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name, std::ios::trunc) << text;
  }

  // Writes a hidden temporary file (which loadPath ignores) and renames it over `name`.
  void replace(const std::string& name, const std::string& text) {
    write(".tmp-" + name, text);
    fs::rename(dir_ + "/.tmp-" + name, dir_ + "/" + name);
  }

  void remove(const std::string& name) { fs::remove(dir_ + "/" + name); }

  // Reloads and checks the contract against loadPath on the same directory.
  ReloadResult reload() {
    Model before = loader_->model();
    ReloadResult result = loader_->reload();
    LoadResult full = loadPath(dir_);
    EXPECT_EQ(errorStrings(LoadResult{.errors = result.errors}), errorStrings(full));
    EXPECT_EQ(result.skipped, full.skipped);
    if (full.ok()) {
      EXPECT_EQ(loader_->model(), full.model);
      lastGood_ = full.model;
    } else {
      EXPECT_EQ(loader_->model(), lastGood_) << "a rejected reload must keep the last good model";
      EXPECT_EQ(loader_->model(), before);
    }
    return result;
  }

  std::string dir_;
  std::unique_ptr<IncrementalLoader> loader_;
  Model lastGood_;
};

TEST_F(IncrementalLoaderTest, UnchangedDirectoryParsesNothing) {
  ReloadResult result = reload();
  EXPECT_EQ(outcomeOf(result), kNothingChanged);
  EXPECT_TRUE(result.delta.complete);
  EXPECT_EQ(namesOf(result.delta.services), Names{});
  EXPECT_EQ(namesOf(result.delta.workloads), Names{});
}

TEST_F(IncrementalLoaderTest, EditingOneDocumentParsesOnlyIt) {
  ExternalWorkload before = loader_->model().workloads[2];
  write("a.yaml", docs({kWebService, kWeb1, workload("web-2", "10.244.1.11", "web", 5)}));
  ReloadResult result = reload();
  EXPECT_EQ(outcomeOf(result), (Outcome{.parsed = 1}));
  // The delta: the workload as it was and as it is.
  ExternalWorkload after = before;
  after.weight = 5;
  after.annotations["weir.io/weight"] = "5";
  EXPECT_TRUE(result.delta.complete);
  EXPECT_EQ(result.delta.services, std::vector<Service>{});
  EXPECT_EQ(result.delta.workloads, (std::vector<ExternalWorkload>{before, after}));
}

TEST_F(IncrementalLoaderTest, AddingAFileParsesOnlyIt) {
  write("c.yaml",
        docs({service("db", "10.96.0.30", 5432, "db"), workload("db-1", "10.244.3.10", "db")}));
  ReloadResult result = reload();
  EXPECT_EQ(outcomeOf(result), (Outcome{.parsed = 2}));
  EXPECT_EQ(namesOf(result.delta.services), Names{"db"});
  EXPECT_EQ(namesOf(result.delta.workloads), Names{"db-1"});
}

TEST_F(IncrementalLoaderTest, DeletingAFileParsesNothing) {
  remove("b.yaml");
  ReloadResult result = reload();
  EXPECT_EQ(outcomeOf(result), (Outcome{.parsed = 0}));
  EXPECT_EQ(namesOf(result.delta.services), Names{"api"});
  EXPECT_EQ(namesOf(result.delta.workloads), Names{"api-1"});
}

TEST_F(IncrementalLoaderTest, RenamingAServiceIsAnIncrementalChange) {
  write("a.yaml", docs({service("www", "10.96.0.10", 80, "web"), kWeb1, kWeb2}));
  ReloadResult result = reload();
  EXPECT_EQ(outcomeOf(result), (Outcome{.parsed = 1}));
  EXPECT_EQ(namesOf(result.delta.services), (Names{"web", "www"}));  // as it was, as it is
}

TEST_F(IncrementalLoaderTest, ClashingClusterIPPortIsRejectedThenAcceptedWhenFixed) {
  write("c.yaml", service("other", "10.96.0.10", 80, "other"));
  ReloadResult rejected = reload();
  EXPECT_EQ(outcomeOf(rejected), kRejected);
  EXPECT_TRUE(mentions(rejected.errors, "10.96.0.10:80 already used by Service/web"));

  // Another port of the same clusterIP is allowed.
  write("c.yaml", service("other", "10.96.0.10", 81, "other"));
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.parsed = 1}));
  EXPECT_EQ(loader_->model().services.size(), 3u);
}

// A file added beside the good ones that loadPath rejects: rejected with its errors, the model
// kept; removed again, nothing changed and nothing to parse.
struct RejectCase {
  std::string name;
  std::string text;
  std::string error;  // part of one of the messages
};

class RejectedFileTest : public IncrementalLoaderTest,
                         public testing::WithParamInterface<RejectCase> {};

TEST_P(RejectedFileTest, KeepsTheLastGoodModel) {
  write("c.yaml", GetParam().text);
  ReloadResult rejected = reload();
  EXPECT_EQ(outcomeOf(rejected), kRejected);
  EXPECT_TRUE(mentions(rejected.errors, GetParam().error));
  remove("c.yaml");
  EXPECT_EQ(outcomeOf(reload()), kNothingChanged);
}

INSTANTIATE_TEST_SUITE_P(
    Clashes, RejectedFileTest,
    testing::Values(RejectCase{"ClusterIPPortTaken", service("other", "10.96.0.10", 80, "other"),
                               "10.96.0.10:80 already used by Service/web"},
                    RejectCase{"WorkloadIPTaken", workload("intruder", "10.244.1.10", "web"),
                               "10.244.1.10 already claimed by ExternalWorkload/web-1"},
                    RejectCase{"WorkloadOnClusterIP", workload("intruder", "10.96.0.20", "web"),
                               "is the clusterIP of Service/api"},
                    RejectCase{"ServiceOnWorkloadIP", service("other", "10.244.2.10", 80, "other"),
                               "is a workload IP of ExternalWorkload/api-1"},
                    RejectCase{"ServiceNameTaken", service("web", "10.96.0.99", 80, "web"),
                               "demo/web already defined"},
                    RejectCase{"WorkloadNameTaken", workload("web-1", "10.244.9.9", "web"),
                               "demo/web-1 already defined"},
                    RejectCase{"MalformedYaml", "kind: [\n", "malformed YAML"},
                    RejectCase{"UnknownKind", "apiVersion: v1\nkind: Frob\nmetadata: {name: x}\n",
                               "unknown kind"}),
    CaseName());

// Changes checked against the state after the whole reload, not object by object.
TEST_F(IncrementalLoaderTest, SwappingClusterIPsInOneReloadIsAccepted) {
  write("a.yaml", docs({service("web", "10.96.0.20", 80, "web"), kWeb1, kWeb2}));
  write("b.yaml", docs({service("api", "10.96.0.10", 80, "api"), kApi1}));
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.parsed = 2}));
}

TEST_F(IncrementalLoaderTest, MovingAnIPBetweenWorkloadsInOneReloadIsAccepted) {
  write("a.yaml", docs({kWebService, kWeb1, workload("web-2", "10.244.1.12", "web")}));
  write("b.yaml", docs({kApiService, workload("api-1", "10.244.1.11", "api")}));
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.parsed = 2}));
}

TEST_F(IncrementalLoaderTest, MovingAnObjectToAnotherFileIsAccepted) {
  write("a.yaml", docs({kWebService, kWeb1}));
  write("b.yaml", docs({kApiService, kApi1, kWeb2}));
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.parsed = 1}));  // changed: web-2's source
}

TEST_F(IncrementalLoaderTest, MalformedDocumentIsRejectedThenAcceptedWhenFixed) {
  std::string broken = kWeb2;
  broken.replace(broken.find("labels: {app: web}"), 18, "labels: {app: web");
  write("a.yaml", docs({kWebService, kWeb1, broken}));
  ReloadResult rejected = reload();
  EXPECT_EQ(outcomeOf(rejected), kRejected);
  EXPECT_TRUE(mentions(rejected.errors, "malformed YAML"));

  write("a.yaml", docs({kWebService, kWeb1, workload("web-2", "10.244.1.11", "web", 7)}));
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.parsed = 1}));
}

TEST_F(IncrementalLoaderTest, DocumentErrorThenUnrelatedEditStaysRejected) {
  write("c.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: bad, namespace: demo}\n"
        "spec: {ports: [{port: 70000}]}\n");
  EXPECT_EQ(outcomeOf(reload()), kRejected);
  write("a.yaml", docs({kWebService, kWeb1, workload("web-2", "10.244.1.11", "web", 2)}));
  EXPECT_EQ(outcomeOf(reload()), kRejected);
  remove("c.yaml");
  // web-2's weight, held back while c.yaml was bad, arrives.
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.parsed = 0}));
}

TEST_F(IncrementalLoaderTest, DocumentMovedToAnotherLineIsParsedAgain) {
  // web-1 and web-2 have as many lines each: swapped, each keeps its text but not its line.
  write("a.yaml", docs({kWebService, kWeb2, kWeb1}));
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.parsed = 2}));  // changed: their sources' lines
}

TEST_F(IncrementalLoaderTest, LinesAddedAboveMoveEveryLaterDocument) {
  write("a.yaml", "# header\n# more\n" + docs({kWebService, kWeb1, kWeb2}));
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.parsed = 3}));
  EXPECT_EQ(loader_->model().services[1].src.line, 3);  // web, under the two comment lines
}

TEST_F(IncrementalLoaderTest, FileReplacedByRenameIntoPlace) {
  replace("b.yaml", docs({service("api", "10.96.0.20", 8080, "api"), kApi1}));
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.parsed = 1}));
  EXPECT_EQ(loader_->model().services[0].ports[0].port, 8080);
}

TEST_F(IncrementalLoaderTest, SkippedKindsAreReportedLikeLoadPath) {
  write("c.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\n" +
                      workload("db-1", "10.244.3.10", "db"));
  ReloadResult result = reload();
  EXPECT_EQ(outcomeOf(result), (Outcome{.parsed = 2}));
  EXPECT_EQ(result.skipped.size(), 1u);
}

TEST_F(IncrementalLoaderTest, EmptyAndDeletedDirectory) {
  remove("a.yaml");
  remove("b.yaml");
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.parsed = 0}));
  EXPECT_EQ(loader_->model(), Model{});
  write("a.yaml", docs({kWebService, kWeb1, kWeb2}));
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.parsed = 3}));
}

TEST_F(IncrementalLoaderTest, UnreadableFileIsRejectedLikeLoadPath) {
  fs::create_symlink(dir_ + "/missing", dir_ + "/z.yaml");
  ReloadResult rejected = reload();
  EXPECT_EQ(outcomeOf(rejected), (Outcome{.ok = false, .incremental = false, .changed = false}));
  EXPECT_TRUE(mentions(rejected.errors, "z.yaml"));
  remove("z.yaml");
  EXPECT_EQ(outcomeOf(reload()), kNothingChanged);
}

TEST_F(IncrementalLoaderTest, DirectoryRemovedAndRestored) {
  fs::remove_all(dir_);
  EXPECT_FALSE(reload().ok());
  fs::create_directory(dir_);
  write("a.yaml", docs({kWebService, kWeb1, kWeb2}));
  write("b.yaml", docs({kApiService, kApi1}));
  EXPECT_TRUE(reload().ok());
}

TEST_F(IncrementalLoaderTest, FollowsASingleFile) {
  IncrementalLoader single(dir_ + "/b.yaml");
  ASSERT_TRUE(single.reload().ok());
  EXPECT_EQ(single.model(), loadPath(dir_ + "/b.yaml").model);
  write("b.yaml", docs({kApiService, workload("api-1", "10.244.2.10", "api", 3)}));
  EXPECT_EQ(outcomeOf(single.reload()), (Outcome{.parsed = 1}));
  EXPECT_EQ(single.model(), loadPath(dir_ + "/b.yaml").model);
}

// Generated edits over a few names and addresses, so that names, workload IPs and
// clusterIP:ports clash now and then: every reload must still be loadPath's.
struct GeneratedObject {
  bool present = true;
  bool isService = false;
  int name = 0;  // of a small pool per kind
  int ip = 1;    // 10.0.0.<ip>, shared by services and workloads
  int port = 80;
  int file = 0;  // g0.yaml .. g2.yaml
  bool broken = false;
};

class IncrementalLoaderGeneratedTest : public IncrementalLoaderTest,
                                       public testing::WithParamInterface<unsigned> {
 protected:
  void render(const std::vector<GeneratedObject>& objects) {
    for (int f = 0; f < 3; ++f) {
      std::vector<std::string> pieces;
      for (const GeneratedObject& o : objects) {
        if (!o.present || o.file != f) {
          continue;
        }
        std::string ip = "10.0.0." + std::to_string(o.ip);
        std::string name = (o.isService ? "s" : "w") + std::to_string(o.name);
        pieces.push_back(o.broken      ? std::string("kind: [\n")
                         : o.isService ? service(name, ip, o.port, "g")
                                       : workload(name, ip, "g", o.port));
      }
      write("g" + std::to_string(f) + ".yaml", docs(pieces));
    }
  }
};

TEST_P(IncrementalLoaderGeneratedTest, EveryReloadIsLoadPaths) {
  std::mt19937 rng(GetParam());
  std::vector<GeneratedObject> objects;
  for (int i = 0; i < 7; ++i) {
    objects.push_back({true, i < 3, i, 1 + i, 80, i % 3, false});
  }
  int rejected = 0;
  int incremental = 0;
  for (int step = 0; step < 40; ++step) {
    for (GeneratedObject& o : objects) {
      o.broken = o.broken && rng() % 2 == 0;
    }
    for (int edits = 1 + static_cast<int>(rng() % 2); edits > 0; --edits) {
      GeneratedObject& o = objects[rng() % objects.size()];
      switch (rng() % 7) {
        case 0:
          o.present = !o.present;
          break;
        case 1:
          o.name = static_cast<int>(rng() % 4);
          break;
        case 2:
          o.ip = 1 + static_cast<int>(rng() % 9);
          break;
        case 3:
          o.port = o.port == 80 ? 81 : 80;
          break;  // a workload's weight
        case 4:
          o.file = static_cast<int>(rng() % 3);
          break;
        case 5:
          o.broken = rng() % 3 == 0;
          break;
        default:
          std::swap(o, objects[rng() % objects.size()]);
          break;  // document order
      }
    }
    render(objects);
    Model before = loader_->model();
    ReloadResult result = reload();
    if (!result.changed) {
      EXPECT_EQ(loader_->model(), before) << "step " << step;
    }
    rejected += result.ok() ? 0 : 1;
    incremental += result.incremental ? 1 : 0;
    if (HasFailure()) {
      FAIL() << "seed " << GetParam() << " step " << step;
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(incremental, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, IncrementalLoaderGeneratedTest, testing::Range(1u, 9u));

// `changed` promises that the model differs; an edit that changes no object (a comment, a
// restored file) leaves it the same.
TEST_F(IncrementalLoaderTest, CommentOnlyEditDoesNotChangeTheModel) {
  std::string commented = kWeb1;
  commented.replace(commented.find("kind: ExternalWorkload"), 22, "kind: ExternalWorkload  # x");
  write("a.yaml", docs({kWebService, commented, kWeb2}));
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.changed = false, .parsed = 1}));
}

// a.yaml's third document is made malformed (rejected), then restored to the text of the last
// good model: web-2 is parsed again, and the model is the one before.
TEST_F(IncrementalLoaderTest, RestoringAfterARejectedEditDoesNotChangeTheModel) {
  write("a.yaml", docs({kWebService, kWeb1, "kind: [\n"}));
  EXPECT_EQ(outcomeOf(reload()), kRejected);
  write("a.yaml", docs({kWebService, kWeb1, kWeb2}));
  EXPECT_EQ(outcomeOf(reload()), (Outcome{.changed = false, .parsed = 1}));
}

}  // namespace
}  // namespace weir::config
