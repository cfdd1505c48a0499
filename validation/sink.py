#!/usr/bin/env python3
"""A stand-in for an OTLP/HTTP collector for tracesim's validation experiment.

Answers 200 to every POST, except in its down window (--down-from .. --down-to seconds after
start), where it either refuses connections (the listening socket is closed: `refuse`) or
accepts them, reads the request and never answers (`hang`). --down-from 0 with no --down-to
means down for the whole run. `refuse` kills the serving process (as a crashed collector:
open keep-alive connections are reset, new ones refused) and starts a new one at --down-to.
Standard library only.
"""
import argparse
import subprocess
import sys
import http.server
import threading
import time

hang = threading.Event()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        self.rfile.read(n)
        if hang.is_set():
            time.sleep(3600)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(port):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def serve_only(port):
    serve(port)
    while True:
        time.sleep(3600)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=4318)
    ap.add_argument("--mode", choices=["refuse", "hang"], default="hang")
    ap.add_argument("--down-from", type=float, default=None)
    ap.add_argument("--down-to", type=float, default=None)
    ap.add_argument("--run-for", type=float, default=600)
    ap.add_argument("--serve-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.serve_only:
        serve_only(a.port)
    start = time.monotonic()
    me = [sys.executable, __file__, "--port", str(a.port), "--serve-only"]
    if a.mode == "hang":
        srv = serve(a.port)
    else:
        proc = subprocess.Popen(me)
    down = False
    try:
        while time.monotonic() - start < a.run_for:
            t = time.monotonic() - start
            want = a.down_from is not None and t >= a.down_from and (a.down_to is None or t < a.down_to)
            if want and not down:
                if a.mode == "hang":
                    hang.set()
                else:
                    proc.kill()
                    proc.wait()
                down = True
            elif down and not want:
                if a.mode == "hang":
                    hang.clear()
                else:
                    proc = subprocess.Popen(me)
                down = False
            time.sleep(0.005)
    finally:
        if a.mode == "refuse" and not down:
            proc.kill()


if __name__ == "__main__":
    main()
