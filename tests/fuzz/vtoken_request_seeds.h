// SPDX-License-Identifier: BSD-2-Clause
// Seeds for the vtoken_request harness from a real platform: libfido2 opens an in-process
// virtual token (its reports go straight to a Reassembler and the Authenticator), sets up a
// PIN session, makes a resident ES256 key and an EdDSA key, signs with both and lists the
// resident keys. Written: the host's reports (transport 0), its CTAP requests as NFC APDUs
// (transport 1) and as plain requests (transport 2).
#pragma once

#include <fido.h>
#include <fido/credman.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <string>

#include "fido/apdu.h"
#include "vtoken/authenticator.h"
#include "vtoken/client_pin.h"
#include "vtoken/ctaphid.h"

namespace skagent::fuzz {

// libfido2's side of an in-process token: every written report is recorded and handled at
// once; the answers wait in `replies` for libfido2's reads.
struct InProcessHid {
  vtoken::Authenticator* auth = nullptr;
  vtoken::ctaphid::Reassembler reasm;
  std::deque<vtoken::ctaphid::Report> replies;
  Bytes reports;                // every report the host sent
  std::vector<Bytes> requests;  // every CTAP request (command ‖ CBOR)

  void answer(uint32_t cid, uint8_t cmd, ByteView payload) {
    auto frags = vtoken::ctaphid::fragment(cid, cmd, payload);
    if (!frags) abort();
    for (auto& f : *frags) replies.push_back(f);
  }
  void feed(const uint8_t* report) {
    vtoken::ctaphid::Report r;
    std::copy_n(report, r.size(), r.begin());
    reports.insert(reports.end(), r.begin(), r.end());
    auto ev = reasm.feed(r, std::chrono::steady_clock::now());
    if (ev.kind != vtoken::ctaphid::Reassembler::Event::message) return;
    const auto& m = ev.msg;
    if (m.cmd == vtoken::ctaphid::kInit) {
      answer(m.cid, m.cmd,
             vtoken::ctaphid::init_response(
                 m.payload, 0x01020304, vtoken::ctaphid::kCapCbor | vtoken::ctaphid::kCapNoMsg));
    } else if (m.cmd == vtoken::ctaphid::kCbor) {
      requests.push_back(m.payload);
      vtoken::SleepingWait w;
      answer(m.cid, m.cmd, auth->handle(m.payload, w).wire());
    }
  }

  static InProcessHid*& current() {
    static InProcessHid* h = nullptr;
    return h;
  }
  static fido_dev_io_t io() {
    return {
        [](const char*) -> void* { return current(); },
        [](void*) {},
        [](void* h, unsigned char* buf, size_t len, int) -> int {
          auto* self = static_cast<InProcessHid*>(h);
          if (self->replies.empty() || len < 64) return -1;
          std::copy_n(self->replies.front().begin(), 64, buf);
          self->replies.pop_front();
          return 64;
        },
        [](void* h, const unsigned char* buf, size_t len) -> int {
          if (len != 65) return -1;
          static_cast<InProcessHid*>(h)->feed(buf + 1);
          return int(len);
        },
    };
  }
};

inline bool write_seed(const std::string& path, uint8_t transport, ByteView body) {
  std::ofstream f(path, std::ios::binary);
  f.put(char(transport));
  f.write(reinterpret_cast<const char*>(body.data()), std::streamsize(body.size()));
  return bool(f);
}

inline void put_record(Bytes& out, ByteView rec) {
  out.push_back(uint8_t(rec.size() >> 8));
  out.push_back(uint8_t(rec.size()));
  out.insert(out.end(), rec.begin(), rec.end());
}

// One credential made and used by libfido2 with PIN "1234": true when every step worked.
inline bool platform_session(fido_dev_t* dev, int cose, bool resident) {
  static const uint8_t hash[32] = {1, 2, 3};
  static const uint8_t uid[16] = {7};
  fido_cred_t* c = fido_cred_new();
  bool ok = fido_cred_set_type(c, cose) == FIDO_OK &&
            fido_cred_set_clientdata_hash(c, hash, sizeof(hash)) == FIDO_OK &&
            fido_cred_set_rp(c, "ssh:seed", nullptr) == FIDO_OK &&
            fido_cred_set_user(c, uid, sizeof(uid), "seed", "seed", nullptr) == FIDO_OK &&
            fido_cred_set_rk(c, resident ? FIDO_OPT_TRUE : FIDO_OPT_OMIT) == FIDO_OK &&
            fido_dev_make_cred(dev, c, "1234") == FIDO_OK;
  fido_assert_t* a = fido_assert_new();
  ok = ok && fido_assert_set_clientdata_hash(a, hash, sizeof(hash)) == FIDO_OK &&
       fido_assert_set_rp(a, "ssh:seed") == FIDO_OK &&
       fido_assert_allow_cred(a, fido_cred_id_ptr(c), fido_cred_id_len(c)) == FIDO_OK &&
       fido_dev_get_assert(dev, a, "1234") == FIDO_OK;
  fido_assert_free(&a);
  fido_cred_free(&c);
  return ok;
}

inline bool write_vtoken_request_seeds(const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::string state_dir = dir + "/.state";
  std::filesystem::create_directories(state_dir);
  vtoken::TokenState state;
  state.master_secret = Bytes(32, 0x5a);
  if (!vtoken::set_pin_directly(state, "1234")) return false;
  vtoken::TouchControl touch;
  vtoken::Authenticator auth({}, vtoken::StateFile(state_dir + "/state"), std::move(state), touch);
  InProcessHid hid;
  hid.auth = &auth;
  InProcessHid::current() = &hid;
  fido_init(0);
  fido_dev_t* dev = fido_dev_new();
  fido_dev_io_t io = InProcessHid::io();
  bool ok = fido_dev_set_io_functions(dev, &io) == FIDO_OK &&
            fido_dev_open(dev, "in-process") == FIDO_OK &&
            platform_session(dev, COSE_ES256, true) && platform_session(dev, COSE_EDDSA, false);
  fido_credman_metadata_t* meta = fido_credman_metadata_new();
  fido_credman_rk_t* rk = fido_credman_rk_new();
  ok = ok && fido_credman_get_dev_metadata(dev, meta, "1234") == FIDO_OK &&
       fido_credman_get_dev_rk(dev, "ssh:seed", rk, "1234") == FIDO_OK;
  fido_credman_rk_free(&rk);
  fido_credman_metadata_free(&meta);
  fido_dev_close(dev);
  fido_dev_free(&dev);
  std::filesystem::remove_all(state_dir);
  if (!ok) return false;
  Bytes apdus, requests;
  put_record(apdus, fido::apdu::select_fido());
  for (const auto& req : hid.requests) {
    put_record(requests, req);
    for (const auto& c : fido::apdu::nfcctap_msg(req)) put_record(apdus, c);
  }
  return write_seed(dir + "/libfido2-hid-session", 0, hid.reports) &&
         write_seed(dir + "/libfido2-nfc-apdus", 1, apdus) &&
         write_seed(dir + "/libfido2-ctap-requests", 2, requests);
}

}  // namespace skagent::fuzz
