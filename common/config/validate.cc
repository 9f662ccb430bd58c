#include "common/config/validate.h"

#include <algorithm>
#include <tuple>

#include "common/config/ipv4.h"

namespace weir::config {

namespace {

// "file:line"
std::string where(const SourceRef& at) {
  return at.line > 0 ? at.file + ":" + std::to_string(at.line) : at.file;
}

// "Service/other (file:line)"
std::string ref(const std::string& object, const SourceRef& at) {
  return object + " (" + where(at) + ")";
}

template <typename T>
void sortByNsName(std::vector<T>& objects) {
  std::sort(objects.begin(), objects.end(),
            [](const T& a, const T& b) { return std::tie(a.ns, a.name) < std::tie(b.ns, b.name); });
}

}  // namespace

void ModelBuilder::add(ParsedService parsed, std::vector<Diagnostic>& errors) {
  Service& svc = parsed.service;
  const std::string object = "Service/" + svc.name;
  size_t before = errors.size();
  auto fail = [&](SourceRef at, std::string field, std::string reason) {
    errors.push_back(Diagnostic{std::move(at), object, std::move(field), std::move(reason)});
  };

  NsName key{svc.ns, svc.name};
  if (auto it = serviceNames_.find(key); it != serviceNames_.end()) {
    fail(parsed.nameAt, "metadata.name",
         svc.ns + "/" + svc.name + " already defined (" + where(it->second.at) + ")");
  }
  if (svc.clusterIP != 0) {
    std::string ip = formatIPv4(svc.clusterIP);
    for (const ServicePort& port : svc.ports) {
      auto it = servicePorts_.find({svc.clusterIP, port.port});
      if (it != servicePorts_.end()) {
        fail(parsed.clusterIPAt, "spec.clusterIP",
             ip + ":" + std::to_string(port.port) + " already used by " +
                 ref(it->second.object, it->second.at));
      }
    }
    if (auto it = workloadIPs_.find(svc.clusterIP); it != workloadIPs_.end()) {
      fail(parsed.clusterIPAt, "spec.clusterIP",
           ip + " is a workload IP of " + ref(it->second.object, it->second.at));
    }
  }
  if (errors.size() != before) {
    return;
  }

  serviceNames_.emplace(key, Owner{object, parsed.nameAt});
  if (svc.clusterIP != 0) {
    clusterIPs_.emplace(svc.clusterIP, Owner{object, parsed.clusterIPAt});
    for (const ServicePort& port : svc.ports) {
      servicePorts_.emplace(std::pair(svc.clusterIP, port.port), Owner{object, parsed.clusterIPAt});
    }
  }
  model_.services.push_back(std::move(svc));
}

void ModelBuilder::add(ParsedWorkload parsed, std::vector<Diagnostic>& errors) {
  ExternalWorkload& wl = parsed.workload;
  const std::string object = "ExternalWorkload/" + wl.name;
  size_t before = errors.size();
  auto fail = [&](SourceRef at, std::string field, std::string reason) {
    errors.push_back(Diagnostic{std::move(at), object, std::move(field), std::move(reason)});
  };

  NsName key{wl.ns, wl.name};
  if (auto it = workloadNames_.find(key); it != workloadNames_.end()) {
    fail(parsed.nameAt, "metadata.name",
         wl.ns + "/" + wl.name + " already defined (" + where(it->second.at) + ")");
  }
  for (size_t i = 0; i < wl.ips.size(); ++i) {
    std::string field = "spec.workloadIPs[" + std::to_string(i) + "].ip";
    std::string ip = formatIPv4(wl.ips[i]);
    if (auto it = workloadIPs_.find(wl.ips[i]); it != workloadIPs_.end()) {
      fail(parsed.ipAt[i], field,
           ip + " already claimed by " + ref(it->second.object, it->second.at));
    }
    if (auto it = clusterIPs_.find(wl.ips[i]); it != clusterIPs_.end()) {
      fail(parsed.ipAt[i], field,
           ip + " is the clusterIP of " + ref(it->second.object, it->second.at));
    }
  }
  if (errors.size() != before) {
    return;
  }

  workloadNames_.emplace(key, Owner{object, parsed.nameAt});
  for (size_t i = 0; i < wl.ips.size(); ++i) {
    workloadIPs_.emplace(wl.ips[i], Owner{object, parsed.ipAt[i]});
  }
  model_.workloads.push_back(std::move(wl));
}

Model ModelBuilder::finish() && {
  sortByNsName(model_.services);
  sortByNsName(model_.workloads);
  return std::move(model_);
}

}  // namespace weir::config
