#include "common/base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

namespace weir {

namespace {
std::mutex gMutex;
spdlog::level::level_enum gLevel = spdlog::level::info;
}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& module) {
  std::lock_guard lock(gMutex);
  if (auto existing = spdlog::get(module)) {
    return existing;
  }
  auto created = spdlog::stderr_color_mt(module);
  created->set_level(gLevel);
  created->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %n %v", spdlog::pattern_time_type::utc);
  return created;
}

void setLogLevel(const std::string& level) {
  std::lock_guard lock(gMutex);
  gLevel = spdlog::level::from_str(level);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->set_level(gLevel); });
}

}  // namespace weir
