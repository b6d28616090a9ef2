// SPDX-License-Identifier: BSD-2-Clause
#include "agent/policy/policy_config.h"

#include <strings.h>

#include "agent/options.h"

namespace skagent {

namespace {

struct Ctx {
  std::string_view source;
  size_t line = 0;
  std::string where() const { return std::string(source) + ":" + std::to_string(line); }
  Error bad(const std::string& why) const {
    return make_error(Errc::malformed, where() + ": " + why);
  }
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// ssh_config-style words: whitespace separates; "double" or 'single' quotes
// group (a backslash escapes the next character); an unquoted word starting
// with '#' ends the line. The first word may end with '=' ("Keyword=value").
Result<std::vector<std::string>> split_words(std::string_view line, const Ctx& ctx) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i >= line.size()) break;
    if (line[i] == '#') break;
    if (words.size() >= kMaxPolicyArgs + 1) return ctx.bad("too many arguments");
    std::string w;
    char quote = 0;
    bool any = false;
    while (i < line.size()) {
      char c = line[i];
      if (quote == 0 && (c == ' ' || c == '\t')) break;
      if (quote == 0 && words.empty() && c == '=') {  // Keyword=value
        i++;
        break;
      }
      if (c == '\\' && i + 1 < line.size()) {
        w.push_back(line[i + 1]);
        i += 2;
        any = true;
        continue;
      }
      if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
        any = true;
        i++;
        continue;
      }
      if (quote != 0 && c == quote) {
        quote = 0;
        i++;
        continue;
      }
      w.push_back(c);
      any = true;
      i++;
    }
    if (quote != 0) return ctx.bad("unterminated quote");
    if (any) words.push_back(std::move(w));
    // "Keyword = value": a lone '=' after the keyword.
    if (words.size() == 1) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
      if (i < line.size() && line[i] == '=') i++;
    }
  }
  return words;
}

Result<uint32_t> duration_arg(const std::vector<std::string>& args, const Ctx& ctx, uint32_t max,
                              uint32_t min = 0) {
  if (args.size() != 1) return ctx.bad("expected one time value (like 90, 10m or 1h)");
  uint32_t v = 0;
  if (iequals(args[0], "none")) {
    v = 0;
  } else {
    auto d = parse_duration(args[0]);
    if (!d)
      return ctx.bad("invalid time \"" + args[0] + "\" (sshd_config time format: 90, 10m, 1h30m)");
    v = *d;
  }
  if (v < min || v > max) {
    return ctx.bad("time \"" + args[0] + "\" out of range (" + std::to_string(min) + " to " +
                   std::to_string(max) + " seconds)");
  }
  return v;
}

template <class E>
Result<E> choice_arg(const std::vector<std::string>& args, const Ctx& ctx,
                     std::initializer_list<std::pair<const char*, E>> choices) {
  std::string names;
  for (const auto& [name, value] : choices) {
    if (args.size() == 1 && iequals(args[0], name)) return value;
    names += names.empty() ? name : std::string(" | ") + name;
  }
  return ctx.bad("expected " + names);
}

bool valid_pattern_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_' || c == '*' || c == '?' || c == '[' || c == ']' || c == ':';
}

Status check_host_pattern(std::string_view p, const char* what) {
  if (p.empty()) return make_error(Errc::malformed, std::string("empty ") + what);
  if (p.size() > 255) return make_error(Errc::malformed, std::string(what) + " too long");
  if (p.front() == '!')
    return make_error(Errc::malformed, "negation is not supported in Destinations");
  for (char c : p) {
    if (!valid_pattern_char(c)) {
      return make_error(Errc::malformed, std::string("invalid character in ") + what + " \"" +
                                             std::string(p) + "\"");
    }
  }
  return {};
}

// Joins the arguments and splits them again at commas, refusing empty items.
Result<std::vector<std::string>> comma_items(const std::vector<std::string>& args, const Ctx& ctx) {
  std::vector<std::string> items;
  for (const auto& a : args) {
    size_t pos = 0;
    while (pos <= a.size()) {
      size_t end = a.find(',', pos);
      if (end == std::string::npos) end = a.size();
      std::string item = a.substr(pos, end - pos);
      if (item.empty()) return ctx.bad("empty item in list \"" + a + "\"");
      items.push_back(std::move(item));
      if (items.size() > 256) return ctx.bad("list too long");
      pos = end + 1;
    }
  }
  if (items.empty()) return ctx.bad("missing argument");
  return items;
}

Result<std::vector<std::string>> path_args(const std::vector<std::string>& args, const Ctx& ctx,
                                           std::string_view home) {
  if (args.empty()) return ctx.bad("missing argument");
  if (args.size() == 1 && iequals(args[0], "none")) return std::vector<std::string>{};
  std::vector<std::string> out;
  for (const auto& a : args) {
    std::string p = a;
    if (p.rfind("~/", 0) == 0) {
      if (home.empty()) return ctx.bad("cannot expand \"~\": HOME is not set");
      p = std::string(home) + p.substr(1);
    }
    if (p.empty() || p.front() != '/') return ctx.bad("\"" + a + "\" is not an absolute path");
    out.push_back(std::move(p));
  }
  return out;
}

template <class T>
void set_first(std::optional<T>& slot, T value) {
  if (!slot) slot = std::move(value);
}

class Parser {
 public:
  Parser(std::string_view source, std::string_view home, bool overrides)
      : home_(home), overrides_(overrides) {
    ctx_.source = source;
    cfg_.blocks.push_back(PolicyBlock{{}, std::string(source), {}});
  }

  Status line(std::string_view text) {
    ctx_.line++;
    for (char c : text) {
      auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) return ctx_.bad("control character in line");
    }
    if (text.size() > kMaxPolicyLine) return ctx_.bad("line too long");
    auto words = split_words(text, ctx_);
    if (!words) return words.error();
    if (words->empty()) return {};
    std::string keyword = (*words)[0];
    std::vector<std::string> args(words->begin() + 1, words->end());
    return apply(keyword, args);
  }

  PolicyConfig take() { return std::move(cfg_); }

 private:
  Status apply(const std::string& kw, const std::vector<std::string>& args) {
    KeySettings& s = cfg_.blocks.back().settings;
    const bool in_key = !cfg_.blocks.back().key_patterns.empty();
    if (iequals(kw, "Key")) {
      if (overrides_) return ctx_.bad("Key blocks are for the policy file, not -o");
      if (args.empty()) return ctx_.bad("Key needs at least one fingerprint or comment pattern");
      if (cfg_.blocks.size() >= kMaxPolicyBlocks) return ctx_.bad("too many Key blocks");
      for (const auto& a : args) {
        if (a.empty() || a == "!") return ctx_.bad("empty Key pattern");
      }
      cfg_.blocks.push_back(PolicyBlock{args, ctx_.where(), {}});
      return {};
    }
    if (args.empty()) return ctx_.bad("missing argument for " + kw);
    if (iequals(kw, "Confirm")) {
      auto v = choice_arg<ConfirmMode>(args, ctx_,
                                       {{"always", ConfirmMode::always},
                                        {"forwarded", ConfirmMode::forwarded},
                                        {"never", ConfirmMode::never}});
      if (!v) return v.error();
      set_first(s.confirm, *v);
    } else if (iequals(kw, "ApproveFor")) {
      auto v = duration_arg(args, ctx_, kMaxCacheSeconds);
      if (!v) return v.error();
      set_first(s.approve_for, *v);
    } else if (iequals(kw, "ForwardedSigning")) {
      auto v = choice_arg<ForwardedSigning>(
          args, ctx_, {{"userauth", ForwardedSigning::userauth}, {"any", ForwardedSigning::any}});
      if (!v) return v.error();
      set_first(s.forwarded_signing, *v);
    } else if (iequals(kw, "SshsigNamespaces")) {
      auto items = comma_items(args, ctx_);
      if (!items) return items.error();
      std::string joined;
      for (const auto& i : *items) {
        if (i == "!") return ctx_.bad("empty namespace pattern");
        joined += (joined.empty() ? "" : ",") + i;
      }
      set_first(s.sshsig_namespaces, joined);
    } else if (iequals(kw, "Destinations")) {
      auto items = comma_items(args, ctx_);
      if (!items) return items.error();
      std::vector<DestinationSpec> specs;
      for (const auto& i : *items) {
        auto d = parse_destination_spec(i);
        if (!d) return ctx_.bad(d.error().message);
        specs.push_back(std::move(*d));
      }
      set_first(s.destinations, std::move(specs));
    } else if (iequals(kw, "PinCache")) {
      auto v = duration_arg(args, ctx_, kMaxCacheSeconds);
      if (!v) return v.error();
      set_first(s.pin_cache, *v);
    } else if (iequals(kw, "PromptTimeout")) {
      auto v = duration_arg(args, ctx_, kMaxPromptTimeout, 1);
      if (!v) return v.error();
      set_first(s.prompt_timeout, *v);
    } else if (iequals(kw, "Notify")) {
      auto v = choice_arg<NotifyMode>(
          args, ctx_,
          {{"yes", NotifyMode::yes}, {"no", NotifyMode::no}, {"askpass", NotifyMode::askpass}});
      if (!v) return v.error();
      set_first(s.notify, *v);
    } else if (iequals(kw, "Audit") || iequals(kw, "UserKnownHostsFile") ||
               iequals(kw, "GlobalKnownHostsFile")) {
      if (in_key) return ctx_.bad(kw + " applies to the whole agent: put it before the first Key");
      return global(kw, args);
    } else {
      return ctx_.bad("unknown keyword \"" + kw + "\"");
    }
    return {};
  }

  Status global(const std::string& kw, const std::vector<std::string>& args) {
    GlobalSettings& g = cfg_.global;
    if (iequals(kw, "Audit")) {
      if (args.size() != 1) return ctx_.bad("expected syslog | none | an absolute file path");
      AuditTarget t;
      if (iequals(args[0], "syslog")) {
        t.kind = AuditTarget::Kind::syslog;
      } else if (iequals(args[0], "none")) {
        t.kind = AuditTarget::Kind::none;
      } else {
        auto p = path_args(args, ctx_, home_);
        if (!p) return p.error();
        t.kind = AuditTarget::Kind::file;
        t.path = (*p)[0];
      }
      set_first(g.audit, t);
      return {};
    }
    auto p = path_args(args, ctx_, home_);
    if (!p) return p.error();
    if (iequals(kw, "UserKnownHostsFile")) {
      set_first(g.user_known_hosts, std::move(*p));
    } else {
      set_first(g.global_known_hosts, std::move(*p));
    }
    return {};
  }

  Ctx ctx_;
  std::string_view home_;
  bool overrides_;
  PolicyConfig cfg_;
};

}  // namespace

Result<DestinationSpec> parse_destination_spec(std::string_view s) {
  DestinationSpec d;
  std::string_view to = s;
  if (auto gt = s.find('>'); gt != std::string_view::npos) {
    std::string_view from = s.substr(0, gt);
    to = s.substr(gt + 1);
    if (to.find('>') != std::string_view::npos) {
      return make_error(Errc::malformed,
                        "destination \"" + std::string(s) + "\" has more than one '>'");
    }
    if (from.find('@') != std::string_view::npos) {
      return make_error(Errc::malformed, "destination \"" + std::string(s) +
                                             "\": only the last host may name a user");
    }
    if (auto st = check_host_pattern(from, "host"); !st) return st.error();
    d.from_host = std::string(from);
  }
  if (auto at = to.rfind('@'); at != std::string_view::npos) {
    std::string_view user = to.substr(0, at);
    if (user.empty())
      return make_error(Errc::malformed, "destination \"" + std::string(s) + "\": empty user");
    for (char c : user) {
      if (c == '@' || c == ' ' || c == '!') {
        return make_error(Errc::malformed, "destination \"" + std::string(s) + "\": invalid user");
      }
    }
    d.user = std::string(user);
    to = to.substr(at + 1);
  }
  if (auto st = check_host_pattern(to, "host"); !st) return st.error();
  d.to_host = std::string(to);
  return d;
}

static Result<PolicyConfig> parse_lines(const std::vector<std::string_view>& lines,
                                        std::string_view source, std::string_view home,
                                        bool overrides) {
  Parser p(source, home, overrides);
  for (auto l : lines) {
    if (auto s = p.line(l); !s) return s.error();
  }
  return p.take();
}

Result<PolicyConfig> parse_policy_config(std::string_view text, std::string_view source,
                                         std::string_view home) {
  if (text.size() > kMaxPolicyFileSize) {
    return make_error(Errc::limit, std::string(source) + ": file too large (over " +
                                       std::to_string(kMaxPolicyFileSize / 1024) + " KiB)");
  }
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines.push_back(l);
    pos = end + 1;
  }
  return parse_lines(lines, source, home, false);
}

Result<PolicyConfig> parse_policy_overrides(const std::vector<std::string>& lines,
                                            std::string_view home) {
  std::vector<std::string_view> views;
  for (const auto& l : lines) {
    if (l.find('\n') != std::string::npos) {
      return make_error(Errc::malformed, "command line: -o \"" + l + "\": newline in option");
    }
    views.push_back(l);
  }
  return parse_lines(views, "command line", home, true);
}

}  // namespace skagent
