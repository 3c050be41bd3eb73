#!/usr/bin/python3
"""A GStreamer RTSP server for the tests: the "camera".

Usage: rtsp_server.py LAUNCH [USER PASS]

Serves the gst-launch style LAUNCH line (with payloaders named pay0, pay1...)
at rtsp://127.0.0.1:PORT/cam on the port in $RTSP_PORT, or one the OS picks,
requiring basic auth when USER and PASS are given, and prints "ready PORT"
once it listens.
Run it with Debian's /usr/bin/python3 (python3-gi, gir1.2-gst-rtsp-server-1.0).
"""
import os
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main():
    Gst.init(None)
    launch = sys.argv[1]
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(os.environ.get("RTSP_PORT", "0"))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    # Not shared: each client gets its own pipeline, from the file start.
    if len(sys.argv) > 3:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "cam")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(sys.argv[2], sys.argv[3]), token)
        server.set_auth(auth)
        factory.add_role_from_structure(Gst.Structure.from_string(
            "cam, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0])
    server.get_mount_points().add_factory("/cam", factory)
    server.attach(None)
    print("ready", server.get_bound_port(), flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
