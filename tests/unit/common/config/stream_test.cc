// Multi-document streams: where one document ends, and what a malformed one costs.

#include <gtest/gtest.h>

#include "common/config/loader.h"
#include "tests/unit/common/config/test_util.h"

namespace weir::config {
namespace {

struct StreamCase {
  std::string name;
  std::string yaml;
  std::vector<std::string> services;  // "ns/name@line", in model order
  std::vector<std::string> errors;
};

std::vector<StreamCase> streamCases() {
  return {
      {"MalformedDocumentCostsOnlyItself",
       "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n"
       "---\n"
       "apiVersion: v1\nkind: Service\nmetadata: {name: b\n"
       "---\n"
       "apiVersion: v1\nkind: Service\nmetadata: {name: c}\n",
       {"default/a@1", "default/c@9"},
       {"s.yaml:8: malformed YAML: end of map flow not found"}},
      // yaml-cpp 0.7's LoadAll allocates without end on this (jbeder/yaml-cpp#1319); YAML::Load
      // returns an empty document for it without a word.
      {"TextYamlCppSilentlyDrops",
       ",\"a\n",
       {},
       {"s.yaml:1: malformed YAML: no document could be read"}},
      {"CrLfLineEnds",
       "apiVersion: v1\r\nkind: Service\r\nmetadata: {name: a}\r\n---\r\n"
       "apiVersion: v1\r\nkind: Service\r\nmetadata: {name: b}\r\n",
       {"default/a@1", "default/b@5"},
       {}},
      {"ContentOnTheMarkerLine",
       "--- {apiVersion: v1, kind: Service, metadata: {name: a}}\n"
       "--- # a comment\n"
       "{apiVersion: v1, kind: Service, metadata: {name: b}}\n",
       {"default/a@1", "default/b@3"},
       {}},
      {"DocumentEndMarker",
       "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n...\n"
       "apiVersion: v1\nkind: Service\nmetadata: {name: b}\n",
       {"default/a@1", "default/b@5"},
       {}},
      {"DashesInsideAnIndentedBlockScalarDoNotSplit",
       "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  annotations:\n"
       "    note: |\n      ---\n      not a marker\n",
       {"default/a@1"},
       {}},
  };
}

class StreamTest : public testing::TestWithParam<StreamCase> {};

TEST_P(StreamTest, SplitsIntoDocuments) {
  const StreamCase& c = GetParam();
  LoadResult result = parseText(c.yaml, "s.yaml");
  EXPECT_EQ(errorStrings(result), c.errors);
  std::vector<std::string> services;
  for (const Service& s : result.model.services) {
    services.push_back(s.ns + "/" + s.name + "@" + std::to_string(s.src.line));
  }
  EXPECT_EQ(services, c.services);
}

INSTANTIATE_TEST_SUITE_P(Streams, StreamTest, testing::ValuesIn(streamCases()), CaseName());

}  // namespace
}  // namespace weir::config
