#pragma once

// Shutdown on SIGINT/SIGTERM for the daemons: one thread takes the signal with sigwait, so stop
// runs outside a signal handler, while the main thread runs the daemon's loop.

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

#include "common/base/result.h"

namespace weir {

// Blocks SIGINT and SIGTERM in this thread and every thread started after: call first in main.
inline sigset_t blockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Runs `run` until it returns; a shutdown signal calls `onSignal(signal)`, which must make `run`
// return. Returns what `run` returned.
inline Status runUntilSignal(const sigset_t& signals, const std::function<Status()>& run,
                             const std::function<void(int)>& onSignal) {
  std::atomic<bool> finished{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (!finished.load()) {
      onSignal(sig);
    }
  });
  Status st = run();
  // `run` may also end on its own (a daemon drained by request): wake the waiter either way.
  finished.store(true);
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return st;
}

}  // namespace weir
