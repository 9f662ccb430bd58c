#pragma once

// IPv4 text <-> network-byte-order uint32_t, as the model stores addresses.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weir::config {

// Strict dotted quad: four decimal parts 0..255, no leading zeros, no surrounding space.
std::optional<uint32_t> parseIPv4(std::string_view text);

std::string formatIPv4(uint32_t networkOrder);

}  // namespace weir::config
