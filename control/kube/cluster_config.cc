#include "control/kube/cluster_config.h"

#include <charconv>

#include "common/base/read_file.h"

namespace weir::control::kube {

namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) {
    return {};
  }
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

}  // namespace

Result<std::string> ClusterConfig::bearerToken() const {
  if (tokenFile.empty()) {
    return token;
  }
  auto read = readSmallFile(tokenFile, "token file");
  if (!read) {
    return read.error();
  }
  std::string_view t = trim(*read);
  if (t.empty()) {
    return plainError("token file " + tokenFile + ": empty");
  }
  return std::string(t);
}

std::string ClusterConfig::authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Status parseServerUrl(std::string_view url, const std::string& what, ClusterConfig& out) {
  auto bad = [&](const std::string& why) {
    return plainError(what + ": \"" + std::string(url) + "\": " + why);
  };
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return bad("only https:// servers are supported");
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view hostPort = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  if (path.find_first_of("?#") != std::string_view::npos) {
    return bad("query or fragment in server URL");
  }

  std::string_view host;
  std::string_view port;
  if (!hostPort.empty() && hostPort.front() == '[') {
    size_t close = hostPort.find(']');
    if (close == std::string_view::npos) {
      return bad("unterminated [ipv6] host");
    }
    host = hostPort.substr(1, close - 1);
    std::string_view after = hostPort.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return bad("expected :port after ]");
      }
      port = after.substr(1);
    }
  } else {
    size_t colon = hostPort.find(':');
    host = hostPort.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = hostPort.substr(colon + 1);
    }
  }
  if (host.empty()) {
    return bad("no host");
  }
  uint16_t portNumber = 443;
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), portNumber);
    if (ec != std::errc() || end != port.data() + port.size() || portNumber == 0) {
      return bad("bad port");
    }
  }
  out.host = std::string(host);
  out.port = portNumber;
  out.basePath = std::string(path);
  return {};
}

}  // namespace weir::control::kube
