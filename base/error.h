// SPDX-License-Identifier: BSD-2-Clause
// The project's one error type: a code for programs and a message for people.
// No exceptions cross module boundaries; fallible functions return Result<T>.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace skagent {

enum class Errc {
  malformed,    // input that does not parse
  unsupported,  // well-formed, but a type/option we do not handle
  not_found,    // no such key, device, file
  denied,       // refused by a constraint, policy or person
  limit,        // a size or count bound was hit
  crypto,       // an OpenSSL or signature failure
  io,           // a system call failed
  timeout,
  pin_required,
  pin_invalid,
  pin_blocked,
  exists,
  internal,
};

struct Error {
  Errc code;
  std::string message;
  // pin_invalid / pin_blocked from a token that said so: the PIN tries it has left (-1: not
  // known). A field, so that nobody reads it back out of `message`.
  int pin_retries = -1;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{Errc::internal, {}};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace skagent
