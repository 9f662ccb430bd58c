#pragma once

// A scratch directory for one test, removed with everything in it.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace weir::control::kube::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "weir-kube-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `content` to path()/name (replacing it) and returns the full path.
  std::string write(const std::string& name, const std::string& content) const {
    std::string full = path_ + "/" + name;
    std::ofstream(full, std::ios::binary | std::ios::trunc) << content;
    return full;
  }

 private:
  std::string path_;
};

}  // namespace weir::control::kube::testing
