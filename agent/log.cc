// SPDX-License-Identifier: BSD-2-Clause
#include "agent/log.h"

#include <syslog.h>

#include <cstdio>
#include <string>

namespace skagent {

void Logger::configure(Sink sink, Level max_level) {
  sink_ = sink;
  max_ = max_level;
  if (sink == Sink::syslog_sink) openlog("skagent", LOG_PID, LOG_AUTH);
}

void Logger::write(Level level, std::string_view msg) const {
  if (int(level) > int(max_)) return;
  if (sink_ == Sink::syslog_sink) {
    int prio = level == Level::error ? LOG_ERR : level == Level::info ? LOG_INFO : LOG_DEBUG;
    syslog(prio, "%.*s", int(msg.size()), msg.data());
    return;
  }
  std::string line = "skagent: ";
  line.append(msg);
  line.push_back('\n');
  fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace skagent
