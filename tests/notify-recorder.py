#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""A recording desktop-notification service for the tests.

Owns org.freedesktop.Notifications on the session bus (DBUS_SESSION_BUS_ADDRESS: the
private bus a test starts) and implements the calls notification clients make: Notify,
CloseNotification, GetCapabilities, GetServerInformation. Every Notify and
CloseNotification appends one line to LOG:

    <monotonic seconds> notify <id> <app>|<summary>|<body, newlines as spaces>
    <monotonic seconds> close <id>

and "ready" is written when the name is owned. Needs python3-dbus and python3-gi.

    notify-recorder.py LOG
"""
import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

IFACE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


def record(log, *fields):
    with open(log, "a", encoding="utf-8") as f:
        f.write("%.3f %s\n" % (time.monotonic(), " ".join(str(x) for x in fields)))


class Recorder(dbus.service.Object):
    def __init__(self, bus, log):
        self._name = dbus.service.BusName(IFACE, bus, do_not_queue=True)
        super().__init__(self._name, PATH)
        self._log = log
        self._next = 1
        self._open = set()

    @dbus.service.method(IFACE, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces_id, icon, summary, body, actions, hints, timeout):
        nid = int(replaces_id) or self._next
        if nid == self._next:
            self._next += 1
        self._open.add(nid)
        text = "%s|%s|%s" % (app, summary, body)
        record(self._log, "notify", nid, text.replace("\n", " "))
        return dbus.UInt32(nid)

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        record(self._log, "close", int(nid))
        if int(nid) in self._open:
            self._open.discard(int(nid))
            self.NotificationClosed(nid, dbus.UInt32(3))

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("skagent-notify-recorder", "skagent", "1.0", "1.2")


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: notify-recorder.py LOG\n")
        return 2
    log = sys.argv[1]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    recorder = Recorder(bus, log)
    record(log, "ready", 0)
    try:
        GLib.MainLoop().run()
    except KeyboardInterrupt:
        pass
    del recorder
    return 0


if __name__ == "__main__":
    sys.exit(main())
