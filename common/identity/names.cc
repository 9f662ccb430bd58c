#include "common/identity/names.h"

namespace weir::identity {

namespace {

constexpr std::string_view kMarker = ".serviceaccount.identity.";
constexpr size_t kMaxLabel = 63;
constexpr size_t kMaxName = 253;

bool labelChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

Status checkLabel(std::string_view label) {
  if (label.empty()) {
    return plainError("empty label");
  }
  if (label.size() > kMaxLabel) {
    return plainError("label longer than 63 characters");
  }
  for (char c : label) {
    if (!labelChar(c)) {
      return plainError("character '" + std::string(1, c) +
                        "' (lower-case letters, digits and '-')");
    }
  }
  if (label.front() == '-' || label.back() == '-') {
    return plainError("label starts or ends with '-'");
  }
  return {};
}

// `what` "<value>": reason.
Error bad(std::string_view what, std::string_view value, const Error& why) {
  return plainError(std::string(what) + " \"" + std::string(value) + "\": " + why.context);
}

}  // namespace

Status checkDnsName(std::string_view name) {
  if (name.empty()) {
    return plainError("empty");
  }
  if (name.size() > kMaxName) {
    return plainError("longer than 253 characters");
  }
  size_t start = 0;
  for (;;) {
    size_t dot = name.find('.', start);
    std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (auto st = checkLabel(label); !st) {
      return st;
    }
    if (dot == std::string_view::npos) {
      return {};
    }
    start = dot + 1;
  }
}

Result<IdentityName> parseIdentity(std::string_view identity) {
  auto malformed = [&](const std::string& why) {
    return plainError("identity \"" + std::string(identity) + "\": " + why);
  };
  if (identity.size() > kMaxName) {
    return malformed("longer than 253 characters");
  }
  size_t marker = identity.find(kMarker);
  if (marker == std::string_view::npos) {
    return malformed(
        "not of the form <sa>.<ns>.serviceaccount.identity.<control-ns>.<trust-domain>");
  }
  std::string_view owner = identity.substr(0, marker);                 // <sa>.<ns>
  std::string_view issuer = identity.substr(marker + kMarker.size());  // <control-ns>.<td>
  size_t nsDot = owner.rfind('.');
  size_t tdDot = issuer.find('.');
  if (nsDot == std::string_view::npos) {
    return malformed("no <sa>.<ns> before .serviceaccount.identity.");
  }
  if (tdDot == std::string_view::npos) {
    return malformed("no <control-ns>.<trust-domain> after .serviceaccount.identity.");
  }
  IdentityName out{.serviceAccount = std::string(owner.substr(0, nsDot)),
                   .ns = std::string(owner.substr(nsDot + 1)),
                   .controlNs = std::string(issuer.substr(0, tdDot)),
                   .trustDomain = std::string(issuer.substr(tdDot + 1))};
  if (auto st = checkDnsName(out.serviceAccount); !st) {
    return malformed(bad("service account", out.serviceAccount, st.error()).context);
  }
  if (auto st = checkLabel(out.ns); !st) {
    return malformed(bad("namespace", out.ns, st.error()).context);
  }
  if (auto st = checkLabel(out.controlNs); !st) {
    return malformed(bad("control-plane namespace", out.controlNs, st.error()).context);
  }
  if (auto st = checkDnsName(out.trustDomain); !st) {
    return malformed(bad("trust domain", out.trustDomain, st.error()).context);
  }
  return out;
}

std::string linkerdName(const IdentityName& name) {
  return name.serviceAccount + "." + name.ns + std::string(kMarker) + name.controlNs + "." +
         name.trustDomain;
}

std::string spiffeId(const IdentityName& name) {
  return "spiffe://" + name.trustDomain + "/ns/" + name.ns + "/sa/" + name.serviceAccount;
}

}  // namespace weir::identity
