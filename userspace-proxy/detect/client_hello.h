#pragma once

// Reads the SNI out of a TLS ClientHello handshake message (RFC 8446 4.1.2, RFC 6066 3). The
// bytes come from the network: every length is checked, nothing is read past the span.

#include <cstdint>
#include <span>
#include <string>

namespace weir::proxy::detect {

// `handshake` starts at the handshake header (msg_type 1, 24-bit length). When the message is
// longer than the span (the record was cut short or the ClientHello continues in a later record)
// the extensions present in full are still read; otherwise the whole message must be well formed.
// Returns the host_name in lowercase, or empty when there is none or anything is malformed.
std::string serverNameOf(std::span<const uint8_t> handshake);

}  // namespace weir::proxy::detect
