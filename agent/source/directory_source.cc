#include "agent/source/directory_source.h"

#include "common/base/log.h"
#include "common/config/loader.h"

namespace weir::agent::source {

DirectorySource::DirectorySource(std::string dir, state::CompileOptions options,
                                 state::CgroupResolver resolver)
    : dir_(std::move(dir)),
      options_(std::move(options)),
      resolver_(std::move(resolver)),
      watcher_(dir_) {}

void DirectorySource::reload(StateSink& sink) {
  auto log = weir::logger("source");
  config::LoadResult loaded = config::loadPath(dir_);
  std::vector<std::string> errors;
  for (const auto& e : loaded.errors) {
    errors.push_back(e.str());
  }
  if (errors.empty()) {
    state::CompileResult compiled = state::compile(loaded.model, options_, resolver_);
    for (const auto& e : compiled.errors) {
      errors.push_back(e.str());
    }
    if (errors.empty()) {
      log->info("config loaded dir={} services={} workloads={}", dir_,
                loaded.model.services.size(), loaded.model.workloads.size());
      sink.apply(compiled.state);
      return;
    }
  }
  for (const auto& e : errors) {
    log->error("config rejected error=\"{}\"", e);
  }
  sink.reject(errors);
}

Status DirectorySource::run(StateSink& sink) {
  return watcher_.run([&] { reload(sink); });
}

void DirectorySource::stop() { watcher_.stop(); }

}  // namespace weir::agent::source
