// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/identity_lookup.h"

#include "tests/common/agent_client.h"

namespace skagent::bench {

using testing::AgentClient;
using testing::decode_identities;
using testing::encode_request_identities;

Result<Bytes> find_key_by_comment(const std::string& socket, std::string_view comment) {
  auto client = AgentClient::connect(socket);
  if (!client) return client.error();
  auto reply = client->request(encode_request_identities());
  if (!reply) return reply.error();
  auto ids = decode_identities(*reply);
  if (!ids) return ids.error();
  for (auto& id : *ids)
    if (id.comment == comment) return std::move(id.blob);
  return make_error(Errc::not_found, "no key with comment " + std::string(comment));
}

}  // namespace skagent::bench
