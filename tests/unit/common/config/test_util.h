#pragma once

// Helpers shared by the weir_config tests: readable failure output and short constructors.

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "common/config/ipv4.h"
#include "common/config/loader.h"
#include "common/config/values.h"
#include "tests/unit/common/config/test_print.h"

namespace weir::config {

inline void PrintTo(const Service& s, std::ostream* os) {
  *os << "Service{" << s.ns << "/" << s.name << " ip=" << formatIPv4(s.clusterIP) << " ports=[";
  for (const ServicePort& p : s.ports) {
    *os << p.name << ":" << p.port << "/" << p.protocol << "->" << p.targetPort << p.targetPortName
        << ",";
  }
  *os << "] selector=" << s.selector << " labels=" << s.labels << " annotations=" << s.annotations
      << " mesh=" << s.mesh << " src=" << s.src << "}";
}

inline void PrintTo(const ExternalWorkload& w, std::ostream* os) {
  *os << "ExternalWorkload{" << w.ns << "/" << w.name << " ips=[";
  for (uint32_t ip : w.ips) {
    *os << formatIPv4(ip) << ",";
  }
  *os << "] ports=[";
  for (const WorkloadPort& p : w.ports) {
    *os << p.name << ":" << p.port << "/" << p.protocol << ",";
  }
  *os << "] identity=" << w.identity << " serverName=" << w.serverName << " cgroup=" << w.cgroup
      << " node=" << w.node << " weight=" << w.weight << " labels=" << w.labels
      << " annotations=" << w.annotations << " mesh=" << w.mesh << " src=" << w.src
      << " podUid=" << w.podUid << " serviceAccount=" << w.serviceAccount << " meshed=" << w.meshed
      << " ready=" << w.ready << "}";
}

// Test input is known to be valid.
inline uint32_t ip(const char* text) { return parseIPv4(text).value(); }
inline Cidr cidr(const char* text) {
  Cidr out;
  EXPECT_EQ(parseCidr(text, out), std::nullopt) << text;
  return out;
}
inline Network network(const char* range, std::vector<const char*> except = {}) {
  Network out{cidr(range), {}};
  for (const char* e : except) {
    out.except.push_back(cidr(e));
  }
  return out;
}

inline std::vector<std::string> errorStrings(const LoadResult& result) {
  std::vector<std::string> out;
  for (const Diagnostic& d : result.errors) {
    out.push_back(d.str());
  }
  return out;
}

using std::chrono::milliseconds;

// For INSTANTIATE_TEST_SUITE_P: the case's `name` as the test name.
struct CaseName {
  template <typename Case>
  std::string operator()(const testing::TestParamInfo<Case>& info) const {
    return info.param.name;
  }
};

}  // namespace weir::config
