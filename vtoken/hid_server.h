// SPDX-License-Identifier: BSD-2-Clause
// CTAPHID over a UNIX stream socket: each connection carries 64-byte reports
// both ways, as /dev/hidraw would (without the report-ID byte). Several
// connections may be open (a platform probing several tokens opens each
// once); one CBOR request runs at a time. While a request waits for a touch
// (or works through a slow step) the server keeps reading: it sends KEEPALIVE
// every 100 ms (user presence needed, or processing), ends the wait on CANCEL or INIT on that channel or when the client
// goes away, still answers INIT from other clients, and tells them
// ERR_CHANNEL_BUSY otherwise.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <string>

#include "vtoken/authenticator.h"
#include "vtoken/ctaphid.h"

namespace skagent::vtoken {

class HidServer {
 public:
  // Binds `path` (mode 0600; a stale socket file there is replaced).
  static Result<std::unique_ptr<HidServer>> listen(const std::string& path, Authenticator& auth);
  ~HidServer();
  HidServer(const HidServer&) = delete;
  HidServer& operator=(const HidServer&) = delete;

  // Serves until `stop_fd` becomes readable.
  void run(int stop_fd);

 private:
  struct Conn {
    int fd = -1;
    bool closed = false;
    Bytes inbuf;
    ctaphid::Reassembler reasm;
  };
  class Waiter;

  HidServer(int fd, std::string path, Authenticator& auth)
      : fd_(fd), path_(std::move(path)), auth_(auth) {}
  void accept_clients();
  // Reads what is there and returns whole reports.
  std::vector<ctaphid::Report> read_reports(Conn& c);
  void handle(Conn& c, const ctaphid::Reassembler::Event& ev, Waiter* waiter);
  void handle_init(Conn& c, const ctaphid::Message& m);
  bool send(Conn& c, uint32_t cid, uint8_t cmd, ByteView payload);
  bool send_error(Conn& c, uint32_t cid, uint8_t code);
  bool channel_known(uint32_t cid) const;
  // Polls every connection once for up to `ms`; reports go to handle().
  bool poll_once(int stop_fd, int ms, Waiter* waiter);

  int fd_;
  std::string path_;
  Authenticator& auth_;
  std::list<Conn> conns_;
  std::deque<uint32_t> channels_;  // allocated CIDs, oldest first
  uint32_t next_cid_ = 1;
  bool busy_ = false;
  int stop_fd_ = -1;
};

}  // namespace skagent::vtoken
