#!/usr/bin/python3
"""A lab unit's process: guacd (a TCP listener) or the web application (HTTP).

Usage: unit-daemon.py <tcp|http> <address> <port> <unit> <version>
The web application answers every GET with JSON naming the unit and the
package version it was started with, so a test can tell whether a service was
restarted after an upgrade. guacd holds each connection open until its client
closes it (or guacd stops), as a real guacd holds a remote session.
"""
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KIND, ADDRESS, PORT, UNIT, VERSION = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
STARTED = time.time()
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"unit": UNIT, "version": VERSION, "pid": os.getpid(), "startedAt": STARTED}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def hold(conn):
    """Keeps a session's connection until the client closes it."""
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass
    finally:
        conn.close()


def serve_tcp():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((ADDRESS, PORT))
    server.listen(64)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=hold, args=(conn,), daemon=True).start()


if KIND == "http":
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer((ADDRESS, PORT), Handler).serve_forever()
else:
    serve_tcp()
