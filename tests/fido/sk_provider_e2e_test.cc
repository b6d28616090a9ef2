// SPDX-License-Identifier: BSD-2-Clause
// The middleware as its users see it, against skagent-vtoken: OpenSSH's
// SecurityKeyProvider ABI (the sk_* functions, and the built
// libskagent-sk.so loaded the way skagent-sk-helper loads a provider), and
// skagent-sk-helper with provider "internal" over its fd-3 protocol.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "fido/sk_api.h"
#include "fido/sk_helper_protocol.h"
#include "fido/sk_provider.h"
#include "platform/helper_channel.h"
#include "platform/process.h"
#include "base/wire.h"
#include "tests/fido/middleware_test_util.h"
#include "tests/vtoken/vtoken_process.h"

namespace skagent::fido::testing {
namespace {

using vtoken::testing::VtokenProcess;

// A file built beside the test binary: BUILD/bin/NAME or BUILD/lib/NAME.
std::string built(const char* dir, const char* name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return name;
  return (self.parent_path().parent_path() / dir / name).string();
}

struct Options1 {
  std::string device;
  sk_option opt{};
  sk_option* list[2] = {nullptr, nullptr};
  explicit Options1(const std::string& d) : device(d) {
    opt = {const_cast<char*>("device"), device.data(), 0};
    list[0] = &opt;
  }
  sk_option** get() { return list; }
};

EnrolledKey from_response(const sk_enroll_response* r) {
  EnrolledKey k;
  k.flags = r->flags;
  k.public_key.assign(r->public_key, r->public_key + r->public_key_len);
  k.key_handle.assign(r->key_handle, r->key_handle + r->key_handle_len);
  return k;
}

TEST(SkProviderE2E, EnrollSignAndLoadResidentKeysThroughTheAbi) {
  VtokenProcess t({.args = {"--pin", "4321"}});
  ASSERT_TRUE(t.ready());
  Options1 opts("vtoken:" + t.hid_socket());
  uint8_t chal[32] = {9};
  for (uint32_t alg : {kAlgEcdsaP256, kAlgEd25519}) {
    std::string app = alg == kAlgEd25519 ? "ssh:ed" : "ssh:ec";
    sk_enroll_response* er = nullptr;
    // Resident without the PIN: "PIN required", so ssh-keygen asks for it.
    ASSERT_EQ(sk_enroll(alg, chal, sizeof(chal), app.c_str(), 0x21, nullptr, opts.get(), &er),
              kSkErrPinRequired);
    ASSERT_EQ(sk_enroll(alg, chal, sizeof(chal), app.c_str(), 0x21, "0000", opts.get(), &er),
              kSkErrPinRequired);
    ASSERT_EQ(sk_enroll(alg, chal, sizeof(chal), app.c_str(), 0x21, "4321", opts.get(), &er), 0);
    ASSERT_NE(er, nullptr);
    EXPECT_EQ(er->flags, 0x21);
    EXPECT_GT(er->signature_len, 0u);
    EXPECT_GT(er->authdata_len, 0u);
    EnrolledKey k = from_response(er);
    free_enroll_response(er);
    er = nullptr;
    EXPECT_EQ(sk_enroll(alg, chal, sizeof(chal), app.c_str(), 0x21, "4321", opts.get(), &er),
              kSkErrCredentialExists);

    const uint8_t data[] = "data to sign";
    sk_sign_response* sr = nullptr;
    ASSERT_EQ(sk_sign(alg, data, sizeof(data), app.c_str(), k.key_handle.data(),
                      k.key_handle.size(), 0x01, nullptr, opts.get(), &sr),
              0);
    Signature s;
    s.flags = sr->flags;
    s.counter = sr->counter;
    s.sig_r.assign(sr->sig_r, sr->sig_r + sr->sig_r_len);
    if (sr->sig_s != nullptr) s.sig_s.assign(sr->sig_s, sr->sig_s + sr->sig_s_len);
    free_sign_response(sr);
    EXPECT_TRUE(verify_sk(alg, k, app, ByteView(data, sizeof(data)), s).ok());
  }
  sk_resident_key** rks = nullptr;
  size_t n = 0;
  EXPECT_EQ(sk_load_resident_keys(nullptr, opts.get(), &rks, &n), kSkErrPinRequired);
  ASSERT_EQ(sk_load_resident_keys("4321", opts.get(), &rks, &n), 0);
  ASSERT_EQ(n, 2u);
  for (size_t i = 0; i < n; i++) {
    EXPECT_EQ(rks[i]->flags & 0x21, 0x21);
    EXPECT_EQ(std::string(rks[i]->application).rfind("ssh:e", 0), 0u);
    EXPECT_EQ(rks[i]->user_id_len, 32u);
    EXPECT_GT(rks[i]->key.key_handle_len, 0u);
    EXPECT_EQ(rks[i]->key.public_key_len, rks[i]->alg == kAlgEd25519 ? 32u : 65u);
    free_resident_key(rks[i]);
  }
  free(rks);
}

// skagent-sk-helper, as the agent runs it: requests on fd 3. `args`: the provider and the
// virtual tokens ("internal", "/path/hid.sock"); `env`: what the child gets besides ours.
class Helper {
 public:
  explicit Helper(std::vector<std::string> args, std::vector<std::string> env = {}) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
    SpawnOptions so;
    so.argv = {built("bin", "skagent-sk-helper")};
    so.argv.insert(so.argv.end(), args.begin(), args.end());
    so.extra_env = std::move(env);
    so.fds = {{3, sv[1]}};
    auto pid = spawn_process(so);
    close(sv[1]);
    if (!pid) {
      close(sv[0]);
      return;
    }
    pid_ = *pid;
    fd_ = sv[0];
  }
  ~Helper() {
    if (fd_ >= 0) close(fd_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);  // ends at EOF on fd 3
  }
  bool ok() const { return fd_ >= 0; }

  bool send(const SkSignRequest& req) { return write_frame(fd_, encode_sign_request(req)); }
  Result<SkSignResult> receive() {
    uint8_t len[4];
    if (!read_all(len, 4)) return make_error(Errc::io, "helper closed");
    uint32_t n = uint32_t(len[0]) << 24 | uint32_t(len[1]) << 16 | uint32_t(len[2]) << 8 | len[3];
    Bytes body(n);
    if (!read_all(body.data(), n)) return make_error(Errc::io, "helper closed");
    return decode_sign_reply(body);
  }
  void close_channel() {
    close(fd_);
    fd_ = -1;
  }

 private:
  bool read_all(uint8_t* p, size_t n) {
    while (n > 0) {
      ssize_t r = read(fd_, p, n);
      if (r <= 0) return false;
      p += r;
      n -= size_t(r);
    }
    return true;
  }
  pid_t pid_ = -1;
  int fd_ = -1;
};

// A key made on `t` (Ed25519 unless said otherwise), and a request to sign `data` with it.
Result<EnrolledKey> enroll_on(VtokenProcess& t) {
  EnrollRequest er;
  Bytes chal(32, 1);
  er.challenge = chal;
  return enroll(vtoken_options({t.hid_socket()}), er);
}

SkSignRequest request_for(const EnrolledKey& k, std::string_view data, uint8_t flags) {
  SkSignRequest req;
  req.alg = EnrollRequest{}.alg;
  req.data = to_bytes(view(data));
  req.application = "ssh:";
  req.key_handle = k.key_handle;
  req.flags = flags;
  return req;
}

// The built libskagent-sk.so, loaded by skagent-sk-helper as the agent's ssh-add -S keys are:
// no options reach it, so it finds the token through the $SKAGENT_VTOKEN the helper was given
// (read at the library's entry point). In a process of its own, so libpcsclite here stays
// unbound for the PC/SC tests, and this test's own environment is left alone.
TEST(SkProviderE2E, BuiltLibraryLoadsAndSignsThroughSkagentsLoader) {
  std::string lib = built("lib", "libskagent-sk.so");
  ASSERT_TRUE(std::filesystem::exists(lib)) << lib << " (make " << lib << ")";
  VtokenProcess t;
  ASSERT_TRUE(t.ready());
  auto k = enroll_on(t);
  ASSERT_TRUE(k.ok()) << k.error().message;
  Helper h({lib}, {"SKAGENT_VTOKEN=" + t.hid_socket()});
  ASSERT_TRUE(h.ok());
  SkSignRequest req = request_for(*k, "signed through the .so", 0x01);
  ASSERT_TRUE(h.send(req));
  auto s = h.receive();
  ASSERT_TRUE(s.ok()) << s.error().message;
  Signature sig{s->flags, s->counter, s->sig_r, s->sig_s, ""};
  EXPECT_TRUE(verify_sk(req.alg, *k, "ssh:", req.data, sig).ok());
}

// The helper reads no $SKAGENT_VTOKEN of its own: the agent names the virtual tokens on its
// command line, and one in the environment alone is not used.
TEST(SkHelperInternal, VirtualTokensOnlyFromItsCommandLine) {
  VtokenProcess t;
  ASSERT_TRUE(t.ready());
  auto k = enroll_on(t);
  ASSERT_TRUE(k.ok()) << k.error().message;
  SkSignRequest req = request_for(*k, "named where?", 0);
  Helper env_only({"internal"}, {"SKAGENT_VTOKEN=" + t.hid_socket()});
  ASSERT_TRUE(env_only.ok());
  ASSERT_TRUE(env_only.send(req));
  EXPECT_FALSE(env_only.receive().ok());
  Helper named({"internal", t.hid_socket()});
  ASSERT_TRUE(named.ok());
  ASSERT_TRUE(named.send(req));
  auto s = named.receive();
  EXPECT_TRUE(s.ok()) << s.error().message;
}

TEST(SkHelperInternal, SignsWithTheBuiltInMiddleware) {
  VtokenProcess t;
  ASSERT_TRUE(t.ready());
  for (uint32_t alg : {kAlgEcdsaP256, kAlgEd25519}) {
    EnrollRequest er;
    er.alg = alg;
    Bytes chal(32, 1);
    er.challenge = chal;
    auto k = enroll(vtoken_options({t.hid_socket()}), er);
    ASSERT_TRUE(k.ok()) << k.error().message;
    Helper h({"internal", t.hid_socket()});
    ASSERT_TRUE(h.ok());
    SkSignRequest req;
    req.alg = alg;
    req.data = to_bytes(view("user-auth request"));
    req.application = "ssh:";
    req.key_handle = k->key_handle;
    req.flags = 0x01;
    int before = std::stoi(t.control("touches"));
    ASSERT_TRUE(h.send(req));
    req.key_handle[0] ^= 0xff;  // pipelined: a key the token does not hold
    ASSERT_TRUE(h.send(req));
    auto s = h.receive();
    ASSERT_TRUE(s.ok()) << s.error().message;
    Signature sig{s->flags, s->counter, s->sig_r, s->sig_s, ""};
    EXPECT_TRUE(verify_sk(alg, *k, "ssh:", to_bytes(view("user-auth request")), sig).ok());
    auto unknown = h.receive();
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, Errc::not_found) << unknown.error().message;
    EXPECT_EQ(std::stoi(t.control("touches")), before + 1);
  }
}

TEST(SkHelperInternal, AgentGoingAwayCancelsTheTouchWait) {
  VtokenProcess t;
  ASSERT_TRUE(t.ready());
  auto k = enroll_on(t);
  ASSERT_TRUE(k.ok()) << k.error().message;
  ASSERT_EQ(t.control("touch never"), "ok");
  ASSERT_EQ(t.control("touch-timeout 20000"), "ok");
  {
    Helper h({"internal", t.hid_socket()});
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE(h.send(request_for(*k, "0123456789", 0x01)));
    ASSERT_TRUE(t.wait_until_waiting());
    h.close_channel();
  }  // the helper exits (waited for here) once its request is cancelled
  EXPECT_EQ(t.status()["waiting"], "0");
}

}  // namespace
}  // namespace skagent::fido::testing
