// SPDX-License-Identifier: BSD-2-Clause
#include "fido/pcsc_transport.h"

#include <winscard.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "fido/apdu.h"

namespace skagent::fido {

namespace {

// What libfido2 is given to open: not "pcsc:", which a libfido2 built with
// PC/SC would take for one of its own paths.
constexpr std::string_view kOpenPrefix = "skagent-pcsc:";
// A card that keeps answering "still working" is given up on after this.
constexpr auto kMaxCardTime = std::chrono::seconds(120);
constexpr size_t kMaxRapdu = 65536 + 2;

struct Card {
  SCARDCONTEXT ctx = 0;
  SCARDHANDLE card = 0;
  DWORD proto = 0;
  uint8_t nonce[8] = {};
  Bytes version;  // the applet's answer to SELECT
  std::atomic<bool> cancel{false};
  // The CTAP exchange runs on `worker`; rx waits on `finished` for it.
  std::thread worker;
  std::mutex m;
  std::condition_variable finished;
  bool running = false;      // guarded by m
  bool reply_ready = false;  // guarded by m
  Bytes reply;               // guarded by m: the answer to the last request, for rx
};

Result<Bytes> transmit(Card& c, ByteView capdu) {
  Bytes out(kMaxRapdu);
  DWORD len = DWORD(out.size());
  const SCARD_IO_REQUEST* pci = c.proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  LONG rc =
      SCardTransmit(c.card, pci, capdu.data(), DWORD(capdu.size()), nullptr, out.data(), &len);
  if (rc != SCARD_S_SUCCESS) {
    return make_error(Errc::io, std::string("PC/SC transmit: ") + pcsc_stringify_error(rc));
  }
  if (len > out.size()) return make_error(Errc::malformed, "PC/SC answer longer than its buffer");
  out.resize(len);
  return out;
}

apdu::Transmit transmit_fn(Card& c) {
  return [&c](ByteView capdu) { return transmit(c, capdu); };
}

apdu::Limits limits_for(Card& c) {
  apdu::Limits l;
  l.deadline = std::chrono::steady_clock::now() + kMaxCardTime;
  l.cancelled = [&c] { return c.cancel.load(); };
  return l;
}

Card* card_of(fido_dev_t* d) { return static_cast<Card*>(fido_dev_io_handle(d)); }

// Stops and joins the worker of the previous exchange, if any (one that
// rx gave up waiting for is cancelled), so only one thread uses the card.
void end_exchange(Card& c) {
  if (!c.worker.joinable()) return;
  c.cancel = true;
  c.worker.join();
}

void* io_open(const char* path) {
  std::string_view p = path != nullptr ? path : "";
  if (p.substr(0, kOpenPrefix.size()) == kOpenPrefix) p.remove_prefix(kOpenPrefix.size());
  if (p.empty()) return nullptr;
  std::string reader(p);
  auto* c = new Card;
  if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &c->ctx) != SCARD_S_SUCCESS) {
    delete c;
    return nullptr;
  }
  if (SCardConnect(c->ctx, reader.c_str(), SCARD_SHARE_SHARED,
                   SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &c->card, &c->proto) != SCARD_S_SUCCESS) {
    SCardReleaseContext(c->ctx);
    delete c;
    return nullptr;
  }
  return c;
}

void io_close(void* handle) {
  auto* c = static_cast<Card*>(handle);
  if (c == nullptr) return;
  end_exchange(*c);  // a card still waiting for a touch is told to stop
  SCardDisconnect(c->card, SCARD_LEAVE_CARD);
  SCardReleaseContext(c->ctx);
  delete c;
}

// libfido2 wants all four io functions; with a transport set it uses only
// open and close.
int io_read(void*, unsigned char*, size_t, int) { return -1; }
int io_write(void*, const unsigned char*, size_t) { return -1; }

void run_exchange(Card& c, uint8_t cmd, const Bytes& request) {
  Result<Bytes> r = cmd == CTAP_CMD_CBOR ? apdu::ctap(transmit_fn(c), request, limits_for(c))
                                         : apdu::raw(transmit_fn(c), request, limits_for(c));
  std::lock_guard<std::mutex> lock(c.m);
  if (r) {
    c.reply = std::move(*r);
    c.reply_ready = true;
  } else if (c.cancel.load()) {
    c.reply = Bytes{FIDO_ERR_KEEPALIVE_CANCEL};  // as a HID token answers a cancelled request
    c.reply_ready = true;
  }
  c.running = false;
  c.finished.notify_all();
}

// Starts one request on a worker thread and returns at once: libfido2's
// touch-to-select sends a request to every token, then polls each with a
// short rx, so no card may hold the caller while it waits for its touch.
int start_exchange(Card& c, uint8_t cmd, ByteView in) {
  end_exchange(c);
  c.cancel = false;
  {
    std::lock_guard<std::mutex> lock(c.m);
    c.reply_ready = false;
    c.running = true;
  }
  try {
    c.worker = std::thread(run_exchange, std::ref(c), cmd, Bytes(in.begin(), in.end()));
  } catch (const std::system_error&) {
    std::lock_guard<std::mutex> lock(c.m);
    c.running = false;
    return -1;
  }
  return 0;
}

int tx(fido_dev_t* d, uint8_t cmd, const unsigned char* buf, size_t n) {
  Card* c = card_of(d);
  if (c == nullptr) return -1;
  ByteView in(buf, buf == nullptr ? 0 : n);
  switch (cmd) {
    case CTAP_CMD_INIT: {
      if (in.size() != sizeof(c->nonce)) return -1;
      end_exchange(*c);
      memcpy(c->nonce, in.data(), sizeof(c->nonce));
      auto v = apdu::select(transmit_fn(*c));
      if (!v) return -1;
      c->version = std::move(*v);
      return 0;
    }
    case CTAP_CMD_CBOR:
    case CTAP_CMD_MSG:
      return start_exchange(*c, cmd, in);
    case CTAP_CMD_CANCEL:
      c->cancel = true;  // the worker sees it before its next APDU
      return 0;
    default:
      return -1;
  }
}

// The 17-byte CTAPHID INIT answer libfido2 expects: nonce, channel, protocol,
// version, capabilities.
int rx_init(Card& c, unsigned char* buf, size_t count) {
  constexpr size_t kInitLen = 17;
  if (count != kInitLen) return -1;
  std::string_view v = as_string(c.version);
  uint8_t caps = 0;
  if (v.substr(0, 6) == "FIDO_2") {
    caps = FIDO_CAP_CBOR | FIDO_CAP_NMSG;
  } else if (v == "U2F_V2") {
    caps = FIDO_CAP_CBOR;  // as libfido2's NFC transport: tries CTAP2, falls back to U2F
  } else {
    return -1;
  }
  memset(buf, 0, kInitLen);
  memcpy(buf, c.nonce, sizeof(c.nonce));
  buf[8] = 0x01;  // a channel id; only HID framing uses it
  buf[12] = 2;    // CTAPHID protocol version
  buf[16] = caps;
  return int(kInitLen);
}

// Waits up to `ms` (no limit when negative) for the exchange. -1 while it
// still runs: libfido2's touch-status poll takes that for "not yet".
int rx_reply(Card& c, unsigned char* buf, size_t count, int ms) {
  std::unique_lock<std::mutex> lock(c.m);
  auto done = [&c] { return !c.running; };
  if (ms < 0) {
    c.finished.wait(lock, done);
  } else if (!c.finished.wait_for(lock, std::chrono::milliseconds(ms), done)) {
    return -1;
  }
  if (!c.reply_ready || c.reply.size() > count || c.reply.size() > size_t(INT32_MAX)) return -1;
  memcpy(buf, c.reply.data(), c.reply.size());
  c.reply_ready = false;
  return int(c.reply.size());
}

int rx(fido_dev_t* d, uint8_t cmd, unsigned char* buf, size_t count, int ms) {
  Card* c = card_of(d);
  if (c == nullptr || buf == nullptr) return -1;
  if (cmd == CTAP_CMD_INIT) return rx_init(*c, buf, count);
  if (cmd != CTAP_CMD_CBOR && cmd != CTAP_CMD_MSG) return -1;
  return rx_reply(*c, buf, count, ms);
}

const fido_dev_io_t kIo = {io_open, io_close, io_read, io_write};
const fido_dev_transport_t kTransport = {rx, tx};

}  // namespace

bool is_pcsc_path(std::string_view path) {
  return path.substr(0, kPcscPathPrefix.size()) == kPcscPathPrefix;
}

int pcsc_open(fido_dev_t* dev, const std::string& reader) {
  int r = fido_dev_set_io_functions(dev, &kIo);
  if (r != FIDO_OK) return r;
  r = fido_dev_set_transport_functions(dev, &kTransport);
  if (r != FIDO_OK) return r;
  return fido_dev_open(dev, (std::string(kOpenPrefix) + reader).c_str());
}

namespace {

// A reader's state now (SCARD_STATE_* in the low word, pcscd's count of card
// insertions and removals in the high word); nullopt when it cannot be read.
std::optional<DWORD> reader_state(SCARDCONTEXT ctx, const std::string& reader) {
  SCARD_READERSTATE st{};
  st.szReader = reader.c_str();
  st.dwCurrentState = SCARD_STATE_UNAWARE;
  if (SCardGetStatusChange(ctx, 0, &st, 1) != SCARD_S_SUCCESS) return std::nullopt;
  return st.dwEventState;
}

bool holds_card(DWORD state) {
  return (state & SCARD_STATE_PRESENT) && !(state & SCARD_STATE_MUTE);
}

struct Context {
  SCARDCONTEXT ctx = 0;
  Context() {
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS)
      ctx = 0;
  }
  ~Context() {
    if (ctx != 0) SCardReleaseContext(ctx);
  }
};

}  // namespace

Result<std::vector<std::string>> pcsc_readers() {
  std::vector<std::string> out;
  Context c;
  if (c.ctx == 0) return out;
  DWORD len = 0;
  LONG rc = SCardListReaders(c.ctx, nullptr, nullptr, &len);
  std::string names(len, '\0');
  if (rc == SCARD_S_SUCCESS && len > 0) rc = SCardListReaders(c.ctx, nullptr, names.data(), &len);
  if (rc != SCARD_S_SUCCESS) return out;
  names.resize(std::min<size_t>(len, names.size()));
  for (size_t pos = 0; pos < names.size();) {
    size_t end = names.find('\0', pos);
    if (end == std::string::npos) end = names.size();
    if (end > pos) {
      std::string reader = names.substr(pos, end - pos);
      auto state = reader_state(c.ctx, reader);
      if (state && holds_card(*state)) out.push_back(reader);
    }
    pos = end + 1;
  }
  return out;
}

std::optional<uint32_t> pcsc_card_insertion(const std::string& reader) {
  Context c;
  if (c.ctx == 0) return std::nullopt;
  auto state = reader_state(c.ctx, reader);
  if (!state || !holds_card(*state)) return std::nullopt;
  return uint32_t(*state >> 16);
}

}  // namespace skagent::fido
