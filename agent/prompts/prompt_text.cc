// SPDX-License-Identifier: BSD-2-Clause
#include "agent/prompts/prompt_text.h"

#include "agent/prompts/printable.h"

namespace skagent {

std::string describe_caller(const CallerInfo& c) {
  if (c.chain.empty()) {
    return c.pid > 0 ? "process " + std::to_string(c.pid) + " (gone, or not visible)"
                     : "an unknown process";
  }
  return printable(process_name(c.chain[0]), 160) + " (pid " + std::to_string(c.pid) + ")";
}

// The program that connected, with what became of it when that is no longer what runs
// under its pid: the person must not approve a request by the program that runs there now.
std::string describe_asker(const SignContext& c) {
  if (!c.caller) return "an unknown process";
  std::string s = describe_caller(*c.caller);
  if (c.caller->chain.empty()) return s;
  if (c.caller_fate == ProcessFate::exited) {
    s.insert(s.size() - 1, ", which has exited since it connected");
  } else if (c.caller_fate == ProcessFate::replaced) {
    s.insert(s.size() - 1, ", which has run another program since it connected");
  }
  return s;
}

// "/usr/bin/git, /usr/bin/bash, ...": the caller's parents, nearest first, so
// a person sees which program (a build script, an editor) is behind the ssh
// that asks. Empty when no parent is known.
std::string describe_ancestry(const CallerInfo& c) {
  std::string s;
  for (size_t i = 1; i < c.chain.size(); i++) {
    s += (i == 1 ? "" : ", ") + printable(process_name(c.chain[i]), 100);
  }
  return s;
}

std::string describe_hop(const HopInfo& h) {
  std::string s;
  if (!h.names.names.empty()) {
    s = printable(h.names.names[0], 100);
    if (h.names.names.size() > 1)
      s += " (also " + printable(h.names.names[1], 60) + (h.names.names.size() > 2 ? ", ..." : "") +
           ")";
  } else if (h.names.known) {
    s = "a host known by a hashed or wildcard known_hosts entry (" + h.key_type + " " +
        h.fingerprint + ")";
  } else {
    s = "a host not in known_hosts (" + h.key_type + " " + h.fingerprint + ")";
  }
  if (h.names.revoked) s += " [REVOKED host key]";
  return s;
}

namespace {

// A host's name for the decision line (the details give its key).
std::string hop_name(const HopInfo& h) {
  if (!h.names.names.empty()) return printable(h.names.names[0], 100);
  return h.names.known ? "a host known by a hashed known_hosts entry" : "an unknown host";
}

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

}  // namespace

std::string describe_requester(const SignContext& c) {
  if (c.forwarded) {
    // The asker runs on the last host the agent was forwarded to.
    for (size_t i = c.hops.size(); i-- > 0;) {
      if (c.hops[i].forwarding) return hop_name(c.hops[i]) + " (through a forwarded agent)";
    }
    return "a remote host (through a forwarded agent)";
  }
  if (c.caller && !c.caller->chain.empty()) {
    const ProcessInfo& p = c.caller->chain[0];
    std::string exe = !p.exe.empty() ? p.exe : !p.argv.empty() ? p.argv[0] : p.name;
    if (!exe.empty()) {
      // The decision line must not name a program that no longer asks.
      std::string name = printable(base_name(exe), 60);
      if (c.caller_fate == ProcessFate::exited) return name + " (exited since it connected)";
      if (c.caller_fate == ProcessFate::replaced)
        return name + " (since replaced by another program)";
      return name;
    }
  }
  return "a local process";
}

std::string describe_task(const SignContext& c) {
  switch (c.kind) {
    case SignKind::userauth:
      return "log in to " + printable(c.user, 64) + "@" +
             (c.destination ? hop_name(*c.destination) : std::string("an unidentified host"));
    case SignKind::sshsig: {
      const std::string ns = printable(c.sig_namespace, 64);
      if (ns == "git") return "make a git signature (namespace \"git\")";
      if (ns == "file") return "sign a file (namespace \"file\")";
      return "make a signature for namespace \"" + ns + "\"";
    }
    case SignKind::other:
      break;
  }
  return "sign " + std::to_string(c.data_len) +
         " bytes that are neither an SSH login nor an SSHSIG signature";
}

std::string describe_decision(const SignContext& c) {
  std::string key = c.key_comment.empty() ? "an " + c.key_type + " key without a comment"
                                          : "key " + printable(c.key_comment, 60);
  return describe_requester(c) + " wants " + key + " to " + describe_task(c);
}

std::string describe_destination(const SignContext& c) {
  if (c.kind != SignKind::userauth) return {};
  std::string host = c.destination ? describe_hop(*c.destination) : "an unidentified host";
  return printable(c.user, 64) + "@" + host;
}

std::string describe_path(const SignContext& c) {
  std::string s = "this machine";
  for (size_t i = 0; i < c.hops.size(); i++) {
    const bool is_destination = c.destination_verified && i + 1 == c.hops.size();
    if (is_destination) break;
    s += " > " + describe_hop(c.hops[i]) + (c.hops[i].forwarding ? " (agent forwarded)" : "");
  }
  if (c.bind_failed) s += " > an UNIDENTIFIED host (its session-bind failed)";
  return s;
}

ConfirmQuestion confirm_question(const SignContext& c, uint32_t approve_for_seconds) {
  ConfirmQuestion q;
  q.decision = describe_decision(c);
  q.key_name = c.key_comment.empty() ? "(no comment)" : printable(c.key_comment, 60);
  q.fingerprint = (c.show_md5 ? c.key_fp_md5 : c.key_fp) + " (" + c.key_type + ")";
  auto& d = q.details;
  if (c.kind == SignKind::userauth) {
    d.push_back("Server: " +
                (c.destination ? describe_hop(*c.destination) : std::string("not identified")));
    if (c.destination && !c.destination_verified) {
      d.push_back("(The server is named by the request only; no session binding proves it.)");
    }
  }
  if (!c.hops.empty() || c.forwarded) {
    d.push_back("Path: " + describe_path(c) +
                (c.destination_verified ? " > " + describe_hop(*c.destination) : std::string()));
  }
  d.push_back("Asked by: " + describe_asker(c));
  if (c.caller && c.caller->chain.size() > 1)
    d.push_back("Started from: " + describe_ancestry(*c.caller));
  if (c.caller && !c.caller->chain.empty() && !c.caller->chain[0].argv.empty()) {
    d.push_back(
        "Command line: " +
        printable(join_argv(c.caller->chain[0].argv, c.caller->chain[0].argv_truncated, 160), 160));
  }
  if (approve_for_seconds > 0) {
    uint32_t m = (approve_for_seconds + 59) / 60;
    d.push_back("A yes also lets this process do the same for " + std::to_string(m) + " minute" +
                (m == 1 ? "" : "s") + " without asking.");
  }
  return q;
}

std::string confirm_prompt_text(const SignContext& c, uint32_t approve_for_seconds) {
  return plain_text(confirm_question(c, approve_for_seconds));
}

std::string pin_prompt_text(const SignContext& c, const std::string& note) {
  std::string t;
  if (!note.empty()) t += note + "\n";
  t += "Enter the PIN of your security key: " + describe_decision(c) + "\n";
  t += "Key " + c.key_type + " " + (c.show_md5 ? c.key_fp_md5 : c.key_fp) + " (" +
       printable(c.key_comment, 100) + ")\n";
  t += "Asked by " + describe_asker(c);
  if (c.forwarded) t += " through " + describe_path(c);
  t += "\nPIN:";
  return without_markup(t);
}

std::string touch_notice_summary() { return "Touch your security key"; }

// Notification services render markup in the body (and askpass notices may):
// what others chose is made markup-free.
std::string touch_notice_body(const SignContext& c) {
  std::string t = describe_decision(c) + ".";
  if (c.forwarded) t += " Path: " + describe_path(c) + ".";
  t += " Asked by " + describe_asker(c) + ".";
  return without_markup(t);
}

}  // namespace skagent
