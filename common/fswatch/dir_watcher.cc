#include "common/fswatch/dir_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace weir::fswatch {

DirWatcher::DirWatcher(std::string dir, std::chrono::milliseconds settle)
    : dir_(std::move(dir)), settle_(settle), stopFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

Status DirWatcher::run(const std::function<void()>& onChange) {
  UniqueFd inotify(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!inotify.valid()) {
    return osError(errno, "inotify_init1");
  }
  uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF |
                  IN_MOVE_SELF;
  if (::inotify_add_watch(inotify.get(), dir_.c_str(), mask) < 0) {
    return osError(errno, "watch directory " + dir_);
  }
  onChange();

  pollfd fds[2] = {{inotify.get(), POLLIN, 0}, {stopFd_.get(), POLLIN, 0}};
  bool pending = false;
  while (true) {
    int n = ::poll(fds, 2, pending ? static_cast<int>(settle_.count()) : -1);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return osError(errno, "poll inotify for " + dir_);
    }
    if (fds[1].revents & POLLIN) {
      return {};
    }
    if (n == 0 && pending) {
      pending = false;
      onChange();
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

void DirWatcher::stop() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stopFd_.get(), &one, sizeof(one));
}

}  // namespace weir::fswatch
