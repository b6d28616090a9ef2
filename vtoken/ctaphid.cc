// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/ctaphid.h"

#include <algorithm>

namespace skagent::vtoken::ctaphid {

namespace {

uint32_t read_cid(const Report& r) {
  return uint32_t(r[0]) << 24 | uint32_t(r[1]) << 16 | uint32_t(r[2]) << 8 | r[3];
}

void write_cid(Report& r, uint32_t cid) {
  r[0] = uint8_t(cid >> 24);
  r[1] = uint8_t(cid >> 16);
  r[2] = uint8_t(cid >> 8);
  r[3] = uint8_t(cid);
}

Reassembler::Event error_event(uint32_t cid, uint8_t code) {
  Reassembler::Event e;
  e.kind = Reassembler::Event::error;
  e.cid = cid;
  e.error_code = code;
  return e;
}

}  // namespace

Result<std::vector<Report>> fragment(uint32_t cid, uint8_t cmd, ByteView payload) {
  if (payload.size() > kMaxPayload) return make_error(Errc::limit, "CTAPHID message too long");
  std::vector<Report> out;
  Report r{};
  write_cid(r, cid);
  r[4] = uint8_t(0x80 | cmd);
  r[5] = uint8_t(payload.size() >> 8);
  r[6] = uint8_t(payload.size());
  size_t n = std::min(payload.size(), kInitDataSize);
  std::copy_n(payload.begin(), n, r.begin() + 7);
  out.push_back(r);
  size_t off = n;
  for (uint8_t seq = 0; off < payload.size(); seq++) {
    Report c{};
    write_cid(c, cid);
    c[4] = seq;
    size_t m = std::min(payload.size() - off, kContDataSize);
    std::copy_n(payload.begin() + long(off), m, c.begin() + 5);
    out.push_back(c);
    off += m;
  }
  return out;
}

Bytes init_response(ByteView nonce, uint32_t new_cid, uint8_t capabilities) {
  Bytes out(nonce.begin(), nonce.end());
  out.push_back(uint8_t(new_cid >> 24));
  out.push_back(uint8_t(new_cid >> 16));
  out.push_back(uint8_t(new_cid >> 8));
  out.push_back(uint8_t(new_cid));
  out.push_back(2);  // CTAPHID protocol version
  out.push_back(1);  // device version major.minor.build
  out.push_back(0);
  out.push_back(0);
  out.push_back(capabilities);
  return out;
}

Reassembler::Event Reassembler::feed(const Report& r, std::chrono::steady_clock::time_point now) {
  uint32_t cid = read_cid(r);
  if (r[4] & 0x80) {
    uint8_t cmd = r[4] & 0x7f;
    size_t bcnt = size_t(r[5]) << 8 | r[6];
    if (pending_) {
      if (pending_->msg.cid != cid) return error_event(cid, kErrChannelBusy);
      // The same channel starting over: INIT resynchronises, anything else
      // is a sequence error that drops the half-received message.
      pending_.reset();
      if (cmd != kInit) return error_event(cid, kErrInvalidSeq);
    }
    if (cid == 0) return error_event(cid, kErrInvalidChannel);
    if (bcnt > kMaxPayload) return error_event(cid, kErrInvalidLen);
    Pending p;
    p.msg.cid = cid;
    p.msg.cmd = cmd;
    p.expected = bcnt;
    p.last = now;
    size_t n = std::min(bcnt, kInitDataSize);
    p.msg.payload.assign(r.begin() + 7, r.begin() + 7 + long(n));
    if (p.msg.payload.size() == p.expected) {
      Event e;
      e.kind = Event::message;
      e.cid = cid;
      e.msg = std::move(p.msg);
      return e;
    }
    pending_ = std::move(p);
    return {};
  }
  // Continuation packet: ignored unless it continues the message in flight.
  if (!pending_ || pending_->msg.cid != cid) return {};
  if (r[4] != pending_->next_seq) {
    pending_.reset();
    return error_event(cid, kErrInvalidSeq);
  }
  pending_->next_seq++;
  pending_->last = now;
  size_t n = std::min(pending_->expected - pending_->msg.payload.size(), kContDataSize);
  pending_->msg.payload.insert(pending_->msg.payload.end(), r.begin() + 5, r.begin() + 5 + long(n));
  if (pending_->msg.payload.size() < pending_->expected) return {};
  Event e;
  e.kind = Event::message;
  e.cid = cid;
  e.msg = std::move(pending_->msg);
  pending_.reset();
  return e;
}

Reassembler::Event Reassembler::expire(std::chrono::steady_clock::time_point now,
                                       std::chrono::milliseconds timeout) {
  if (!pending_ || now - pending_->last < timeout) return {};
  uint32_t cid = pending_->msg.cid;
  pending_.reset();
  return error_event(cid, kErrMsgTimeout);
}

std::optional<std::chrono::steady_clock::time_point> Reassembler::started() const {
  if (!pending_) return std::nullopt;
  return pending_->last;
}

}  // namespace skagent::vtoken::ctaphid
