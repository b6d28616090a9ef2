// SPDX-License-Identifier: BSD-2-Clause
#include "fido/apdu.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>

namespace skagent::fido::apdu {

namespace {

constexpr uint8_t kClaCtap = 0x80;
constexpr uint8_t kClaChain = 0x10;
constexpr uint8_t kInsNfcCtapMsg = 0x10;
constexpr uint8_t kInsNfcCtapGetResponse = 0x11;
constexpr uint8_t kInsGetResponse = 0xC0;
constexpr uint8_t kInsSelect = 0xA4;
constexpr uint8_t kP1GetResponseSupported = 0x80;

std::string sw_text(uint16_t sw) {
  char buf[8];
  snprintf(buf, sizeof(buf), "%04X", unsigned(sw));
  return buf;
}

Error card_refused(uint16_t sw) {
  std::string why;
  switch (sw) {
    case 0x6A82:
      why = "no FIDO applet on this card";
      break;
    case 0x6985:
      why = "the card refused the request in its current state";
      break;
    case 0x6D00:
      why = "the card does not know the command";
      break;
    case 0x6E00:
      why = "the card does not accept the command class";
      break;
    case 0x6700:
      why = "the card refused the length of the request";
      break;
    default:
      why = "the card refused the request";
      break;
  }
  return make_error(Errc::io, why + " (SW " + sw_text(sw) + ")");
}

// Sends C-APDUs within the limits: deadline, cancellation, APDU count.
class Sender {
 public:
  Sender(const Transmit& t, const Limits& l) : transmit_(t), limits_(l) {}

  Result<Response> send(ByteView capdu, bool poll = false) {
    bool counted = !poll || limits_.deadline == std::chrono::steady_clock::time_point::max();
    if (counted && ++sent_ > limits_.max_apdus) {
      return make_error(Errc::limit, "the card kept asking for more APDUs: giving up");
    }
    if (limits_.cancelled && limits_.cancelled()) {
      return make_error(Errc::timeout, "the request to the card was cancelled");
    }
    if (std::chrono::steady_clock::now() > limits_.deadline) {
      return make_error(Errc::timeout, "the card did not finish in time");
    }
    auto r = transmit_(capdu);
    if (!r) return r.error();
    auto parsed = parse_response(*r);
    if (parsed) working_ = parsed->sw == kSwStatusUpdate;
    return parsed;
  }

  // Whether the card's last answer was 9100: it still works on the request.
  bool card_working() const { return working_; }

  // Follows 61xx (GET RESPONSE) and 9100 (status polling) to the final
  // answer; `out` gathers the data; the final SW is returned.
  Result<uint16_t> collect(Response first, Bytes& out) {
    Response r = std::move(first);
    for (;;) {
      if (r.sw == kSwStatusUpdate) {
        std::this_thread::sleep_for(limits_.poll_interval);
        auto next = send(nfcctap_getresponse(), true);
        if (!next) return next.error();
        r = std::move(*next);
        continue;
      }
      if (out.size() + r.data.size() > limits_.max_response) {
        return make_error(Errc::limit, "the card's answer is larger than any CTAP reply can be");
      }
      out.insert(out.end(), r.data.begin(), r.data.end());
      if ((r.sw >> 8) != kSw1MoreData) return r.sw;
      auto next = send(get_response(uint8_t(r.sw & 0xff)));
      if (!next) return next.error();
      r = std::move(*next);
    }
  }

 private:
  const Transmit& transmit_;
  const Limits& limits_;
  int sent_ = 0;
  bool working_ = false;
};

Bytes header(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2) { return Bytes{cla, ins, p1, p2}; }

}  // namespace

Result<Response> parse_response(ByteView rapdu) {
  if (rapdu.size() < 2) return make_error(Errc::malformed, "the card's answer has no status word");
  Response r;
  r.data.assign(rapdu.begin(), rapdu.end() - 2);
  r.sw = uint16_t(rapdu[rapdu.size() - 2] << 8 | rapdu[rapdu.size() - 1]);
  return r;
}

Bytes select_fido() {
  Bytes c = header(0x00, kInsSelect, 0x04, 0x00);
  c.push_back(uint8_t(sizeof(kFidoAid)));
  c.insert(c.end(), std::begin(kFidoAid), std::end(kFidoAid));
  c.push_back(0x00);
  return c;
}

std::vector<Bytes> nfcctap_msg(ByteView request, size_t chunk) {
  if (chunk == 0 || chunk > 255) chunk = kChunk;
  std::vector<Bytes> out;
  size_t off = 0;
  do {
    size_t n = std::min(chunk, request.size() - off);
    bool last = off + n == request.size();
    Bytes c = header(uint8_t(kClaCtap | (last ? 0 : kClaChain)), kInsNfcCtapMsg,
                     kP1GetResponseSupported, 0x00);
    if (n > 0) {
      c.push_back(uint8_t(n));
      c.insert(c.end(), request.begin() + long(off), request.begin() + long(off + n));
    }
    if (last) c.push_back(0x00);  // Le: up to 256 bytes, the rest by GET RESPONSE
    out.push_back(std::move(c));
    off += n;
  } while (off < request.size());
  return out;
}

Bytes get_response(uint8_t le) {
  Bytes c = header(0x00, kInsGetResponse, 0x00, 0x00);
  c.push_back(le);
  return c;
}

Bytes nfcctap_getresponse() {
  Bytes c = header(kClaCtap, kInsNfcCtapGetResponse, 0x00, 0x00);
  c.push_back(0x00);
  return c;
}

Result<Bytes> select(const Transmit& transmit) {
  Limits limits;
  limits.max_response = 256;
  limits.max_apdus = 8;
  limits.poll_interval = std::chrono::milliseconds(0);  // an applet answers SELECT at once
  Sender s(transmit, limits);
  auto first = s.send(select_fido());
  if (!first) return first.error();
  Bytes version;
  auto sw = s.collect(std::move(*first), version);
  if (!sw) return sw.error();
  if (*sw != kSwOk) return card_refused(*sw);
  return version;
}

Result<Bytes> ctap(const Transmit& transmit, ByteView request, const Limits& limits) {
  if (request.empty()) return make_error(Errc::malformed, "empty CTAP request");
  if (request.size() > 65535) return make_error(Errc::limit, "CTAP request too large for the card");
  Sender s(transmit, limits);
  auto apdus = nfcctap_msg(request);
  for (size_t i = 0; i + 1 < apdus.size(); i++) {
    auto r = s.send(apdus[i]);
    if (!r) return r.error();
    if (r->sw != kSwOk) return card_refused(r->sw);
  }
  auto last = s.send(apdus.back());
  if (!last) return last.error();
  Bytes reply;
  auto sw = s.collect(std::move(*last), reply);
  if (!sw) {
    // Given up while the card works: any command but a poll ends its request.
    if (s.card_working()) (void)transmit(select_fido());
    return sw.error();
  }
  if (*sw != kSwOk) return card_refused(*sw);
  if (reply.empty())
    return make_error(Errc::malformed, "the card's CTAP answer has no status byte");
  return reply;
}

Result<Bytes> raw(const Transmit& transmit, ByteView capdu, const Limits& limits) {
  if (capdu.size() < 4) return make_error(Errc::malformed, "C-APDU shorter than its header");
  Sender s(transmit, limits);
  auto first = s.send(capdu);
  if (!first) return first.error();
  Bytes out;
  auto sw = s.collect(std::move(*first), out);
  if (!sw) return sw.error();
  out.push_back(uint8_t(*sw >> 8));
  out.push_back(uint8_t(*sw & 0xff));
  return out;
}

}  // namespace skagent::fido::apdu
