#include "control/destination/wire.h"

#include <arpa/inet.h>

#include <utility>

namespace weir::control::destination {

v1::IpAddress ipv4(uint32_t networkOrder) {
  v1::IpAddress ip;
  ip.set_ipv4(ntohl(networkOrder));
  return ip;
}

v1::TcpAddress tcpAddress(uint32_t networkOrder, uint16_t port) {
  v1::TcpAddress addr;
  *addr.mutable_ip() = ipv4(networkOrder);
  addr.set_port(port);
  return addr;
}

google::protobuf::Duration duration(std::chrono::milliseconds value) {
  google::protobuf::Duration out;
  out.set_seconds(value.count() / 1000);
  out.set_nanos(static_cast<int32_t>(value.count() % 1000) * 1000000);
  return out;
}

v1::ResourceRef serviceRef(const config::Service& svc, uint16_t port) {
  v1::ResourceRef ref;
  ref.set_kind("Service");
  ref.set_namespace_(svc.ns);
  ref.set_name(svc.name);
  ref.set_port(port);
  return ref;
}

v1::WorkloadRef workloadRef(const config::ExternalWorkload& w) {
  v1::WorkloadRef ref;
  ref.set_kind("ExternalWorkload");
  ref.set_namespace_(w.ns);
  ref.set_name(w.name);
  return ref;
}

v1::HttpMethod httpMethod(const std::string& method) {
  static constexpr std::pair<const char*, v1::HttpMethod::Registered> kRegistered[] = {
      {"GET", v1::HttpMethod::GET},         {"POST", v1::HttpMethod::POST},
      {"PUT", v1::HttpMethod::PUT},         {"DELETE", v1::HttpMethod::DELETE},
      {"PATCH", v1::HttpMethod::PATCH},     {"OPTIONS", v1::HttpMethod::OPTIONS},
      {"CONNECT", v1::HttpMethod::CONNECT}, {"HEAD", v1::HttpMethod::HEAD},
      {"TRACE", v1::HttpMethod::TRACE}};
  v1::HttpMethod out;
  for (const auto& [name, value] : kRegistered) {
    if (method == name) {
      out.set_registered(value);
      return out;
    }
  }
  out.set_unregistered(method);
  return out;
}

std::string annotation(const std::map<std::string, std::string>& annotations,
                       const std::string& key) {
  auto it = annotations.find(key);
  return it == annotations.end() ? std::string() : it->second;
}

}  // namespace weir::control::destination
