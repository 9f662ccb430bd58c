#pragma once

// What changes when a file is rewritten or replaced (a rename over it, as a Secret's volume
// update does): its device and inode, size and modification time. Files watched this way are
// compared stamp to stamp on a poll.

#include <sys/stat.h>

#include <cstdint>
#include <string>

namespace weir {

struct FileStamp {
  uint64_t dev = 0;
  uint64_t ino = 0;
  int64_t size = -1;  // -1: the file could not be stat'ed
  int64_t mtimeNs = 0;

  bool operator==(const FileStamp&) const = default;
};

inline FileStamp stampOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return {};
  }
  return FileStamp{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                   static_cast<int64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

}  // namespace weir
