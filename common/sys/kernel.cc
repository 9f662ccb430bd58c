#include "common/sys/kernel.h"

#include <sys/utsname.h>

#include <charconv>
#include <tuple>

namespace weir::sys {

bool KernelVersion::atLeast(int wantMajor, int wantMinor, int wantPatch) const {
  return std::tie(major, minor, patch) >= std::tie(wantMajor, wantMinor, wantPatch);
}

Result<KernelVersion> parseKernelRelease(std::string_view release) {
  KernelVersion v{.release = std::string(release)};
  int* parts[] = {&v.major, &v.minor, &v.patch};
  const char* p = release.data();
  const char* end = release.data() + release.size();
  size_t parsed = 0;
  for (int* part : parts) {
    auto [next, ec] = std::from_chars(p, end, *part);
    if (ec != std::errc{}) {
      break;
    }
    ++parsed;
    p = next;
    if (p == end || *p != '.') {
      break;
    }
    ++p;
  }
  if (parsed < 2) {  // major and minor are required, the patch level is not
    return plainError("kernel release \"" + v.release + "\" is not major.minor[.patch]");
  }
  return v;
}

Result<KernelVersion> kernelVersion() {
  struct utsname u {};
  if (::uname(&u) != 0) {
    return osError(errno, "uname");
  }
  return parseKernelRelease(u.release);
}

}  // namespace weir::sys
