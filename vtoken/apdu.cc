// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/apdu.h"

namespace skagent::vtoken {

Result<CommandApdu> CommandApdu::parse(ByteView a) {
  auto bad = [](const char* why) {
    return make_error(Errc::malformed, std::string("APDU: ") + why);
  };
  if (a.size() < 4) return bad("shorter than a header");
  CommandApdu c;
  c.cla = a[0];
  c.ins = a[1];
  c.p1 = a[2];
  c.p2 = a[3];
  size_t n = a.size();
  if (n == 4) return c;  // case 1
  if (n == 5) {          // case 2S
    c.le = a[4] == 0 ? 256 : a[4];
    return c;
  }
  if (a[4] != 0) {  // short Lc
    size_t lc = a[4];
    if (n == 5 + lc) {
      c.data.assign(a.begin() + 5, a.end());
      return c;
    }
    if (n == 6 + lc) {
      c.data.assign(a.begin() + 5, a.begin() + 5 + long(lc));
      c.le = a[n - 1] == 0 ? 256 : a[n - 1];
      return c;
    }
    return bad("length does not match Lc");
  }
  // Extended: 00 then two bytes.
  if (n < 7) return bad("truncated extended length");
  c.extended = true;
  size_t l = size_t(a[5]) << 8 | a[6];
  if (n == 7) {  // case 2E
    c.le = l == 0 ? 65536 : uint32_t(l);
    return c;
  }
  if (l == 0) return bad("extended Lc of zero");
  if (n == 7 + l) {
    c.data.assign(a.begin() + 7, a.end());
    return c;
  }
  if (n == 9 + l) {
    c.data.assign(a.begin() + 7, a.begin() + 7 + long(l));
    size_t le = size_t(a[n - 2]) << 8 | a[n - 1];
    c.le = le == 0 ? 65536 : uint32_t(le);
    return c;
  }
  return bad("length does not match extended Lc");
}

Bytes CommandApdu::encode() const {
  Bytes out = {cla, ins, p1, p2};
  bool ext = extended || data.size() > 255 || (le && *le > 256);
  if (!data.empty()) {
    if (ext) {
      out.push_back(0);
      out.push_back(uint8_t(data.size() >> 8));
      out.push_back(uint8_t(data.size()));
    } else {
      out.push_back(uint8_t(data.size()));
    }
    out.insert(out.end(), data.begin(), data.end());
  }
  if (le) {
    if (ext) {
      if (data.empty()) out.push_back(0);
      uint32_t v = *le >= 65536 ? 0 : *le;
      out.push_back(uint8_t(v >> 8));
      out.push_back(uint8_t(v));
    } else {
      out.push_back(uint8_t(*le >= 256 ? 0 : *le));
    }
  }
  return out;
}

Bytes response_apdu(ByteView data, uint16_t status) {
  Bytes out(data.begin(), data.end());
  out.push_back(uint8_t(status >> 8));
  out.push_back(uint8_t(status));
  return out;
}

}  // namespace skagent::vtoken
