// SPDX-License-Identifier: BSD-2-Clause
#include "fido/pin.h"

#include "fido/cancel.h"
#include "fido/device_select.h"
#include "fido/fido_error.h"

namespace skagent::fido {

namespace {

Status set_or_change(const Options& o, const char* new_pin, const char* old_pin,
                     std::string_view what) {
  if (new_pin == nullptr || *new_pin == '\0')
    return make_error(Errc::malformed, std::string(what) + ": empty PIN");
  Interrupts in(o);
  auto dev = choose_device(o, in, what);
  if (!dev) return dev.error();
  CancelWatch watch(in, *dev);
  int r = fido_dev_set_pin(dev->get(), new_pin, old_pin);
  if (r != FIDO_OK) return watch.error(r, what, dev->get());
  return {};
}

}  // namespace

Status set_pin(const Options& o, const char* new_pin) {
  return set_or_change(o, new_pin, nullptr, "setting the security key's PIN");
}

Status change_pin(const Options& o, const char* old_pin, const char* new_pin) {
  if (old_pin == nullptr)
    return make_error(Errc::pin_required, "changing the security key's PIN: give the current PIN");
  return set_or_change(o, new_pin, old_pin, "changing the security key's PIN");
}

Result<int> pin_retries(const Options& o) {
  constexpr std::string_view kWhat = "reading the security key's PIN retries";
  Interrupts in(o);
  auto dev = choose_device(o, in, kWhat);
  if (!dev) return dev.error();
  int retries = -1;
  if (int r = fido_dev_get_retry_count(dev->get(), &retries); r != FIDO_OK)
    return fido_error(r, kWhat);
  return retries;
}

}  // namespace skagent::fido
