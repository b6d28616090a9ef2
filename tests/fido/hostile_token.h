// SPDX-License-Identifier: BSD-2-Clause
// A scripted CTAPHID token on a UNIX socket, reached through fido/vtoken_io
// as "vtoken:<socket>" like skagent-vtoken, but answering what a test tells
// it to: garbage, lies, keepalives forever, silence, a dropped connection.
// For tests that a lying or broken token never crashes or hangs fido/.
#pragma once

#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "fido/vtoken_io.h"
#include "base/bytes.h"

namespace skagent::fido::testing {

class HostileToken {
 public:
  struct Script {
    // The answer (CTAP status ‖ CBOR) to a CBOR command (command byte,
    // parameters). getInfo has a canned answer unless this gives one
    // (returning nullopt falls back to it).
    std::function<std::optional<Bytes>(uint8_t cmd, ByteView params)> answer;
    bool keepalive_forever = false;  // answer CBOR requests (but getInfo) with keepalives only
    bool honour_cancel = true;       // ...until CANCEL, answered with status 0x2D
    bool silent = false;             // never answer a CBOR request (but getInfo)
    bool bad_nonce = false;          // answer INIT with someone else's nonce
    bool close_mid_reply = false;    // send half an answer and hang up
    uint16_t claimed_length = 0;     // nonzero: claim this message length, send one packet
  };

  explicit HostileToken(Script s) : script_(std::move(s)) {
    char tmpl[] = "/tmp/skht-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/hid.sock";
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sun {};
    sun.sun_family = AF_UNIX;
    strncpy(sun.sun_path, path_.c_str(), sizeof(sun.sun_path) - 1);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0 ||
        listen(listen_fd_, 8) != 0)
      abort();
    if (pipe(stop_) != 0) abort();
    thread_ = std::thread([this] { serve(); });
  }
  ~HostileToken() {
    if (write(stop_[1], "x", 1) < 0) {}
    thread_.join();
    close(listen_fd_);
    close(stop_[0]);
    close(stop_[1]);
    std::filesystem::remove_all(dir_);
  }

  std::string device() const { return vtoken_device_path(path_); }
  int cancels() const { return cancels_.load(); }
  int requests() const { return requests_.load(); }

  // The CBOR of a getAssertion answer: credential, authenticator data for
  // `rp_hash`, `flags` and `counter`, and `sig`.
  static Bytes assertion_reply(ByteView key_handle, ByteView rp_hash, uint8_t flags,
                               uint32_t counter, ByteView sig) {
    Bytes b = {0x00, 0xA3, 0x01, 0xA2, 0x62, 'i', 'd'};
    byte_string(b, key_handle);
    b.insert(b.end(), {0x64, 't', 'y', 'p', 'e', 0x6A});
    for (char c : std::string_view("public-key")) b.push_back(uint8_t(c));
    b.push_back(0x02);
    Bytes ad(rp_hash.begin(), rp_hash.end());
    ad.push_back(flags);
    for (int i = 3; i >= 0; i--) ad.push_back(uint8_t(counter >> (8 * i)));
    byte_string(b, ad);
    b.push_back(0x03);
    byte_string(b, sig);
    return b;
  }

 private:
  static constexpr size_t kReport = 64;

  static void byte_string(Bytes& b, ByteView v) {
    if (v.size() < 24) {
      b.push_back(uint8_t(0x40 | v.size()));
    } else if (v.size() < 256) {
      b.push_back(0x58);
      b.push_back(uint8_t(v.size()));
    } else {
      b.push_back(0x59);
      b.push_back(uint8_t(v.size() >> 8));
      b.push_back(uint8_t(v.size()));
    }
    b.insert(b.end(), v.begin(), v.end());
  }

  static Bytes get_info() {
    Bytes b = {0x00, 0xA3, 0x01, 0x81, 0x68};
    for (char c : std::string_view("FIDO_2_0")) b.push_back(uint8_t(c));
    b.insert(b.end(), {0x03, 0x50});
    b.insert(b.end(), 16, 0x42);
    b.insert(b.end(), {0x04, 0xA1, 0x62, 'u', 'p', 0xF5});
    return b;
  }

  bool stopping() {
    struct pollfd p = {stop_[0], POLLIN, 0};
    return poll(&p, 1, 0) > 0;
  }

  void serve() {
    for (;;) {
      struct pollfd p[2] = {{stop_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      if (poll(p, 2, -1) < 0) continue;
      if (p[0].revents) return;
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      session(fd);
      close(fd);
    }
  }

  // One report, or false when the peer hung up or we are stopping; waits at
  // most `ms` (-1: until one comes).
  bool read_report(int fd, uint8_t* r, int ms = -1) {
    size_t have = 0;
    while (have < kReport) {
      struct pollfd p[2] = {{fd, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      int rc = poll(p, 2, have == 0 ? ms : -1);
      if (rc == 0) return false;
      if (rc < 0 || p[1].revents) return false;
      ssize_t n = read(fd, r + have, kReport - have);
      if (n <= 0) return false;
      have += size_t(n);
    }
    return true;
  }

  bool send_message(int fd, const uint8_t cid[4], uint8_t cmd, ByteView data,
                    size_t stop_after = SIZE_MAX) {
    size_t off = 0;
    uint8_t seq = 0;
    size_t sent = 0;
    do {
      uint8_t r[kReport] = {};
      memcpy(r, cid, 4);
      size_t room;
      size_t hdr;
      if (off == 0) {
        r[4] = cmd;
        r[5] = uint8_t(data.size() >> 8);
        r[6] = uint8_t(data.size());
        hdr = 7;
      } else {
        r[4] = seq++;
        hdr = 5;
      }
      room = kReport - hdr;
      size_t n = std::min(room, data.size() - off);
      if (n > 0) memcpy(r + hdr, data.data() + off, n);
      off += n;
      if (write(fd, r, kReport) != ssize_t(kReport)) return false;
      if (++sent >= stop_after) return false;
    } while (off < data.size());
    return true;
  }

  void session(int fd) {
    uint8_t cid[4] = {0, 0, 0, 0};
    for (;;) {
      uint8_t r[kReport];
      if (!read_report(fd, r)) return;
      uint8_t cmd = r[4];
      size_t len = size_t(r[5]) << 8 | r[6];
      Bytes msg(r + 7, r + 7 + std::min<size_t>(len, kReport - 7));
      while (msg.size() < len) {
        if (!read_report(fd, r)) return;
        size_t n = std::min(len - msg.size(), kReport - 5);
        msg.insert(msg.end(), r + 5, r + 5 + n);
      }
      if (cmd == 0x86) {  // INIT
        uint8_t bcast[4] = {0xff, 0xff, 0xff, 0xff};
        Bytes reply(msg.begin(), msg.begin() + std::min<size_t>(8, msg.size()));
        if (script_.bad_nonce && !reply.empty()) reply[0] ^= 0xff;
        reply.insert(reply.end(), {0x01, 0x02, 0x03, 0x04, 2, 1, 0, 0, 0x04 | 0x08});
        memcpy(cid, reply.data() + 8, 4);
        if (!send_message(fd, bcast, 0x86, reply)) return;
        continue;
      }
      if (cmd == 0x91) {  // CANCEL outside a request: nothing to end
        cancels_++;
        continue;
      }
      if (cmd != 0x90 || msg.empty()) {
        Bytes err = {0x01};
        if (!send_message(fd, cid, 0xBF, err)) return;
        continue;
      }
      if (!cbor(fd, cid, msg[0], ByteView(msg).subspan(1))) return;
    }
  }

  // Answers one CBOR request; false when the connection is over.
  bool cbor(int fd, const uint8_t cid[4], uint8_t cmd, ByteView params) {
    std::optional<Bytes> answer;
    if (script_.answer) answer = script_.answer(cmd, params);
    if (cmd == 0x04 && !answer) answer = get_info();
    if (cmd == 0x04) return send_message(fd, cid, 0x90, *answer);
    requests_++;
    if (script_.silent) return wait_for_cancel(fd, cid, false);
    if (script_.keepalive_forever) return wait_for_cancel(fd, cid, true);
    Bytes a = answer ? *answer : Bytes{0x01};
    if (script_.claimed_length != 0) {
      uint8_t r[kReport] = {};
      memcpy(r, cid, 4);
      r[4] = 0x90;
      r[5] = uint8_t(script_.claimed_length >> 8);
      r[6] = uint8_t(script_.claimed_length);
      memcpy(r + 7, a.data(), std::min(a.size(), kReport - 7));
      return write(fd, r, kReport) == ssize_t(kReport) && wait_for_cancel(fd, cid, false);
    }
    if (script_.close_mid_reply) {
      Bytes big = a;
      big.resize(std::max<size_t>(a.size(), 200), 0);
      send_message(fd, cid, 0x90, big, 1);
      return false;
    }
    return send_message(fd, cid, 0x90, a);
  }

  // Keepalives (or nothing) until CANCEL; a cancel is answered with 0x2D
  // when the script honours it. False when the connection is over.
  bool wait_for_cancel(int fd, const uint8_t cid[4], bool keepalive) {
    for (;;) {
      if (keepalive) {
        Bytes status = {0x02};
        if (!send_message(fd, cid, 0xBB, status)) return false;
      }
      uint8_t r[kReport];
      if (!read_report(fd, r, 50)) {
        if (stopping()) return false;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 0) > 0) {
          char c;
          if (recv(fd, &c, 1, MSG_PEEK) <= 0) return false;  // hung up
        }
        continue;
      }
      if (r[4] == 0x91) {
        cancels_++;
        if (script_.honour_cancel) {
          Bytes status = {0x2D};
          return send_message(fd, cid, 0x90, status);
        }
      }
    }
  }

  Script script_;
  std::string dir_, path_;
  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  std::atomic<int> cancels_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace skagent::fido::testing
