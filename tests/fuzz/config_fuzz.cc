// libFuzzer target: bytes -> weir::config::parseText, the reader of every config file the agent
// and the CLI load, and parseObject, the reader of every object the Kubernetes source watches.
// Besides ASan/UBSan findings and escaping exceptions ("nothing here throws", loader.h), it checks
// what loader.h, objects.h and model.h promise about the result.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>

#include "common/config/loader.h"
#include "common/config/objects.h"
#include "tests/fuzz/check.h"

namespace {

using weir::fuzz::check;

constexpr const char* kFile = "fuzz.yaml";
constexpr const char* kSource = "kubernetes:Pod/fuzz/object";

// Sorted by (ns, name) and, in a load without errors, unique.
template <typename T>
void checkOrder(const std::vector<T>& objects, bool unique, const char* what) {
  for (size_t i = 1; i < objects.size(); ++i) {
    auto prev = std::tie(objects[i - 1].ns, objects[i - 1].name);
    auto cur = std::tie(objects[i].ns, objects[i].name);
    check(unique ? prev < cur : prev <= cur, what);
  }
}

// The same bytes as one object from the Kubernetes source (objects.h), pods read: diagnostics
// name the source without a line, and pods come out as the model says.
void checkObject(std::string_view text) {
  weir::config::LoadResult result = weir::config::buildModel(
      {weir::config::parseObject(kSource, text, weir::config::ObjectOptions{.pods = true})});
  for (const weir::config::Diagnostic& d : result.errors) {
    check(d.src.file == kSource && d.src.line == 0, "an object diagnostic with a file:line");
    check(!d.reason.empty(), "an object diagnostic without a reason");
  }
  if (!result.ok()) {
    return;
  }
  for (const weir::config::ExternalWorkload& w : result.model.workloads) {
    check(w.src.file == kSource && w.src.line == 0, "an object with a file:line");
    check(!w.ips.empty(), "a workload without an address");
    if (w.podUid.empty()) {
      continue;
    }
    check(w.cgroup.empty(), "a pod placed by cgroup");
    check(!w.serviceAccount.empty(), "a pod without a service account");
    check(w.meshed == !w.identity.empty(), "a pod's identity disagrees with its mesh state");
    for (const weir::config::WorkloadPort& p : w.ports) {
      check(p.port != 0, "a pod port 0");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  weir::config::LoadResult result = weir::config::parseText(text, kFile);

  for (const weir::config::Diagnostic& d : result.errors) {
    check(d.src.file == kFile, "a diagnostic names another file");
    check(d.src.line >= 0, "a diagnostic has a negative line");
    check(!d.reason.empty(), "a diagnostic without a reason");
    check(d.str().starts_with(kFile), "Diagnostic::str() does not start with the file");
  }
  for (const std::string& s : result.skipped) {
    check(s.starts_with(kFile), "a skipped entry does not start with the file");
  }

  const weir::config::Model& model = result.model;
  checkOrder(model.services, result.ok(), "services not sorted by (ns, name)");
  checkOrder(model.workloads, result.ok(), "workloads not sorted by (ns, name)");
  if (!result.ok()) {
    return 0;
  }
  for (const weir::config::Service& s : model.services) {
    check(!s.name.empty(), "a Service without a name");
    check(s.src.file == kFile, "a Service from another file");
    for (const weir::config::ServicePort& p : s.ports) {
      check(p.port != 0, "a service port 0");
      check(p.protocol == "TCP" || p.protocol == "UDP" || p.protocol == "SCTP",
            "a service port with an unknown protocol");
      check(p.targetPort == 0 || p.targetPortName.empty(),
            "a targetPort with both a number and a name");
    }
  }
  for (const weir::config::ExternalWorkload& w : model.workloads) {
    check(!w.name.empty(), "an ExternalWorkload without a name");
    check(w.src.file == kFile, "an ExternalWorkload from another file");
    check(w.weight >= 1 && w.weight <= 1000000, "a weight outside 1..1000000");
    for (const weir::config::WorkloadPort& p : w.ports) {
      check(p.port != 0, "a workload port 0");
      check(p.protocol == "TCP" || p.protocol == "UDP", "a workload port with an unknown protocol");
    }
  }
  checkObject(text);
  return 0;
}
