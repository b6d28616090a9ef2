// SPDX-License-Identifier: BSD-2-Clause
// unique_ptr owners for libfido2's objects.
#pragma once

#include <fido.h>
#include <fido/credman.h>

#include <memory>

namespace skagent::fido {

struct FidoFree {
  void operator()(fido_cred_t* p) const { fido_cred_free(&p); }
  void operator()(fido_assert_t* p) const { fido_assert_free(&p); }
  void operator()(fido_credman_metadata_t* p) const { fido_credman_metadata_free(&p); }
  void operator()(fido_credman_rp_t* p) const { fido_credman_rp_free(&p); }
  void operator()(fido_credman_rk_t* p) const { fido_credman_rk_free(&p); }
  void operator()(fido_cbor_info_t* p) const { fido_cbor_info_free(&p); }
};
using CredPtr = std::unique_ptr<fido_cred_t, FidoFree>;
using AssertPtr = std::unique_ptr<fido_assert_t, FidoFree>;
using MetadataPtr = std::unique_ptr<fido_credman_metadata_t, FidoFree>;
using RpPtr = std::unique_ptr<fido_credman_rp_t, FidoFree>;
using RkPtr = std::unique_ptr<fido_credman_rk_t, FidoFree>;
using CborInfoPtr = std::unique_ptr<fido_cbor_info_t, FidoFree>;

}  // namespace skagent::fido
