#include "control/destination/authority.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "common/config/ipv4.h"

namespace weir::control::destination {

namespace {

constexpr uint16_t kDefaultPort = 80;  // Linkerd's getHostAndPort

Result<uint16_t> parsePort(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return plainError("invalid port \"" + std::string(text) + "\"");
  }
  return static_cast<uint16_t>(value);
}

std::vector<std::string_view> splitLabels(std::string_view host) {
  std::vector<std::string_view> labels;
  while (true) {
    size_t dot = host.find('.');
    labels.push_back(host.substr(0, dot));
    if (dot == std::string_view::npos) {
      return labels;
    }
    host.remove_prefix(dot + 1);
  }
}

// Drops `suffix` (already split into labels) from the end of `labels`; false when absent.
bool dropSuffix(std::vector<std::string_view>& labels,
                const std::vector<std::string_view>& suffix) {
  if (labels.size() < suffix.size() ||
      !std::equal(suffix.begin(), suffix.end(), labels.end() - suffix.size())) {
    return false;
  }
  labels.resize(labels.size() - suffix.size());
  return true;
}

Authority nameAuthority(std::string host, std::string_view clusterDomain, uint16_t port) {
  Authority out;
  out.port = port;
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!host.empty() && host.back() == '.') {
    host.pop_back();
  }
  std::vector<std::string_view> labels = splitLabels(host);
  std::vector<std::string_view> fullSuffix = splitLabels(clusterDomain);
  fullSuffix.insert(fullSuffix.begin(), "svc");
  // "<pod>.<name>.<ns>.svc.<domain>" (a StatefulSet pod's name) stays kOther: weir's workloads
  // have no DNS hostnames.
  if (!dropSuffix(labels, fullSuffix)) {
    dropSuffix(labels, {"svc"});
  }
  if (labels.size() == 2 && !labels[0].empty() && !labels[1].empty()) {
    out.kind = Authority::Kind::kService;
    out.name = std::string(labels[0]);
    out.ns = std::string(labels[1]);
  }
  return out;
}

}  // namespace

Result<Authority> parseAuthority(std::string_view text, std::string_view clusterDomain) {
  std::string_view host = text;
  std::string_view portText;
  bool portGiven = false;
  bool bracketed = !text.empty() && text.front() == '[';
  if (bracketed) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return plainError("invalid authority \"" + std::string(text) + "\": missing ']'");
    }
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return plainError("invalid authority \"" + std::string(text) + "\"");
      }
      portText = rest.substr(1);
      portGiven = true;
    }
  } else if (size_t colon = text.find(':'); colon != std::string_view::npos) {
    if (text.find(':', colon + 1) != std::string_view::npos) {
      return plainError("invalid authority \"" + std::string(text) + "\": too many colons");
    }
    host = text.substr(0, colon);
    portText = text.substr(colon + 1);
    portGiven = true;
  }
  if (host.empty()) {
    return plainError("invalid authority \"" + std::string(text) + "\": no host");
  }
  uint16_t port = kDefaultPort;
  if (portGiven) {
    Result<uint16_t> parsed = parsePort(portText);
    if (!parsed.ok()) {
      return plainError("invalid authority \"" + std::string(text) +
                        "\": " + parsed.error().context);
    }
    port = *parsed;
  }
  if (bracketed) {
    return Authority{.kind = Authority::Kind::kOther, .port = port};  // IPv6: not in the model
  }
  if (std::optional<uint32_t> ip = config::parseIPv4(host)) {
    return Authority{.kind = Authority::Kind::kIpv4, .ip = *ip, .port = port};
  }
  return nameAuthority(std::string(host), clusterDomain, port);
}

std::string serviceFqdn(const std::string& ns, const std::string& name,
                        std::string_view clusterDomain) {
  return name + "." + ns + ".svc." + std::string(clusterDomain);
}

}  // namespace weir::control::destination
