// SPDX-License-Identifier: BSD-2-Clause
// A private pcscd with vsmartcard's vpcd driver for the virtual token, and a
// small PC/SC client speaking FIDO APDUs (SELECT, NFCCTAP_MSG with chaining,
// GET RESPONSE) through libpcsclite.
//
// pcscd 1.9.9 binds /run/pcscd/pcscd.comm unless it gets its socket by socket
// activation, so the harness runs `systemd-socket-activate -l SOCKET pcscd -f
// -c DIR/reader.conf`, which execs pcscd on the first client connection;
// clients follow PCSCLITE_CSOCK_NAME. libpcsclite reads that variable once
// per process and keeps the name, so every pcscd a test process starts (one
// at a time) listens on the same per-process path, pcscd_socket_path(). The
// token must listen before pcscd starts: vpcd 0.8 connects to a card once, at
// start.
#pragma once

#include <winscard.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "vtoken/apdu.h"
#include "tests/vtoken/vtoken_process.h"

namespace skagent::vtoken::testing {

inline constexpr const char* kVpcdDriver = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";

// A port P on 127.0.0.1 such that P and P+1 are free right now.
inline uint16_t free_port_pair() {
  for (int attempt = 0; attempt < 200; attempt++) {
    uint16_t p =
        uint16_t(20000 + (unsigned(rand()) ^ unsigned(getpid() * 7919 + attempt * 104729)) % 40000);
    bool ok = true;
    for (int i = 0; i < 2 && ok; i++) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      struct sockaddr_in sin {};
      sin.sin_family = AF_INET;
      sin.sin_port = htons(uint16_t(p + i));
      sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ok = bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0;
      close(fd);
    }
    if (ok) return p;
  }
  return 0;
}

// The one pcscd socket path of this test process (see above), in a private
// directory removed at exit.
inline const std::string& pcscd_socket_path() {
  struct Dir {
    std::string path = make_temp_dir("skpcscd");
    ~Dir() { std::filesystem::remove_all(path); }
  };
  static const Dir dir;
  static const std::string socket = dir.path + "/pcscd.comm";
  return socket;
}

class PcscdProcess {
 public:
  // Starts pcscd's socket activation for a vpcd reader at 127.0.0.1:port,
  // and points this process's PC/SC clients at it (PCSCLITE_CSOCK_NAME).
  PcscdProcess(const std::string& dir, uint16_t port) : dir_(dir) {
    std::ofstream conf(dir + "/reader.conf");
    conf << "FRIENDLYNAME \"skagent vtoken\"\n"
         << "DEVICENAME 127.0.0.1:" << port << "\n"
         << "LIBPATH " << kVpcdDriver << "\n"
         << "CHANNELID " << port << "\n";
    conf.close();
    mkdir("/run/pcscd", 0755);      // pcscd writes its pid file there
    unlink(socket_path().c_str());  // left by the previous pcscd of this process
    setenv("PCSCLITE_CSOCK_NAME", socket_path().c_str(), 1);
    SpawnOptions so;
    so.argv = {"systemd-socket-activate", "-l", socket_path(), "pcscd", "-f", "-c",
               dir + "/reader.conf"};
    if (getenv("SKAGENT_TEST_PCSCD_DEBUG")) so.argv.push_back("-d");
    auto pid = spawn_process(so);
    if (!pid) {
      error_ = pid.error().message;
      return;
    }
    pid_ = *pid;
    struct stat st {};
    for (int i = 0; i < 300 && stat(socket_path().c_str(), &st) != 0; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (stat(socket_path().c_str(), &st) != 0) error_ = "no socket from systemd-socket-activate";
  }
  ~PcscdProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);  // systemd-socket-activate execs pcscd in place: same pid
    for (int i = 0; i < 300; i++) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::string socket_path() const { return pcscd_socket_path(); }
  const std::string& error() const { return error_; }
  bool ok() const { return pid_ > 0 && error_.empty(); }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  std::string error_;
};

class PcscClient {
 public:
  ~PcscClient() {
    if (card_ != 0) SCardDisconnect(card_, SCARD_LEAVE_CARD);
    if (ctx_ != 0) SCardReleaseContext(ctx_);
  }
  // Waits up to `timeout_ms` for a card in the reader whose name starts
  // with `reader_prefix`, and connects to it.
  std::string connect(const std::string& reader_prefix, int timeout_ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    LONG rc = SCARD_S_SUCCESS;
    while (std::chrono::steady_clock::now() < end) {
      if (ctx_ == 0) {
        rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx_);
        if (rc != SCARD_S_SUCCESS) {
          ctx_ = 0;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          continue;
        }
      }
      char readers[2048];
      DWORD len = sizeof(readers);
      rc = SCardListReaders(ctx_, nullptr, readers, &len);
      if (rc == SCARD_S_SUCCESS) {
        for (const char* r = readers; *r != '\0'; r += strlen(r) + 1) {
          if (std::string(r).rfind(reader_prefix, 0) != 0) continue;
          DWORD proto = 0;
          rc = SCardConnect(ctx_, r, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                            &card_, &proto);
          if (rc == SCARD_S_SUCCESS) {
            reader_ = r;
            proto_ = proto;
            return "";
          }
          card_ = 0;
          break;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    char buf[64];
    snprintf(buf, sizeof(buf), "no card in a reader \"%s*\" (last PC/SC status 0x%lx)",
             reader_prefix.c_str(), static_cast<unsigned long>(rc));
    return buf;
  }
  const std::string& reader() const { return reader_; }

  // One APDU; the R-APDU with its status word, or empty on a PC/SC error.
  Bytes transmit(ByteView apdu) {
    std::vector<uint8_t> out(65536 + 2);
    DWORD len = DWORD(out.size());
    const SCARD_IO_REQUEST* pci = proto_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    if (SCardTransmit(card_, pci, apdu.data(), DWORD(apdu.size()), nullptr, out.data(), &len) !=
        SCARD_S_SUCCESS) {
      return {};
    }
    return Bytes(out.begin(), out.begin() + len);
  }

  // NFCCTAP_MSG with `request` (command byte ‖ CBOR), chained in short APDUs
  // of at most `chunk` bytes, answers gathered with GET RESPONSE. Returns the
  // CTAP reply (status ‖ CBOR), or empty on a transport error; counts the
  // APDUs sent into `apdus`.
  Bytes ctap_short(ByteView request, size_t chunk = 240, int* apdus = nullptr) {
    size_t off = 0;
    int n = 0;
    while (request.size() - off > chunk) {
      CommandApdu c{0x90,         0x10, 0x00, 0x00, to_bytes(request.subspan(off, chunk)),
                    std::nullopt, false};
      Bytes r = transmit(c.encode());
      n++;
      if (r.size() != 2 || r[0] != 0x90 || r[1] != 0x00) return {};
      off += chunk;
    }
    CommandApdu last{0x80, 0x10, 0x00, 0x00, to_bytes(request.subspan(off)), 256, false};
    Bytes r = transmit(last.encode());
    n++;
    Bytes out;
    while (r.size() >= 2 && r[r.size() - 2] == 0x61) {
      out.insert(out.end(), r.begin(), r.end() - 2);
      uint8_t le = r[r.size() - 1];
      CommandApdu get{0x00, 0xC0, 0x00, 0x00, {}, le == 0 ? 256u : le, false};
      r = transmit(get.encode());
      n++;
    }
    if (apdus != nullptr) *apdus = n;
    if (r.size() < 2 || r[r.size() - 2] != 0x90 || r[r.size() - 1] != 0x00) return {};
    out.insert(out.end(), r.begin(), r.end() - 2);
    return out;
  }

  // The same in one extended APDU (Le 65536).
  Bytes ctap_extended(ByteView request) {
    CommandApdu c{0x80, 0x10, 0x00, 0x00, to_bytes(request), 65536, true};
    Bytes r = transmit(c.encode());
    if (r.size() < 2 || r[r.size() - 2] != 0x90 || r[r.size() - 1] != 0x00) return {};
    r.resize(r.size() - 2);
    return r;
  }

 private:
  SCARDCONTEXT ctx_ = 0;
  SCARDHANDLE card_ = 0;
  DWORD proto_ = 0;
  std::string reader_;
};

}  // namespace skagent::vtoken::testing
