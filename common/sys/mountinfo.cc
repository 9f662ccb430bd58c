#include "common/sys/mountinfo.h"

#include <fstream>
#include <sstream>

namespace weir::sys {

namespace {

constexpr std::string_view kDefaultCgroup2 = "/sys/fs/cgroup";
constexpr std::string_view kHybridCgroup2 = "/sys/fs/cgroup/unified";

bool isOctal(char c) { return c >= '0' && c <= '7'; }

// The kernel escapes space, tab, newline and backslash in paths as \ooo.
std::string unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() && isOctal(field[i + 1]) &&
        isOctal(field[i + 2]) && isOctal(field[i + 3])) {
      out.push_back(static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                                      (field[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

std::vector<std::string_view> splitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t start = line.find_first_not_of(' ', pos);
    if (start == std::string_view::npos) {
      break;
    }
    size_t end = line.find(' ', start);
    if (end == std::string_view::npos) {
      end = line.size();
    }
    fields.push_back(line.substr(start, end - start));
    pos = end;
  }
  return fields;
}

}  // namespace

Result<std::vector<MountEntry>> parseMountInfo(std::string_view text) {
  // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue":
  // six fixed fields, optional fields up to "-", then fstype, source and super options.
  std::vector<MountEntry> mounts;
  size_t lineNo = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++lineNo;
    if (line.empty()) {
      continue;
    }
    std::vector<std::string_view> f = splitFields(line);
    size_t sep = 6;
    while (sep < f.size() && f[sep] != "-") {
      ++sep;
    }
    if (sep + 2 >= f.size()) {  // no "-", or nothing after it
      return plainError("mountinfo line " + std::to_string(lineNo) + ": malformed");
    }
    mounts.push_back(MountEntry{.mountPoint = unescape(f[4]),
                                .fsType = std::string(f[sep + 1]),
                                .source = unescape(f[sep + 2])});
  }
  return mounts;
}

Result<std::string> pickCgroup2Mount(const std::vector<MountEntry>& mounts) {
  const MountEntry* first = nullptr;
  const MountEntry* hybrid = nullptr;
  for (const MountEntry& m : mounts) {
    if (m.fsType != "cgroup2") {
      continue;
    }
    if (m.mountPoint == kDefaultCgroup2) {
      return m.mountPoint;
    }
    if (m.mountPoint == kHybridCgroup2 && hybrid == nullptr) {
      hybrid = &m;
    }
    if (first == nullptr) {
      first = &m;
    }
  }
  if (hybrid != nullptr) {
    return hybrid->mountPoint;
  }
  if (first != nullptr) {
    return first->mountPoint;
  }
  return plainError("no cgroup2 filesystem is mounted");
}

Result<std::string> findCgroup2Mount() {
  constexpr const char* kPath = "/proc/self/mountinfo";
  std::ifstream in(kPath);
  if (!in) {
    return osError(errno, std::string("open ") + kPath);
  }
  std::ostringstream text;
  text << in.rdbuf();
  Result<std::vector<MountEntry>> mounts = parseMountInfo(text.str());
  if (!mounts) {
    return plainError(std::string(kPath) + ": " + mounts.error().str());
  }
  return pickCgroup2Mount(*mounts);
}

}  // namespace weir::sys
