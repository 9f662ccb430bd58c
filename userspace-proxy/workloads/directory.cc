#include "userspace-proxy/workloads/directory.h"

#include <arpa/inet.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/base/log.h"

namespace weir::proxy::workloads {

namespace {
// "<sa>.<ns>.serviceaccount.identity..." -> "<sa>".
std::string serviceAccountOf(const std::string& identity) {
  size_t dot = identity.find('.');
  return dot == std::string::npos ? std::string() : identity.substr(0, dot);
}
}  // namespace

Result<std::shared_ptr<const Table>> parseDirectory(std::string_view text) {
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("workloads") ||
      !doc["workloads"].is_array()) {
    return plainError("not a workload directory (expected {\"workloads\": [...]})");
  }
  auto table = std::make_shared<Table>();
  for (const auto& w : doc["workloads"]) {
    if (!w.is_object() || !w.contains("cgroup_id") || !w["cgroup_id"].is_number_unsigned()) {
      return plainError("a workload without a numeric cgroup_id");
    }
    auto str = [&](const char* key) {
      auto it = w.find(key);
      return it != w.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    auto out = std::make_shared<Workload>();
    out->ns = str("namespace");
    out->name = str("name");
    out->kind = str("kind");
    out->identity = str("identity");
    auto count = [&](const char* key) -> uint32_t {
      auto it = w.find(key);
      return it != w.end() && it->is_number_unsigned() && it->get<uint64_t>() <= 1000000
                 ? static_cast<uint32_t>(it->get<uint64_t>())
                 : 0;
    };
    out->maxIdleConnsPerHost = count("outbound_max_idle_conns_per_host");
    out->maxRequestsPerConnection = count("outbound_max_requests_per_connection");
    out->labels.emplace_back("namespace", out->ns);
    out->labels.emplace_back(out->kind == "Pod" ? "pod" : "external_workload", out->name);
    if (std::string sa = serviceAccountOf(out->identity); !sa.empty()) {
      out->labels.emplace_back("serviceaccount", sa);
    }
    if (std::string ip = str("ip"); !ip.empty()) {
      in_addr a{};
      if (::inet_pton(AF_INET, ip.c_str(), &a) != 1) {
        return plainError("workload " + out->ns + "/" + out->name + ": bad ip \"" + ip + "\"");
      }
      out->ip4 = a.s_addr;
    }
    std::shared_ptr<const Workload> shared = std::move(out);
    if (shared->ip4 != 0) {
      table->byIp[shared->ip4] = shared;
    }
    table->byCgroup[w["cgroup_id"].get<uint64_t>()] = std::move(shared);
  }
  return std::shared_ptr<const Table>(std::move(table));
}

bool Directory::refresh() {
  struct stat st{};
  if (::stat(path_.c_str(), &st) != 0) {
    return true;  // not written yet: nothing known
  }
  {
    std::lock_guard lock(mu_);
    if (st.st_size == size_ && st.st_mtim.tv_sec == mtime_.tv_sec &&
        st.st_mtim.tv_nsec == mtime_.tv_nsec) {
      return true;
    }
  }
  std::ifstream in(path_);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parseDirectory(text.str());
  std::lock_guard lock(mu_);
  mtime_ = st.st_mtim;
  size_ = st.st_size;
  if (!parsed) {
    ++errors_;
    weir::logger("workloads")
        ->error("directory rejected path={} error=\"{}\" last good stays", path_,
                parsed.error().str());
    return false;
  }
  table_ = std::move(parsed.value());
  ++reloads_;
  version_.fetch_add(1, std::memory_order_release);
  return true;
}

std::shared_ptr<const Table> Directory::table() const {
  std::lock_guard lock(mu_);
  return table_;
}

const Table& View::current() {
  uint64_t v = directory_.version();
  if (v != version_ || !table_) {
    table_ = directory_.table();
    version_ = v;
  }
  return *table_;
}

std::shared_ptr<const Workload> View::find(uint64_t cgroupId) {
  const Table& t = current();
  auto it = t.byCgroup.find(cgroupId);
  return it == t.byCgroup.end() ? nullptr : it->second;
}

std::shared_ptr<const Workload> View::findByIp(uint32_t ip4) {
  const Table& t = current();
  auto it = t.byIp.find(ip4);
  return it == t.byIp.end() ? nullptr : it->second;
}

uint64_t Directory::reloads() const {
  std::lock_guard lock(mu_);
  return reloads_;
}

uint64_t Directory::errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

}  // namespace weir::proxy::workloads
