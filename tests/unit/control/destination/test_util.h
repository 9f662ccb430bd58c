#pragma once

// Helpers of the Destination and Policy tests: models from YAML text, expected messages from
// protobuf text format, exact comparison with a readable difference.

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/config/loader.h"

namespace weir::control::testing {

inline std::shared_ptr<const config::Model> loadModel(std::string_view yaml) {
  config::LoadResult loaded = config::parseText(yaml, "test.yaml");
  EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].str());
  return std::make_shared<const config::Model>(std::move(loaded.model));
}

// An ExternalWorkload document (preceded by "---") with a Linkerd-form identity of service
// account `sa`; `ports` and `annotations` in flow YAML.
inline std::string workloadDoc(const std::string& ns, const std::string& name,
                               const std::string& app, const std::string& sa, const std::string& ip,
                               const std::string& ports, const std::string& annotations = "{}") {
  return "---\napiVersion: workload.linkerd.io/v1beta1\nkind: ExternalWorkload\nmetadata:\n"
         "  name: " +
         name + "\n  namespace: " + ns + "\n  labels: {app: " + app +
         "}\n  annotations: " + annotations + "\nspec:\n  meshTLS:\n    identity: " + sa + "." +
         ns + ".serviceaccount.identity.linkerd.cluster.local\n    serverName: " + name + "." + ns +
         ".external.identity.linkerd.cluster.local\n  workloadIPs: [{ip: " + ip +
         "}]\n  ports: " + ports + "\n";
}

// `yaml` without the documents naming `name` (documents separated by "---" lines).
inline std::string without(const std::string& yaml, const std::string& name) {
  std::string out;
  size_t start = 0;
  while (start < yaml.size()) {
    size_t end = yaml.find("\n---\n", start);
    end = end == std::string::npos ? yaml.size() : end + 1;
    std::string doc = yaml.substr(start, end - start);
    if (doc.find("name: " + name + "\n") == std::string::npos) {
      out += doc;
    }
    start = end;
  }
  return out;
}

// `text` with the first `from` replaced by `to`.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) {
    text.replace(at, from.size(), to);
  }
  return text;
}

template <typename Message>
Message textProto(const std::string& text) {
  Message out;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &out)) << text;
  return out;
}

template <typename Message>
::testing::AssertionResult protoEq(const Message& expected, const Message& actual) {
  google::protobuf::util::MessageDifferencer differencer;
  std::string report;
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(expected, actual)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << report << "actual:\n" << actual.DebugString();
}

}  // namespace weir::control::testing

#define EXPECT_PROTO_EQ(expected, actual) \
  EXPECT_TRUE(::weir::control::testing::protoEq((expected), (actual)))
