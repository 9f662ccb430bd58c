// Destination.Get compiled from YAML models: which endpoints an authority has (the kernel's
// selection), what each says about itself, and the exact messages a subscriber gets first and
// when a version changes.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "control/destination/endpoints.h"
#include "tests/unit/control/destination/emojivoto.h"
#include "tests/unit/control/destination/test_util.h"

namespace weir::control::destination {
namespace {

using testing::kEmojivoto;
using testing::loadModel;
using testing::textProto;
using testing::without;

EndpointView resolve(const std::string& yaml, const char* authority) {
  Catalog catalog(loadModel(yaml));
  return resolveEndpoints(catalog, parseAuthority(authority, "cluster.local").value());
}

// One emojivoto endpoint in text format.
std::string endpoint(const std::string& name, const char* ip, int port, int weight,
                     const std::string& sa, const char* node, const char* hint) {
  return "addr { ip { ipv4: " + std::string(ip) + " } port: " + std::to_string(port) +
         " } weight: " + std::to_string(weight) +
         " metric_labels { key: 'external_workload' value: '" + name + "' }" +
         " metric_labels { key: 'serviceaccount' value: '" + sa + "' }" +
         " tls_identity { name: '" + sa +
         ".emojivoto.serviceaccount.identity.linkerd.cluster.local'" + " server_name: '" + name +
         ".emojivoto.external.identity.linkerd.cluster.local' }" +
         " protocol_hint { protocol: " + hint + " }" +
         " workload { kind: 'ExternalWorkload' namespace: 'emojivoto' name: '" + name + "' }" +
         " node: '" + node + "'";
}

const std::string kWeb1 =
    endpoint("web-1", "0x0A00010A", 8080, 1, "web", "node-a", "PROTOCOL_HTTP2");
const std::string kWeb2 =
    endpoint("web-2", "0x0A00020A", 8081, 3, "web", "node-b", "PROTOCOL_HTTP2");
const std::string kWebLabels =
    "metric_labels { key: 'namespace' value: 'emojivoto' }"
    " metric_labels { key: 'service' value: 'web-svc' }";

// A third web workload, as a later version adds it.
const std::string kWeb3Doc =
    testing::workloadDoc("emojivoto", "web-3", "web-svc", "web", "10.0.2.11",
                         "[{name: http, port: 8080}]", "{weir.io/node: node-b}");

TEST(EndpointsTest, FirstMessageHasEveryEndpointInSlotOrder) {
  EndpointView view = resolve(kEmojivoto, "web-svc.emojivoto.svc.cluster.local:80");
  EXPECT_TRUE(view.exists);
  EXPECT_PROTO_EQ(textProto<v1::Update>("add { endpoints { " + kWeb1 + " } endpoints { " + kWeb2 +
                                        " } " + kWebLabels + " }"),
                  firstUpdate(view));
}

TEST(EndpointsTest, VipAndShortNamesResolveToTheSamePort) {
  EndpointView byName = resolve(kEmojivoto, "web-svc.emojivoto.svc.cluster.local:80");
  for (const char* authority : {"10.96.0.10:80", "web-svc.emojivoto:80", "web-svc.emojivoto.svc"}) {
    EXPECT_PROTO_EQ(firstUpdate(byName), firstUpdate(resolve(kEmojivoto, authority))) << authority;
  }
}

TEST(EndpointsTest, OpaquePortsHintOpaque) {
  // The Service's annotation (the kernel's rule) and the workload's own, by port name.
  EXPECT_PROTO_EQ(textProto<v1::Update>("add { endpoints { " +
                                        endpoint("voting-1", "0x0A00021E", 8080, 1, "voting",
                                                 "node-b", "PROTOCOL_OPAQUE") +
                                        " } metric_labels { key: 'namespace' value: 'emojivoto' }"
                                        " metric_labels { key: 'service' value: 'voting-svc' } }"),
                  firstUpdate(resolve(kEmojivoto, "voting-svc.emojivoto:8080")));
  EndpointView prom = resolve(kEmojivoto, "emoji-svc.emojivoto:8801");
  ASSERT_EQ(prom.endpoints.size(), 1u);
  EXPECT_EQ(prom.endpoints.begin()->second.protocol_hint().protocol(),
            v1::ProtocolHint::PROTOCOL_OPAQUE);
  EndpointView grpc = resolve(kEmojivoto, "emoji-svc.emojivoto:8080");
  ASSERT_EQ(grpc.endpoints.size(), 1u);
  EXPECT_EQ(grpc.endpoints.begin()->second.protocol_hint().protocol(),
            v1::ProtocolHint::PROTOCOL_HTTP2);
}

TEST(EndpointsTest, ServerWithOpaqueProtocolHintsOpaque) {
  EndpointView view = resolve(std::string(kEmojivoto) + R"(---
apiVersion: policy.linkerd.io/v1beta1
kind: Server
metadata: {name: emoji-grpc, namespace: emojivoto}
spec:
  podSelector: {matchLabels: {app: emoji-svc}}
  port: grpc
  proxyProtocol: opaque
)",
                              "emoji-svc.emojivoto:8080");
  ASSERT_EQ(view.endpoints.size(), 1u);
  EXPECT_EQ(view.endpoints.begin()->second.protocol_hint().protocol(),
            v1::ProtocolHint::PROTOCOL_OPAQUE);
}

TEST(EndpointsTest, UnknownAuthorities) {
  // Linkerd's Destination API: the client may fall back to the original destination.
  const v1::Update unknown = textProto<v1::Update>("no_endpoints { exists: false }");
  for (const char* authority : {"nope.emojivoto:80", "web-svc.emojivoto:81", "10.96.0.10:81",
                                "10.0.1.10:8080", "api.example.co.uk:443", "[fd00::1]:80"}) {
    EndpointView view = resolve(kEmojivoto, authority);
    EXPECT_FALSE(view.exists) << authority;
    EXPECT_PROTO_EQ(unknown, firstUpdate(view)) << authority;
  }
}

TEST(EndpointsTest, ServiceWithoutEndpointsExists) {
  EndpointView view = resolve(without(kEmojivoto, "voting-1"), "voting-svc.emojivoto:8080");
  EXPECT_TRUE(view.exists);
  EXPECT_PROTO_EQ(textProto<v1::Update>("no_endpoints { exists: true }"), firstUpdate(view));
}

TEST(EndpointsTest, ChangesAddBeforeRemove) {
  EndpointView before = resolve(kEmojivoto, "web-svc.emojivoto:80");
  EndpointView after = resolve(without(kEmojivoto, "web-2") + kWeb3Doc, "web-svc.emojivoto:80");
  std::vector<v1::Update> updates = changes(before, after);
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_PROTO_EQ(textProto<v1::Update>(
                      "add { endpoints { " +
                      endpoint("web-3", "0x0A00020B", 8080, 1, "web", "node-b", "PROTOCOL_HTTP2") +
                      " } " + kWebLabels + " }"),
                  updates[0]);
  EXPECT_PROTO_EQ(textProto<v1::Update>("remove { addrs { ip { ipv4: 0x0A00020A } port: 8081 } }"),
                  updates[1]);
}

TEST(EndpointsTest, ChangedEndpointIsAddedAgain) {
  std::string heavier =
      testing::replaced(kEmojivoto, "weir.io/weight: \"3\"", "weir.io/weight: \"5\"");
  std::vector<v1::Update> updates = changes(resolve(kEmojivoto, "web-svc.emojivoto:80"),
                                            resolve(heavier, "web-svc.emojivoto:80"));
  ASSERT_EQ(updates.size(), 1u);
  std::string web2 = testing::replaced(kWeb2, "weight: 3", "weight: 5");
  EXPECT_PROTO_EQ(textProto<v1::Update>("add { endpoints { " + web2 + " } " + kWebLabels + " }"),
                  updates[0]);
}

TEST(EndpointsTest, ExistenceTransitions) {
  EndpointView full = resolve(kEmojivoto, "voting-svc.emojivoto:8080");
  EndpointView empty = resolve(without(kEmojivoto, "voting-1"), "voting-svc.emojivoto:8080");
  EndpointView gone = resolve(without(kEmojivoto, "voting-svc"), "voting-svc.emojivoto:8080");

  EXPECT_TRUE(changes(full, full).empty());
  // Removing the last endpoint says so with a remove (the same as no_endpoints{exists: true}).
  std::vector<v1::Update> drained = changes(full, empty);
  ASSERT_EQ(drained.size(), 1u);
  EXPECT_PROTO_EQ(textProto<v1::Update>("remove { addrs { ip { ipv4: 0x0A00021E } port: 8080 } }"),
                  drained[0]);
  std::vector<v1::Update> deleted = changes(full, gone);
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_PROTO_EQ(textProto<v1::Update>("no_endpoints { exists: false }"), deleted[0]);
  std::vector<v1::Update> created = changes(gone, empty);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_PROTO_EQ(textProto<v1::Update>("no_endpoints { exists: true }"), created[0]);
  std::vector<v1::Update> filled = changes(gone, full);
  ASSERT_EQ(filled.size(), 1u);
  EXPECT_PROTO_EQ(firstUpdate(full), filled[0]);
  EXPECT_TRUE(changes(gone, gone).empty());
}

}  // namespace
}  // namespace weir::control::destination
