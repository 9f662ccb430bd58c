#pragma once

// Internal to weir_config: the value syntaxes of Linkerd and Kubernetes documents, text in, model
// value out. Each parser returns the reason when `text` is invalid (for a Diagnostic, without
// the field) and nothing when it set `out`; none of them throws.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/config/model_values.h"

namespace weir::config {

// Go's time.ParseDuration, as Linkerd reads timeouts and TTLs: "30s", "100ms", "1m30s", "1.5h",
// "0". Negative durations are refused; the value is rounded up to whole milliseconds.
std::optional<std::string> parseDuration(std::string_view text, std::chrono::milliseconds& out);

// A Kubernetes quantity ("1", "900m", "1.5k", "1Ki", "1e3"), not negative, in milli-units and
// rounded up as Kubernetes' Quantity.MilliValue() does: "1" -> 1000, "900m" -> 900.
std::optional<std::string> parseQuantityMilli(std::string_view text, uint64_t& out);

// A Linkerd port list: ports and ranges separated by commas ("25,443,4222-4230"), blanks around
// entries and one trailing comma allowed, "" an empty list. With `allowNames`, an entry may also
// name a port (an IANA service name, "mysql").
std::optional<std::string> parsePortList(std::string_view text, bool allowNames, PortList& out);

// "10.0.0.0/8", "fd00::/8", or a bare address (a /32 or /128).
std::optional<std::string> parseCidr(std::string_view text, Cidr& out);
std::string formatCidr(const Cidr& cidr);  // "10.0.0.0/8"
// Whether every address of `inner` is in `outer` (never across address families).
bool cidrContains(const Cidr& outer, const Cidr& inner);

// Whether RE2 compiles `pattern`, as weir will match pathRegex and RegularExpression matches.
std::optional<std::string> checkRegex(std::string_view pattern);

// Linkerd's identity rule (policy-controller validate_identity): a DNS-like name, optionally
// starting with "*" ("*.prod.serviceaccount.identity.linkerd.cluster.local", "*"), or a SPIFFE
// ID ("spiffe://trust.domain/path").
std::optional<std::string> checkIdentity(std::string_view identity);

}  // namespace weir::config
