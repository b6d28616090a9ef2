// SPDX-License-Identifier: BSD-2-Clause
// SIGN_REQUEST: find the key, check that it may sign this, ask a person if
// the key says so, then sign: on the loop (Ed25519, ECDSA P-256: tens of us), on a worker
// thread (slower software keys) or through the provider's helper process (security keys).
// Nothing here blocks the loop for longer than one fast signature.
#include "agent/agent.h"
#include "agent/keys/constrained_sign.h"
#include "agent/protocol/messages.h"
#include "agent/policy/provider_allowlist.h"
#include "agent/protocol/sshsig_request.h"
#include "agent/protocol/userauth_request.h"
#include "fido/sk_abi.h"
#include "ssh/fingerprint.h"
#include "ssh/private_key.h"

namespace skagent {

namespace {

RsaHash rsa_hash(uint32_t flags) {
  if (flags & msg::kSignRsaSha256) return RsaHash::sha256;
  if (flags & msg::kSignRsaSha512) return RsaHash::sha512;
  return RsaHash::sha1;  // legacy ssh-rsa only when the client asks with no flag
}

Bytes sign_response(ByteView signature) {
  Writer w;
  w.u8(msg::kSignResponse);
  w.string(signature);
  return w.take();
}

// OpenSSH's websafe rule: a security key whose application is not an SSH one
// may only sign SSH user-auth requests and SSHSIG blobs, so a web origin's
// key cannot be made to sign a WebAuthn challenge.
bool websafe_permits(const PublicKey& key, ByteView data) {
  return parse_userauth_request(data, key).ok() || parse_sshsig_request(data).ok();
}

Bytes encode_sk_signature(const PublicKey& key, const SkSignResult& res) {
  Writer inner;
  if (key.type == KeyType::sk_ed25519) {
    inner.raw(res.sig_r);
  } else {
    inner.mpint(res.sig_r);
    inner.mpint(res.sig_s);
  }
  Writer w;
  w.string(key_type_info(key.type).name);
  w.string(inner.bytes());
  w.u8(res.flags);
  w.u32(res.counter);
  return w.take();
}

// Ed25519 and ECDSA P-256 sign in less time (about 20-40 us) than handing the job to a worker
// and the result back costs in wake-ups and context switches on a busy machine: they sign
// on the loop. RSA, DSA, the larger curves and ML-DSA (hundreds of us to milliseconds) go to
// a worker, so the loop never waits that long.
bool signs_on_loop(KeyType t) { return t == KeyType::ed25519 || t == KeyType::ecdsa_p256; }

// The key is unshielded for this one signature; its plain bytes are wiped when `plain` goes.
Result<Bytes> unshield_and_sign(const KeyShield& shield, const Identity& id, ByteView data,
                                uint32_t flags) {
  auto plain = shield.unshield(id.secret);
  if (!plain) return make_error(Errc::internal, "unshield failed");
  Reader r(*plain);
  auto key = PrivateKey::read(r);
  if (!key) return key.error();
  return key->sign(data, rsa_hash(flags), id.rsa_blinding.get());
}

}  // namespace

void Agent::sign(Request& req) {
  Reader r(req.body);
  ByteView blob, data;
  uint32_t flags = 0;
  if (!r.string(blob) || !r.string(data) || !r.u32(flags) || !r.empty()) {
    return refuse(log_, req.reply, "sign: malformed request");
  }
  if (data.size() > msg::kMaxSignData) {
    return refuse(log_, req.reply, "sign: data to sign is over 1 MiB");
  }
  auto id = ids_.find(blob);
  if (!id) {
    return refuse(log_, req.reply, "sign: key not found", Logger::Level::debug);
  }
  // Who asks, through which hosts, to sign what: for the policy, the prompts
  // and the audit line written when the reply goes (agent/policy/sign_guard.cc).
  auto ctx = guard_.context(req.conn, *id, data);
  ReplyFn reply = guard_.audited(ctx, std::move(req.reply));
  auto permitted = check_constrained_sign_on(id->key, id->destinations, *req.conn, data);
  if (!permitted) return guard_.refuse(*ctx, permitted.error().message, reply);
  if (is_security_key(id->key.type) && options_.restrict_websafe &&
      match_pattern_list(id->key.application, options_.websafe_allowlist) != 1 &&
      !websafe_permits(id->key, data)) {
    return guard_.refuse(*ctx, "non-SSH signature asked of web key " + describe(*id), reply);
  }
  guard_.check(std::move(ctx), std::move(id), to_bytes(data), flags, std::move(reply),
               [this](std::shared_ptr<SignContext> permitted_ctx,
                      std::shared_ptr<const Identity> permitted_id, Bytes permitted_data,
                      uint32_t permitted_flags, ReplyFn permitted_reply) {
                 sign_permitted(std::move(permitted_ctx), std::move(permitted_id),
                                std::move(permitted_data), permitted_flags,
                                std::move(permitted_reply));
               });
}

void Agent::sign_permitted(std::shared_ptr<SignContext> ctx, std::shared_ptr<const Identity> id,
                           Bytes data, uint32_t flags, ReplyFn reply) {
  // The key may have gone (removed, expired, locked) while a person decided.
  if (lock_.locked() || ids_.find(id->blob) != id) {
    return guard_.refuse(*ctx, "the key was removed or the agent locked while waiting", reply);
  }
  if (!id->pkcs11_provider.empty())
    return pkcs11_.sign(std::move(id), std::move(data), flags, std::move(reply));
  if (is_security_key(id->key.type)) {
    return sign_security_key(std::move(ctx), std::move(id), std::move(data), std::move(reply));
  }
  sign_software(std::move(id), std::move(data), flags, std::move(reply));
}

void Agent::sign_software(std::shared_ptr<const Identity> id, Bytes data, uint32_t flags,
                          ReplyFn reply) {
  if (signs_on_loop(id->key.type)) {
    auto sig = unshield_and_sign(*shield_, *id, data, flags);
    if (!sig) return refuse(log_, reply, "sign: " + sig.error().message);
    return reply(sign_response(*sig));
  }
  workers_.submit([this, id = std::move(id), data = std::move(data), flags,
                   reply = std::move(reply)]() mutable {
    auto sig = unshield_and_sign(*shield_, *id, data, flags);
    loop_.post([this, sig = std::move(sig), reply = std::move(reply)] {
      if (!sig) return refuse(log_, reply, "sign: " + sig.error().message);
      reply(sign_response(*sig));
    });
  });
}

void Agent::sign_security_key(std::shared_ptr<SignContext> ctx, std::shared_ptr<const Identity> id,
                              Bytes data, ReplyFn reply) {
  auto plain = shield_->unshield(id->secret);
  Reader r(plain ? ByteView(*plain) : ByteView());
  auto key = PrivateKey::read(r);
  if (!key) {
    return refuse(log_, reply, "sign: cannot read security key");
  }
  SkSignRequest sr;
  sr.alg = id->key.type == KeyType::sk_ed25519 ? fido::kAlgEd25519 : fido::kAlgEcdsaP256;
  sr.data = data;  // `data` stays here, to check what the provider returns
  sr.application = id->key.application;
  sr.key_handle = key->sk_key_handle();
  sr.flags = key->sk_flags();
  const uint8_t flags = sr.flags;
  // PIN (verify-required keys) and the touch notice: agent/helpers/sk_sign_flow.cc.
  const KeyPolicy kp = guard_.key_policy(*ctx);
  sk_.sign(std::move(ctx), id, std::move(sr), kp,
           [this, id, data = std::move(data), reply = std::move(reply),
            flags](Result<SkSignResult> res) {
             if (!res) {
               return refuse(log_, reply, "sign: " + res.error().message);
             }
             if ((flags & 0x01) != 0 && (res->flags & 0x01) == 0) {
               return refuse(log_, reply, "sign: user presence check failed for " + describe(*id));
             }
             // A provider (or its helper) is code we do not trust with the answer:
             // the signature must verify against the key over SHA256(application) ||
             // flags || counter || SHA256(data), as PKCS#11 ones are checked.
             Bytes sig = encode_sk_signature(id->key, *res);
             if (auto v = verify_signature(id->key.plain(), sig, data); !v) {
               return refuse(log_, reply,
                             "sign: security key provider returned a bad signature for " +
                                 describe(*id) + ": " + v.error().message);
             }
             reply(sign_response(sig));
           });
}

}  // namespace skagent
