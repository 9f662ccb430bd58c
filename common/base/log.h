#pragma once

// One spdlog logger per module, messages as "event key=value".

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace weir {

// Returns the logger named `module`, creating it (stderr, shared level) on first use.
std::shared_ptr<spdlog::logger> logger(const std::string& module);

// Sets the level of every weir logger: "trace", "debug", "info", "warn", "error".
void setLogLevel(const std::string& level);

}  // namespace weir
