#include "common/base/read_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/base/fd.h"

namespace weir {

namespace {
constexpr size_t kMaxFileBytes = 4 << 20;
}  // namespace

Result<std::string> readSmallFile(const std::string& path, const std::string& what) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return osError(errno, "read " + what + " " + path);
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return osError(errno, "read " + what + " " + path);
    }
    if (n == 0) {
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > kMaxFileBytes) {
      return plainError("read " + what + " " + path + ": larger than 4 MiB");
    }
  }
}

}  // namespace weir
