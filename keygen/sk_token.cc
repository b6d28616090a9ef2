// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/sk_token.h"

namespace skagent::keygen {

Result<std::unique_ptr<SkToken>> open_sk_token(const std::string& provider,
                                               const fido::DeviceSources& sources) {
  if (provider.empty() || provider == "internal") return open_fido_token(sources);
  return open_provider_token(provider);
}

}  // namespace skagent::keygen
