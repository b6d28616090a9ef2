// SPDX-License-Identifier: BSD-2-Clause
// Test doubles for skagent-keygen: a console with scripted answers and a token
// with scripted results, plus a private temporary directory.
#pragma once

#include <stdlib.h>

#include <deque>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "keygen/console.h"
#include "keygen/sk_token.h"
#include "tests/common/temp_dir.h"

namespace skagent::keygen::testing {

class FakeConsole : public Console {
 public:
  std::string out_text, err_text;
  std::deque<std::string> secrets;  // answers to ask_secret, in order
  std::deque<bool> confirmations;   // answers to confirm
  std::deque<std::string> lines;    // answers to ask_line
  std::deque<std::string> typed;    // answers to ask_typed
  bool terminal = true;             // false: confirm() fails as with no terminal
  std::vector<std::string> secret_prompts, confirm_prompts, line_prompts, typed_prompts;

  void out(std::string_view t) override { out_text.append(t); }
  void err(std::string_view t) override { err_text.append(t); }
  Result<SecretText> ask_secret(std::string_view prompt) override {
    secret_prompts.emplace_back(prompt);
    if (secrets.empty()) return make_error(Errc::denied, "no more scripted secrets");
    auto s = SecretText::copy_of(secrets.front());
    secrets.pop_front();
    return s;
  }
  Result<bool> confirm(std::string_view q) override {
    confirm_prompts.emplace_back(q);
    if (!terminal) return make_error(Errc::denied, "no terminal to ask on");
    if (confirmations.empty()) return make_error(Errc::denied, "no more scripted answers");
    bool b = confirmations.front();
    confirmations.pop_front();
    return b;
  }
  Result<std::string> ask_typed(std::string_view prompt) override {
    typed_prompts.emplace_back(prompt);
    if (!terminal) return make_error(Errc::denied, "no terminal to ask on");
    if (typed.empty()) return make_error(Errc::denied, "no more scripted lines");
    std::string l = typed.front();
    typed.pop_front();
    return l;
  }
  Result<std::string> ask_line(std::string_view prompt) override {
    line_prompts.emplace_back(prompt);
    if (lines.empty()) return make_error(Errc::not_found, "end of input");
    std::string l = lines.front();
    lines.pop_front();
    return l;
  }
};

class FakeToken : public SkToken {
 public:
  // Scripted: each enroll() call takes the next function; the requests seen
  // are kept (with the PIN, for the checks).
  std::deque<std::function<Result<SkEnrollResult>(const SkEnrollRequest&)>> enrolls;
  std::vector<SkEnrollRequest> enroll_requests;
  std::deque<std::function<Result<std::vector<SkResidentCredential>>(const std::string&,
                                                                     const std::string&)>>
      loads;
  std::vector<std::pair<std::string, std::string>> load_requests;  // device, pin
  Result<std::vector<SkDeviceInfo>> devices = make_error(Errc::unsupported, "no list");
  int touches = 0;

  std::string name() const override { return "fake token"; }
  Result<SkEnrollResult> enroll(const SkEnrollRequest& req) override {
    SkEnrollRequest copy;
    copy.type = req.type;
    copy.application = req.application;
    copy.user = req.user;
    copy.flags = req.flags;
    copy.challenge = req.challenge;
    copy.device = req.device;
    copy.pin = req.pin;
    enroll_requests.push_back(std::move(copy));
    if (req.on_touch) {
      touches++;
      req.on_touch();
    }
    if (enrolls.empty()) return make_error(Errc::internal, "unexpected enroll");
    auto f = enrolls.front();
    enrolls.pop_front();
    return f(req);
  }
  Result<std::vector<SkResidentCredential>> load_resident(const std::string& device,
                                                          const std::string& pin) override {
    load_requests.emplace_back(device, pin);
    if (loads.empty()) return make_error(Errc::internal, "unexpected load");
    auto f = loads.front();
    loads.pop_front();
    return f(device, pin);
  }
  Result<std::vector<SkDeviceInfo>> list_devices() override { return devices; }
};

using ::skagent::testing::TempDir;

}  // namespace skagent::keygen::testing
