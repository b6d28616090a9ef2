// SPDX-License-Identifier: BSD-2-Clause
// The agent's log: stderr in the foreground (-d/-D), syslog when daemonised.
#pragma once

#include <string_view>

namespace skagent {

class Logger {
 public:
  enum class Level { error, info, debug };
  enum class Sink { stderr_sink, syslog_sink };

  Logger() = default;
  void configure(Sink sink, Level max_level);
  void error(std::string_view msg) const { write(Level::error, msg); }
  void info(std::string_view msg) const { write(Level::info, msg); }
  void debug(std::string_view msg) const { write(Level::debug, msg); }
  void write(Level level, std::string_view msg) const;

 private:
  Sink sink_ = Sink::stderr_sink;
  Level max_ = Level::info;
};

}  // namespace skagent
