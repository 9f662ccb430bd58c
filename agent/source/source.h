#pragma once

// The seam between where the node's desired state comes from and the kernel: the config directory
// (host mode) today, the control plane's NodeSync stream later.

#include <string>
#include <vector>

#include "agent/state/desired_state.h"
#include "common/base/result.h"

namespace weir::agent::source {

class StateSink {
 public:
  virtual ~StateSink() = default;
  // A complete, valid desired state for this node; `touched`, when given, lists every key that
  // may differ from the last state applied.
  virtual void apply(const state::DesiredState& desired,
                     const state::Touched* touched = nullptr) = 0;
  // A new configuration was rejected; the last good state stays in force.
  virtual void reject(const std::vector<std::string>& errors) = 0;
};

class Source {
 public:
  virtual ~Source() = default;
  // Delivers the current state, then every change, until stop(). Blocks.
  virtual Status run(StateSink& sink) = 0;
  // Makes run() return. Safe from any thread or a signal-handling thread.
  virtual void stop() = 0;
};

}  // namespace weir::agent::source
