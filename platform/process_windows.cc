// SPDX-License-Identifier: BSD-2-Clause
// spawn_process on Windows: CreateProcessW without a shell. The command line is quoted so that
// the child's CommandLineToArgvW / C runtime sees exactly opts.argv; the environment is ours
// plus opts.extra_env; only the three standard handles are inherited (an explicit handle
// list), stdin is NUL unless mapped. Only descriptors 0, 1 and 2 can be mapped.
#include <windows.h>
#include <io.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "platform/process_windows.h"
#include "platform/text_windows.h"

namespace skagent {

namespace {

std::mutex children_mu;
std::map<pid_t, HANDLE> children;  // process handles of our children, until waited for

// One argument quoted for CommandLineToArgvW: backslashes are literal except before a quote.
void append_quoted(std::wstring& cmd, const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    cmd += arg;
    return;
  }
  cmd += L'"';
  for (size_t i = 0;; i++) {
    size_t backslashes = 0;
    while (i < arg.size() && arg[i] == L'\\') {
      i++;
      backslashes++;
    }
    if (i == arg.size()) {
      cmd.append(backslashes * 2, L'\\');  // before the closing quote
      break;
    }
    if (arg[i] == L'"') {
      cmd.append(backslashes * 2 + 1, L'\\');
      cmd += L'"';
    } else {
      cmd.append(backslashes, L'\\');
      cmd += arg[i];
    }
  }
  cmd += L'"';
}

// Our environment with NAME=value entries replaced or added, as a CreateProcessW block.
std::vector<wchar_t> environment_block(const std::vector<std::string>& extra) {
  std::map<std::wstring, std::wstring> vars;  // upper-cased name -> "Name=value"
  auto upper_name = [](const std::wstring& entry) {
    size_t eq = entry.find(L'=', 1);  // "=C:" style entries start with '='
    std::wstring name = entry.substr(0, eq);
    CharUpperBuffW(name.data(), DWORD(name.size()));
    return name;
  };
  if (wchar_t* env = GetEnvironmentStringsW()) {
    for (wchar_t* p = env; *p != 0; p += wcslen(p) + 1) vars[upper_name(p)] = p;
    FreeEnvironmentStringsW(env);
  }
  for (const auto& e : extra) {
    std::wstring w = widen(e);
    vars[upper_name(w)] = w;
  }
  std::vector<wchar_t> block;
  for (const auto& [name, entry] : vars) {
    block.insert(block.end(), entry.begin(), entry.end());
    block.push_back(0);
  }
  block.push_back(0);
  if (block.size() == 1) block.push_back(0);
  return block;
}

Error spawn_error(const std::string& what, DWORD err = GetLastError()) {
  return make_error(Errc::io, what + ": error " + std::to_string(err));
}

}  // namespace

Result<pid_t> spawn_process(const SpawnOptions& opts) {
  if (opts.argv.empty()) return make_error(Errc::internal, "spawn: empty argv");
  HANDLE std_handles[3] = {GetStdHandle(STD_INPUT_HANDLE), GetStdHandle(STD_OUTPUT_HANDLE),
                           GetStdHandle(STD_ERROR_HANDLE)};
  HANDLE null_in = INVALID_HANDLE_VALUE;
  if (opts.null_stdin) {
    SECURITY_ATTRIBUTES sa{sizeof(sa), nullptr, TRUE};
    null_in = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                          OPEN_EXISTING, 0, nullptr);
    if (null_in == INVALID_HANDLE_VALUE) return spawn_error("open NUL");
    std_handles[0] = null_in;
  }
  for (auto [child, parent] : opts.fds) {
    if (child < 0 || child > 2) {
      if (null_in != INVALID_HANDLE_VALUE) CloseHandle(null_in);
      return make_error(Errc::unsupported, "spawn: Windows passes only descriptors 0, 1 and 2");
    }
    std_handles[child] = reinterpret_cast<HANDLE>(_get_osfhandle(parent));
  }
  // Inheritable duplicates of the three handles, and a list that limits inheritance to them.
  std::vector<HANDLE> inherit;
  HANDLE dup[3] = {nullptr, nullptr, nullptr};
  for (int i = 0; i < 3; i++) {
    if (std_handles[i] == nullptr || std_handles[i] == INVALID_HANDLE_VALUE) continue;
    if (DuplicateHandle(GetCurrentProcess(), std_handles[i], GetCurrentProcess(), &dup[i], 0, TRUE,
                        DUPLICATE_SAME_ACCESS)) {
      inherit.push_back(dup[i]);
    }
  }
  auto cleanup = [&] {
    for (HANDLE h : dup) {
      if (h != nullptr) CloseHandle(h);
    }
    if (null_in != INVALID_HANDLE_VALUE) CloseHandle(null_in);
  };

  SIZE_T attr_size = 0;
  InitializeProcThreadAttributeList(nullptr, 1, 0, &attr_size);
  std::vector<uint8_t> attr_buf(attr_size);
  auto* attrs = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attr_buf.data());
  bool have_list =
      !inherit.empty() && InitializeProcThreadAttributeList(attrs, 1, 0, &attr_size) &&
      UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherit.data(),
                                inherit.size() * sizeof(HANDLE), nullptr, nullptr);

  STARTUPINFOEXW si{};
  si.StartupInfo.cb = sizeof(si);
  si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  si.StartupInfo.hStdInput = dup[0];
  si.StartupInfo.hStdOutput = dup[1];
  si.StartupInfo.hStdError = dup[2];
  si.lpAttributeList = have_list ? attrs : nullptr;

  std::wstring cmd;
  for (size_t i = 0; i < opts.argv.size(); i++) {
    if (i > 0) cmd += L' ';
    append_quoted(cmd, widen(opts.argv[i]));
  }
  std::vector<wchar_t> env = environment_block(opts.extra_env);
  PROCESS_INFORMATION pi{};
  DWORD flags = CREATE_UNICODE_ENVIRONMENT | CREATE_NO_WINDOW |
                (have_list ? EXTENDED_STARTUPINFO_PRESENT : 0);
  BOOL ok = CreateProcessW(nullptr, cmd.data(), nullptr, nullptr, !inherit.empty(), flags,
                           env.data(), nullptr, &si.StartupInfo, &pi);
  DWORD err = GetLastError();
  if (have_list) DeleteProcThreadAttributeList(attrs);
  cleanup();
  if (!ok) return spawn_error("cannot start " + opts.argv[0], err);
  CloseHandle(pi.hThread);
  pid_t pid = pid_t(pi.dwProcessId);
  std::lock_guard<std::mutex> lock(children_mu);
  children[pid] = pi.hProcess;
  return pid;
}

Result<int> wait_child(pid_t pid, uint32_t timeout_ms) {
  HANDLE h = nullptr;
  {
    std::lock_guard<std::mutex> lock(children_mu);
    auto it = children.find(pid);
    if (it == children.end()) return make_error(Errc::not_found, "no child " + std::to_string(pid));
    h = it->second;
  }
  DWORD w = WaitForSingleObject(h, timeout_ms);
  if (w == WAIT_TIMEOUT)
    return make_error(Errc::timeout, "child " + std::to_string(pid) + " still running");
  if (w != WAIT_OBJECT_0) return spawn_error("wait for child " + std::to_string(pid));
  DWORD code = 0;
  GetExitCodeProcess(h, &code);
  std::lock_guard<std::mutex> lock(children_mu);
  children.erase(pid);
  CloseHandle(h);
  return int(code);
}

void kill_child(pid_t pid) {
  std::lock_guard<std::mutex> lock(children_mu);
  auto it = children.find(pid);
  if (it == children.end()) return;
  TerminateProcess(it->second, 1);
  WaitForSingleObject(it->second, 5000);
  CloseHandle(it->second);
  children.erase(it);
}

}  // namespace skagent
