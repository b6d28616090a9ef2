// SPDX-License-Identifier: BSD-2-Clause
#include "agent/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent/protocol/messages.h"
#include "platform/memory_trim.h"

namespace skagent {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 16384;
// A connection's input never holds more than one frame plus one read beyond it.
constexpr size_t kMaxInput = msg::kMaxFrame + 4 + kReadChunk;
// Replies are gathered into one send while queued requests are answered at once; past
// this much unsent, the client must read before more of its requests are processed.
constexpr size_t kFlushAt = 8192;
// An idle connection keeps buffers this small for its next request; larger ones are freed.
constexpr size_t kKeepCapacity = 2048;
// A second after a buffer of this size or more was freed, malloc's free pages go back to the
// system (release_free_memory): a 1,000-key list's reply is about 75 KiB.
constexpr size_t kTrimAfter = 64 * 1024;
constexpr auto kTrimDelay = std::chrono::seconds(1);
// Fairness under a flood (README "Security"): newcomers accepted per wake-up (each costs
// /proc reads), and the time one slice of reading incomplete frames may take before the
// loop looks for other requests again.
constexpr int kAcceptBatch = 8;
constexpr auto kSliceTime = std::chrono::microseconds(1000);

// The length of the frame at the front of `c`'s input, once its 4 bytes are there.
bool frame_length(const Connection& c, uint32_t& len) {
  Reader r(ByteView(c.in).subspan(c.in_off));
  return r.u32(len);
}

// True when a whole frame (or a length to refuse) waits: nothing more is read until it is
// answered, so a client that pipelines is held back by the kernel's socket buffer.
bool frame_ready(const Connection& c) {
  uint32_t len = 0;
  if (!frame_length(c, len)) return false;
  return len == 0 || len > msg::kMaxFrame || c.in.size() - c.in_off - 4 >= len;
}

// The transport of every accepted connection: its socket.
class SocketTransport final : public Transport {
 public:
  ssize_t read(int fd, uint8_t* buf, size_t n) override { return ::read(fd, buf, n); }
  ssize_t send(int fd, const uint8_t* p, size_t n) override {
    return ::send(fd, p, n, MSG_NOSIGNAL);
  }
  void close(int fd) override { ::close(fd); }
};

Transport& sockets() {
  static SocketTransport t;  // no state
  return t;
}

}  // namespace

Server::Server(EventLoop& loop, Agent& agent, int listen_fd) : Server(loop, agent, sockets()) {
  listen_fd_ = listen_fd;
  loop_.watch(listen_fd_, EventLoop::kRead, [this](uint32_t) { accept_clients(); });
}

Server::Server(EventLoop& loop, Agent& agent, Transport& io)
    : loop_(loop),
      agent_(agent),
      io_(io),
      limits_(agent.options()),
      listen_fd_(-1),
      uid_(getuid()) {}

Server::~Server() {
  loop_.unwatch(listen_fd_);
  if (deadline_timer_ != 0) loop_.cancel_timer(deadline_timer_);
  if (trim_timer_ != 0) loop_.cancel_timer(trim_timer_);
  if (slice_timer_ != 0) loop_.cancel_timer(slice_timer_);
  for (auto& [id, c] : conns_) {
    loop_.unwatch(c->fd);
    io_.close(c->fd);
  }
}

// A bounded batch: the listener stays readable, so the loop comes back to it after the
// requests that are ready meanwhile (a flood of connects must not hold them for seconds).
void Server::accept_clients() {
  for (int i = 0; i < kAcceptBatch; i++) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a transient error: try at the next event
    auto peer = peer_identity(fd);
    if (!peer || (peer->uid != 0 && peer->uid != uid_)) {
      agent_.log().error(peer ? "uid mismatch: peer uid " + std::to_string(peer->uid) +
                                    " != agent uid " + std::to_string(uid_)
                              : peer.error().message);
      close(fd);
      continue;
    }
    if (!make_slot(peer->pid)) {
      close(fd);
      continue;
    }
    // Who connected is pinned now: later the pid may name another program (defect 5 of
    // issue 13), and no request pays for /proc reads.
    bool gone = false;
    int pidfd = peer_pidfd(fd, &gone);
    auto c = adopt(fd, *peer, caller_for(*peer, pidfd, gone));
    loop_.watch(fd, EventLoop::kRead, [this, id = c->id](uint32_t ev) { on_ready(id, ev); });
  }
}

std::shared_ptr<Connection> Server::adopt(int fd, const PeerIdentity& peer,
                                          std::shared_ptr<const CallerInfo> caller) {
  auto c = std::make_shared<Connection>();
  c->fd = fd;
  c->id = next_id_++;
  c->peer = peer;
  c->caller = std::move(caller);
  conns_[c->id] = c;
  PeerProcess& p = per_process_[c->peer.pid];
  p.conns++;
  // A record read from /proc, with its files held open, is the one to reuse; one read when
  // the process was already gone (no chain) is not.
  if (c->caller && c->caller->watch) p.caller = c->caller;
  return c;
}

// Who connected. A process's first connection reads /proc: four processes (it and its
// parents), each stat, status, cmdline and the executable (under the sandbox a round trip to
// the process-info service), some 90 system calls; a flood that reconnects thousands of times
// a second spent half of the agent's time there (doc/SECURITY.md). A later connection from the
// same pid reuses that record when the process is provably the same program: the record's
// /proc comm and cmdline, held open since (tied to the process read, so they fail once it is
// reaped; an exiting one shows no command line), show it running with the same name and
// command line; then runs_same_executable shows the same executable (an exec of another file
// with the same name and arguments is not the program read) and, through the new connection's
// pidfd, that the process that connected still runs: both alive under one pid, so one process.
// Anything else reads /proc again. The parents are those of the first connection.
std::shared_ptr<const CallerInfo> Server::caller_for(const PeerIdentity& peer, int pidfd,
                                                     bool gone) {
  auto it = per_process_.find(peer.pid);
  if (!gone && it != per_process_.end() && it->second.caller) {
    const CallerInfo& known = *it->second.caller;
    if (known.uid == peer.uid && known.watch && !known.chain.empty() &&
        known.watch->unchanged(known.chain[0]) && runs_same_executable(known.chain[0], pidfd)) {
      if (pidfd >= 0) close(pidfd);  // the record keeps the first connection's pidfd
      return it->second.caller;
    }
  }
  callers_read_++;
  return read_caller(peer, pidfd, gone);
}

void Server::on_ready(uint64_t id, uint32_t events) {
  auto it = conns_.find(id);
  if (it != conns_.end()) on_event(std::shared_ptr<Connection>(it->second), events);
}

// Slots. One process may hold at most max_connections_per_process: a forwarded host reaches
// us through its ssh process, one connection per channel, and must not take every slot.
// Processes of the same user can still fill the table together; then a process holding
// fewer connections than the heaviest holder gets the slot of that holder's oldest idle
// connection, so a person's ssh gets in while a local flood holds thousands.
bool Server::make_slot(pid_t pid) {
  auto mine = per_process_.find(pid);
  const size_t held = mine == per_process_.end() ? 0 : mine->second.conns;
  if (held >= limits_.max_connections_per_process) {
    agent_.log().error("process " + std::to_string(pid) + " already holds " + std::to_string(held) +
                       " connections; refusing another");
    return false;
  }
  if (conns_.size() < limits_.max_connections) return true;
  auto heaviest = std::max_element(
      per_process_.begin(), per_process_.end(),
      [](const auto& a, const auto& b) { return a.second.conns < b.second.conns; });
  std::shared_ptr<Connection> victim;
  if (heaviest != per_process_.end() && heaviest->second.conns > held + 1) {
    for (const auto& [id, c] : conns_) {
      const bool idle = !c->busy && c->out.empty();
      if (c->peer.pid == heaviest->first && idle && (!victim || id < victim->id)) victim = c;
    }
  }
  if (!victim) {
    agent_.log().error("connection limit reached; refusing a client");
    return false;
  }
  agent_.log().error("connection limit reached; closing an idle connection of process " +
                     std::to_string(heaviest->first) + ", which holds " +
                     std::to_string(heaviest->second.conns) + ", for process " +
                     std::to_string(pid));
  close_connection(victim);
  return true;
}

void Server::on_event(const std::shared_ptr<Connection>& c, uint32_t events) {
  if ((events & EventLoop::kWrite) && !flush(c)) return close_connection(c);
  if (events & EventLoop::kRead) {
    if (!frame_ready(*c)) {
      // A frame still incomplete after a whole chunk (a big one) waits for a slice; a new
      // request, the rest of a small one, or the tail of pipelined frames is read at once,
      // one chunk (a person's requests fit in one).
      // (A hang-up is read at once: epoll reports it even while the read interest is off.)
      const bool hung_up = (events & EventLoop::kError) != 0;
      if (!hung_up && c->in.size() - c->in_off >= kReadChunk) return defer_read(c);
      if (!read_input(c, nullptr)) return;
    } else if (events & EventLoop::kError) {
      return close_connection(c);  // hung up with requests queued: nobody to answer
    }
  }
  process(c);
}

// Reads one chunk, or less when a whole frame is buffered or the socket is drained; false
// when the connection was closed (EOF, an error, or the buffer budget). `more`: the chunk
// was full, more may wait.
bool Server::read_input(const std::shared_ptr<Connection>& c, bool* more) {
  // Frames carry private keys (ADD_IDENTITY): wipe what this stack buffer held on every way
  // out, or the tail of a large key would stay on the loop thread's stack.
  uint8_t buf[kReadChunk];
  struct Wipe {
    uint8_t* p;
    size_t n = 0;
    ~Wipe() { secure_wipe(p, n); }
  } used{buf};
  if (more != nullptr) *more = false;
  while (!frame_ready(*c)) {
    ssize_t n = io_.read(c->fd, buf, sizeof(buf));
    if (n > 0) {
      used.n = size_t(n);
      if (!append_input(c, buf, size_t(n))) return false;
      if (more != nullptr) *more = size_t(n) == sizeof(buf);
      break;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    close_connection(c);  // EOF or error: the client is gone
    return false;
  }
  return true;
}

// Takes `c` off the loop's read interest and into the queue of slices (at its end, once).
void Server::defer_read(const std::shared_ptr<Connection>& c) {
  if (!c->queued) {
    c->queued = true;
    slow_.push_back(c->id);
  }
  update_interest(*c);
  arm_slice();
}

// A timer due now runs after the events of this wake-up, and the loop's next wait does not
// sleep: requests that arrived meanwhile come before the next slice.
void Server::arm_slice() {
  if (slice_timer_ != 0) return;
  slice_timer_ = loop_.after(std::chrono::milliseconds(0), [this] {
    slice_timer_ = 0;
    read_slice();
  });
}

// One chunk for each queued connection in turn, until kSliceTime is spent. A connection
// that filled its chunk goes to the back of the queue; one that is drained (or whose frame
// is complete) is watched by the loop again.
void Server::read_slice() {
  const auto until = Clock::now() + kSliceTime;
  for (size_t n = slow_.size(); n > 0 && !slow_.empty(); n--) {
    const uint64_t id = slow_.front();
    slow_.pop_front();
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;  // closed meanwhile
    std::shared_ptr<Connection> c = it->second;
    c->queued = false;
    bool more = false;
    if (!read_input(c, &more)) continue;
    if (more && !frame_ready(*c)) {
      c->queued = true;
      slow_.push_back(id);
    }
    process(c);
    if (Clock::now() >= until) break;
  }
  if (!slow_.empty()) arm_slice();
}

bool Server::append_input(const std::shared_ptr<Connection>& c, const uint8_t* p, size_t n) {
  Bytes& in = c->in;
  if (c->in_off > 0) {
    // Compact: what is left of the input (at most one frame and one read) moves to the
    // front, and the stale copy it leaves behind is wiped. Only here, before a read, not
    // per frame: pipelined frames cost one move per read, not one per frame.
    const size_t rest = in.size() - c->in_off;
    memmove(in.data(), in.data() + c->in_off, rest);
    secure_wipe(in.data() + rest, in.size() - rest);
    in.resize(rest);
    c->in_off = 0;
  }
  const size_t old = in.size(), need = old + n;
  if (need > in.capacity()) {
    // Grow as the bytes arrive (a claimed length reserves nothing), by doubling; the old
    // buffer is wiped when freed (Bytes).
    const size_t cap = std::max(need, std::min(2 * in.capacity(), kMaxInput));
    if (!make_room(c, cap - in.capacity())) return false;
    // Copied with memcpy: Bytes' allocator is not std::allocator, so the vector's own
    // reserve and insert move byte by byte (15% of the agent's time in a flood of big frames).
    Bytes grown;
    grown.reserve(cap);
    grown.resize(old);  // a memset: only the zeroing loop is turned into one
    if (old > 0) memcpy(grown.data(), in.data(), old);
    in.swap(grown);
  }
  in.resize(need);
  memcpy(in.data() + old, p, n);
  account(*c);
  return true;
}

// The agent-wide budget for buffered bytes. When `more` would exceed it, the connections
// holding the most are closed (among equals, the one whose incomplete frame waits longest,
// then the oldest): a flood of big incomplete frames loses its own connections, while a
// person's small requests are never the largest. Returns false when `c` itself was closed.
bool Server::make_room(const std::shared_ptr<Connection>& c, size_t more) {
  while (buffered_ + more > limits_.buffer_budget) {
    // The first holder in make_room's order (holders_) whose input no handler is reading.
    std::shared_ptr<Connection> victim;
    for (const Holding& h : holders_) {
      auto it = conns_.find(h.id);
      if (it != conns_.end() && !it->second->processing) {
        victim = it->second;
        break;
      }
    }
    // `c` competes with what it will hold once these bytes are in.
    if (!victim || c->buffered + more >= victim->buffered) victim = c;
    agent_.log().error("buffer budget of " + std::to_string(limits_.buffer_budget) +
                       " bytes reached; closing a connection holding " +
                       std::to_string(victim == c ? c->buffered + more : victim->buffered) +
                       " bytes");
    close_connection(victim);
    if (victim == c) return false;
  }
  return true;
}

// make_room's order: the most bytes first; among equals, the one whose incomplete frame
// waits longest, then the oldest connection.
bool Server::Holding::operator<(const Holding& o) const {
  if (buffered != o.buffered) return buffered > o.buffered;
  const bool p = partial_since != Clock::time_point{}, op = o.partial_since != Clock::time_point{};
  if (p != op) return p;
  if (partial_since != o.partial_since) return partial_since < o.partial_since;
  return id < o.id;
}

// The request loop. It never recurses: a reply given while its request is dispatched (most
// are) only marks the connection ready (on_reply), and this loop takes the next frame. A
// reply given later (a prompt, a worker) starts the loop again from the event loop.
void Server::process(const std::shared_ptr<Connection>& c) {
  if (c->processing) return;
  c->processing = true;
  while (!c->busy && c->fd >= 0) {
    if (c->out.size() >= kFlushAt) {
      if (!flush(c)) {
        close_connection(c);
        break;
      }
      if (!c->out.empty()) break;  // the client does not read its replies: neither do we
    }
    uint32_t len = 0;
    if (!frame_length(*c, len)) break;
    if (len == 0 || len > msg::kMaxFrame) {
      agent_.log().error("client sent a frame of " + std::to_string(len) + " bytes; closing");
      close_connection(c);
      break;
    }
    if (c->in.size() - c->in_off - 4 < len) break;
    c->busy = true;
    // The body is read in place: the handler copies what it keeps beyond this call, and
    // nothing touches the buffer meanwhile (reads and closes wait for `processing`).
    const uint8_t* frame = c->in.data() + c->in_off + 4;
    Request req;
    req.conn = c;
    req.type = frame[0];
    req.body = ByteView(frame + 1, len - 1);
    // [this, id]: small enough for std::function to hold without allocating.
    req.reply = [this, id = c->id](Bytes message) { on_reply(id, std::move(message)); };
    agent_.dispatch(std::move(req));
    // The frame may hold a private key: wipe it as soon as it is handled.
    secure_wipe(c->in.data() + c->in_off, 4 + size_t(len));
    c->in_off += 4 + size_t(len);
  }
  c->processing = false;
  if (c->fd < 0) return release_buffers(*c);
  if (!flush(c)) return close_connection(c);
  tidy(*c);
  update_interest(*c);
}

void Server::on_reply(uint64_t id, Bytes message) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;  // the client went away
  std::shared_ptr<Connection> c = it->second;
  c->busy = false;
  uint8_t len[4] = {uint8_t(message.size() >> 24), uint8_t(message.size() >> 16),
                    uint8_t(message.size() >> 8), uint8_t(message.size())};
  c->out.reserve(c->out.size() + 4 + message.size());  // one allocation for a large reply
  c->out.insert(c->out.end(), len, len + 4);
  c->out.insert(c->out.end(), message.begin(), message.end());
  if (c->processing) return;  // the request loop goes on and sends it with what follows
  process(c);
}

bool Server::flush(const std::shared_ptr<Connection>& c) {
  size_t sent = 0;
  while (sent < c->out.size()) {
    ssize_t n = io_.send(c->fd, c->out.data() + sent, c->out.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) return false;
    sent += size_t(n);
  }
  c->out.erase(c->out.begin(), c->out.begin() + ptrdiff_t(sent));
  return true;
}

// After the request loop: frees what an idle connection need not keep, notes when an
// incomplete frame started waiting (for the deadline), and updates the budget.
void Server::tidy(Connection& c) {
  if (c.in_off == c.in.size()) {  // all consumed, and already wiped
    c.in.clear();
    c.in_off = 0;
    if (c.in.capacity() > kKeepCapacity) Bytes().swap(c.in);
  }
  if (c.out.empty() && c.out.capacity() > kKeepCapacity) {
    if (c.out.capacity() >= kTrimAfter) trim_soon();
    Bytes().swap(c.out);
  }
  const bool partial = c.in.size() > c.in_off && !frame_ready(c);
  auto since = c.partial_since;
  if (!partial) {
    since = {};
  } else if (since == Clock::time_point{}) {
    since = Clock::now();
    arm_deadline();
  }
  hold(c, c.in.capacity() + c.out.capacity(), since);
}

void Server::account(Connection& c) {
  hold(c, c.in.capacity() + c.out.capacity(), c.partial_since);
}

// Every change of what a connection holds goes through here: the agent-wide sum and
// make_room's index follow it. A closed connection leaves the index (close_connection).
void Server::hold(Connection& c, size_t buffered, Clock::time_point partial) {
  holders_.erase(holding(c));  // nothing when it is not there
  buffered_ = buffered_ - c.buffered + buffered;
  c.buffered = buffered;
  c.partial_since = partial;
  if (c.fd >= 0 && buffered > 0) holders_.insert(holding(c));
}

// Incomplete frames: one timer for all connections, run at most every eighth of the
// deadline, so a frame is dropped between 1 and 1.125 deadlines after it started.
void Server::arm_deadline() {
  if (deadline_timer_ != 0) return;
  auto delay = std::max(limits_.frame_deadline, std::chrono::milliseconds(1));
  deadline_timer_ = loop_.after(delay, [this] {
    deadline_timer_ = 0;
    sweep_deadlines();
  });
}

void Server::sweep_deadlines() {
  const auto now = Clock::now();
  const auto deadline = limits_.frame_deadline;
  std::vector<std::shared_ptr<Connection>> late;
  Clock::time_point first{};
  for (const auto& [id, c] : conns_) {
    if (c->partial_since == Clock::time_point{}) continue;
    if (now - c->partial_since >= deadline) late.push_back(c);
    else if (first == Clock::time_point{} || c->partial_since < first) first = c->partial_since;
  }
  for (auto& c : late) {
    agent_.log().error("a frame was not completed within " + std::to_string(deadline.count()) +
                       " ms; closing the connection");
    close_connection(c);
  }
  if (first == Clock::time_point{}) return;
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(first + deadline - now);
  wait = std::max(wait, std::max(deadline / 8, std::chrono::milliseconds(1)));
  deadline_timer_ = loop_.after(wait, [this] {
    deadline_timer_ = 0;
    sweep_deadlines();
  });
}

void Server::update_interest(const Connection& c) {
  // Read only while no whole frame waits (backpressure: the kernel holds the rest).
  const bool want_read = !frame_ready(c) && !c.queued;
  loop_.set_interest(c.fd,
                     (want_read ? EventLoop::kRead : 0) | (c.out.empty() ? 0 : EventLoop::kWrite));
}

void Server::close_connection(const std::shared_ptr<Connection>& c) {
  if (conns_.erase(c->id) == 0) return;
  if (auto it = per_process_.find(c->peer.pid);
      it != per_process_.end() && --it->second.conns == 0) {
    per_process_.erase(it);
  }
  loop_.unwatch(c->fd);
  io_.close(c->fd);
  c->fd = -1;
  holders_.erase(holding(*c));              // no longer one make_room may close
  c->pending.reset();                       // cancels a prompt the client was waiting for
  if (!c->processing) release_buffers(*c);  // else the request loop does, once it stops
}

void Server::release_buffers(Connection& c) {
  if (c.in.capacity() + c.out.capacity() >= kTrimAfter) trim_soon();
  Bytes().swap(c.in);  // freeing wipes
  Bytes().swap(c.out);
  c.in_off = 0;
  hold(c, 0, {});
}

// One pending trim at a time: a burst of large replies costs one malloc_trim, a second after the
// first of them, off every request's path.
void Server::trim_soon() {
  if (trim_timer_ != 0) return;
  trim_timer_ = loop_.after(kTrimDelay, [this] {
    trim_timer_ = 0;
    trims_++;
    release_free_memory();
  });
}

}  // namespace skagent
