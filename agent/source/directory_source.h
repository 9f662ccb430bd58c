#pragma once

// Host mode: a directory of YAML (Kubernetes Services, Linkerd ExternalWorkloads) watched with
// inotify. Every change re-reads the directory and compiles it for this node; a directory that
// does not validate is rejected whole and the last good state stays.

#include <string>

#include "agent/source/source.h"
#include "agent/state/compile.h"
#include "common/fswatch/dir_watcher.h"

namespace weir::agent::source {

class DirectorySource : public Source {
 public:
  DirectorySource(std::string dir, state::CompileOptions options, state::CgroupResolver resolver);
  Status run(StateSink& sink) override;
  void stop() override;

  // One read-validate-compile pass (also used by `run` on every change).
  void reload(StateSink& sink);

 private:
  std::string dir_;
  state::CompileOptions options_;
  state::CgroupResolver resolver_;
  fswatch::DirWatcher watcher_;
};

}  // namespace weir::agent::source
