// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/options.h"

namespace skagent::vtoken {

Result<RequestOptions> RequestOptions::parse(const cbor_item_t* item) {
  RequestOptions o;
  if (item == nullptr) return o;
  if (!cbor::is_map(item)) return make_error(Errc::malformed, "options is not a map");
  struct Field {
    const char* name;
    std::optional<bool>* out;
  } fields[] = {{"rk", &o.rk}, {"up", &o.up}, {"uv", &o.uv}};
  for (const auto& f : fields) {
    if (const cbor_item_t* v = cbor::map_get(item, f.name)) {
      auto b = cbor::get_bool(v);
      if (!b)
        return make_error(Errc::malformed, std::string("option ") + f.name + " is not a boolean");
      *f.out = *b;
    }
  }
  return o;
}

}  // namespace skagent::vtoken
