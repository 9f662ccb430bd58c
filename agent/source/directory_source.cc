#include "agent/source/directory_source.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/base/log.h"
#include "common/config/loader.h"

namespace weir::agent::source {

namespace {

// Editors and `kubectl`-style tools write several events per save: wait this long for quiet.
constexpr int kSettleMs = 50;

}  // namespace

DirectorySource::DirectorySource(std::string dir, state::CompileOptions options,
                                 state::CgroupResolver resolver)
    : dir_(std::move(dir)),
      options_(std::move(options)),
      resolver_(std::move(resolver)),
      stopFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

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
  UniqueFd inotify(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!inotify.valid()) {
    return osError(errno, "inotify_init1");
  }
  // Rename-into-place (IN_MOVED_TO) and close-after-write are the complete-file events; a file
  // half written is never read because nothing fires until it is closed or moved.
  uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF |
                  IN_MOVE_SELF;
  if (::inotify_add_watch(inotify.get(), dir_.c_str(), mask) < 0) {
    return osError(errno, "watch config dir " + dir_);
  }
  reload(sink);

  pollfd fds[2] = {{inotify.get(), POLLIN, 0}, {stopFd_.get(), POLLIN, 0}};
  bool pending = false;
  while (true) {
    int n = ::poll(fds, 2, pending ? kSettleMs : -1);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return osError(errno, "poll config dir");
    }
    if (fds[1].revents & POLLIN) {
      return {};
    }
    if (n == 0 && pending) {
      pending = false;
      reload(sink);
      continue;
    }
    if (fds[0].revents & POLLIN) {
      alignas(inotify_event) char buf[4096];
      while (::read(inotify.get(), buf, sizeof(buf)) > 0) {
      }
      pending = true;
    }
  }
}

void DirectorySource::stop() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stopFd_.get(), &one, sizeof(one));
}

}  // namespace weir::agent::source
