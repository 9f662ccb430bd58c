#include "tools/cli/diagnostics.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <array>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <tuple>

#include "common/grpctls/control_channel.h"
#include "weir/v1/destination.grpc.pb.h"

namespace weir::cli {

namespace {

struct Row {
  std::string ns;
  std::string ip;
  uint32_t port = 0;
  std::string workload;
  std::string service;
  uint32_t weight = 0;
  std::string identity;
};

std::string ipText(const v1::IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ip.ip_case() == v1::IpAddress::kIpv4) {
    in_addr a{htonl(ip.ipv4())};
    inet_ntop(AF_INET, &a, buf, sizeof(buf));
  } else if (ip.ip_case() == v1::IpAddress::kIpv6 && ip.ipv6().size() == 16) {
    inet_ntop(AF_INET6, ip.ipv6().data(), buf, sizeof(buf));
  }
  return buf;
}

// The service part of an authority: "web" of "web.demo.svc.cluster.local:80".
std::string serviceOf(const std::string& authority) {
  return authority.substr(0, authority.find_first_of(".:"));
}

void printTable(const std::vector<Row>& rows, std::ostream& out) {
  std::vector<std::array<std::string, 5>> lines{{"NAMESPACE", "IP", "PORT", "POD", "SERVICE"}};
  for (const Row& r : rows) {
    lines.push_back({r.ns, r.ip, std::to_string(r.port), r.workload, r.service});
  }
  std::array<size_t, 5> width{};
  for (const auto& line : lines) {
    for (size_t i = 0; i < line.size(); ++i) {
      width[i] = std::max(width[i], line[i].size());
    }
  }
  for (const auto& line : lines) {
    for (size_t i = 0; i < line.size(); ++i) {
      out << std::left << std::setw(static_cast<int>(i + 1 < line.size() ? width[i] + 3 : 0))
          << line[i];
    }
    out << '\n';
  }
}

}  // namespace

int diagnosticsEndpoints(const EndpointsQuery& query, std::ostream& out, std::ostream& err) {
  auto channel = grpctls::controlChannel(query.destination, query.tls);
  if (!channel) {
    err << "weir diagnostics endpoints: " << channel.error().str() << '\n';
    return 1;
  }
  auto stub = v1::Destination::NewStub(channel.value());
  std::vector<Row> rows;
  int status = 0;
  for (const std::string& authority : query.authorities) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + query.timeout);
    v1::GetDestination request;
    request.set_scheme("k8s");
    request.set_path(authority);
    auto reader = stub->Get(&context, request);
    v1::Update update;
    if (!reader->Read(&update)) {
      grpc::Status st = reader->Finish();
      err << "weir diagnostics endpoints: " << authority << ": " << query.destination << ": "
          << (st.ok() ? "stream ended" : st.error_message()) << '\n';
      status = 1;
      continue;
    }
    context.TryCancel();  // the first message is the answer; the rest would be changes
    if (update.has_no_endpoints()) {
      if (!update.no_endpoints().exists()) {
        err << "weir diagnostics endpoints: " << authority << ": unknown authority\n";
        status = 1;
      }
      continue;
    }
    // The set's labels name the service, whichever way the authority named it (a VIP too).
    auto label = update.add().metric_labels().find("service");
    std::string service =
        label != update.add().metric_labels().end() ? label->second : serviceOf(authority);
    for (const v1::Endpoint& e : update.add().endpoints()) {
      rows.push_back(Row{e.workload().namespace_(), ipText(e.addr().ip()), e.addr().port(),
                         e.workload().name(), service, e.weight(), e.tls_identity().name()});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.ns, a.service, a.ip, a.port) < std::tie(b.ns, b.service, b.ip, b.port);
  });
  if (query.output == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const Row& r : rows) {
      list.push_back({{"namespace", r.ns}, {"ip", r.ip}, {"port", r.port}, {"pod", r.workload},
                      {"service", r.service}, {"weight", r.weight}, {"identity", r.identity}});
    }
    out << list.dump(2) << '\n';
  } else if (rows.empty()) {
    out << "No endpoints found.\n";
  } else {
    printTable(rows, out);
  }
  return status;
}

}  // namespace weir::cli
