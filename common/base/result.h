#pragma once

// Result type for OS, libbpf and parser boundaries: a value or an error code with context.
// C++20 has no std::expected; this is the small subset weir needs.

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace weir {

struct Error {
  int code = 0;         // errno-style code, 0 when the error is not an OS error
  std::string context;  // "attach sockops to /sys/fs/cgroup/x"

  std::string str() const {
    if (code == 0) {
      return context;
    }
    return context + ": " + std::strerror(code);
  }
};

// Builds an error from a latched errno value (pass errno before any call that may change it).
inline Error osError(int err, std::string context) { return Error{err, std::move(context)}; }
inline Error plainError(std::string context) { return Error{0, std::move(context)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace weir
