#pragma once

// A broken invariant in a fuzz target: print what broke and abort, so libFuzzer saves the input.

#include <cstdio>
#include <cstdlib>

namespace weir::fuzz {

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace weir::fuzz
