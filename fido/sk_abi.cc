// SPDX-License-Identifier: BSD-2-Clause
#include "fido/sk_abi.h"

#include <cstdlib>

#include "base/bytes.h"

namespace skagent::fido {

namespace {

// The buffers may hold key handles, user ids and signatures: wiped before free().
void free_wiped(void* p, size_t n) {
  if (p == nullptr) return;
  secure_wipe(p, n);
  free(p);
}

void free_enroll_fields(sk_enroll_response& r) {
  free_wiped(r.public_key, r.public_key_len);
  free_wiped(r.key_handle, r.key_handle_len);
  free_wiped(r.signature, r.signature_len);
  free_wiped(r.attestation_cert, r.attestation_cert_len);
  free_wiped(r.authdata, r.authdata_len);
}

}  // namespace

void free_enroll_response(sk_enroll_response* r) {
  if (r == nullptr) return;
  free_enroll_fields(*r);
  free(r);
}

void free_sign_response(sk_sign_response* r) {
  if (r == nullptr) return;
  free_wiped(r->sig_r, r->sig_r_len);
  free_wiped(r->sig_s, r->sig_s_len);
  free(r);
}

void free_resident_key(sk_resident_key* rk) {
  if (rk == nullptr) return;
  free(rk->application);
  free_enroll_fields(rk->key);
  free_wiped(rk->user_id, rk->user_id_len);
  free(rk);
}

}  // namespace skagent::fido
