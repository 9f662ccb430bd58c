// Linkerd's ServerAuthorization (policy.linkerd.io/v1beta1), with the checks of Linkerd's
// admission webhook and policy index. The Server it names need not exist: Linkerd allows that,
// and the authorization applies once the Server appears.

#include <utility>

#include "common/config/fields.h"
#include "common/config/parse.h"
#include "common/config/values.h"

namespace weir::config {

namespace {

void readServer(Document& doc, const YAML::Node& spec, ServerAuthorization& out) {
  YAML::Node server = child(spec, "server");
  if (!present(server)) {
    doc.fail(spec, "spec.server", "required");
    return;
  }
  if (!expectMap(doc, server, "spec.server")) {
    return;
  }
  YAML::Node name = child(server, "name");
  YAML::Node selector = child(server, "selector");
  if (present(name) && present(selector)) {
    doc.fail(selector, "spec.server.selector", "must not be set with spec.server.name");
  } else if (readString(doc, name, "spec.server.name", out.server)) {
    if (!isDnsLabel(out.server)) {
      doc.fail(name, "spec.server.name", dnsLabelReason(out.server));
    }
  } else if (present(selector)) {
    LabelSelector sel;
    readLabelSelector(doc, selector, "spec.server.selector", sel);
    out.serverSelector = std::move(sel);
  } else if (!present(name)) {
    doc.fail(server, "spec.server", "must set name or selector");
  }
}

void readServiceAccounts(Document& doc, const YAML::Node& meshTLS, ServerAuthorization& out) {
  YAML::Node list = child(meshTLS, "serviceAccounts");
  if (!readList(doc, list, "spec.client.meshTLS.serviceAccounts")) {
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string field = indexed("spec.client.meshTLS.serviceAccounts", i);
    ServiceAccountRef sa{out.ns, ""};
    if (!expectMap(doc, list[i], field)) {
      continue;
    }
    YAML::Node name = child(list[i], "name");
    if (requireString(doc, list[i], "name", field + ".name", sa.name) && !isDnsLabel(sa.name)) {
      doc.fail(name, field + ".name", dnsLabelReason(sa.name));
    }
    YAML::Node ns = child(list[i], "namespace");
    if (readString(doc, ns, field + ".namespace", sa.ns)) {
      if (sa.ns.empty()) {
        sa.ns = out.ns;
      } else if (!isDnsLabel(sa.ns)) {
        doc.fail(ns, field + ".namespace", dnsLabelReason(sa.ns));
      }
    }
    out.serviceAccounts.push_back(std::move(sa));
  }
}

void readMeshTLS(Document& doc, const YAML::Node& meshTLS, ServerAuthorization& out) {
  int before = doc.failures();
  YAML::Node unauthenticatedTLS = child(meshTLS, "unauthenticatedTLS");
  readBool(doc, unauthenticatedTLS, "spec.client.meshTLS.unauthenticatedTLS",
           out.unauthenticatedTLS);
  YAML::Node identities = child(meshTLS, "identities");
  if (readStringList(doc, identities, "spec.client.meshTLS.identities", out.identities)) {
    for (size_t i = 0; i < out.identities.size(); ++i) {
      if (auto reason = checkIdentity(out.identities[i])) {
        doc.fail(identities[i], indexed("spec.client.meshTLS.identities", i), *reason);
      }
    }
  }
  readServiceAccounts(doc, meshTLS, out);
  bool anyClient = !out.identities.empty() || !out.serviceAccounts.empty();
  if (out.unauthenticatedTLS && anyClient) {
    doc.fail(unauthenticatedTLS, "spec.client.meshTLS.unauthenticatedTLS",
             "must be false when identities or serviceAccounts are set");
  } else if (!out.unauthenticatedTLS && !anyClient && doc.failures() == before) {
    doc.fail(meshTLS, "spec.client.meshTLS",
             "must set unauthenticatedTLS, identities or serviceAccounts (authorizes no clients)");
  }
}

void readClient(Document& doc, const YAML::Node& spec, ServerAuthorization& out) {
  int before = doc.failures();
  YAML::Node client = child(spec, "client");
  if (!present(client)) {
    doc.fail(spec, "spec.client", "required");
    return;
  }
  if (!expectMap(doc, client, "spec.client")) {
    return;
  }
  readNetworks(doc, child(client, "networks"), "spec.client.networks", out.networks);
  YAML::Node unauthenticated = child(client, "unauthenticated");
  readBool(doc, unauthenticated, "spec.client.unauthenticated", out.unauthenticated);
  YAML::Node meshTLS = child(client, "meshTLS");
  if (out.unauthenticated && present(meshTLS)) {
    doc.fail(unauthenticated, "spec.client.unauthenticated",
             "must be false when spec.client.meshTLS is set");
  } else if (readMap(doc, meshTLS, "spec.client.meshTLS")) {
    readMeshTLS(doc, meshTLS, out);
  } else if (!out.unauthenticated && !present(meshTLS) && doc.failures() == before) {
    doc.fail(client, "spec.client", "must set unauthenticated or meshTLS");
  }
}

}  // namespace

std::optional<Parsed<ServerAuthorization>> parseServerAuthorization(Document& doc) {
  Parsed<ServerAuthorization> out;
  ServerAuthorization& authz = out.object;
  std::optional<YAML::Node> found = readObjectAndSpec(doc, out);
  if (!found) {
    return std::nullopt;
  }
  YAML::Node spec = *found;
  readServer(doc, spec, authz);
  readClient(doc, spec, authz);
  if (!doc.clean()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace weir::config
