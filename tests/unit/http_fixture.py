#!/usr/bin/env python3
"""A small HTTP(S) server on 127.0.0.1 for the vulnerability-database download
tests (Python standard library only).

usage: http_fixture.py DIR [CERT KEY]

Serves the files under DIR. Before serving, every DIR/<name>/records/ directory
of JSON files is packed into DIR/<name>/all.zip (an OSV-style dump). Responses
carry an ETag (sha256 of the body) and Last-Modified; If-None-Match and
If-Modified-Since give 304. Paths under /fail/ answer 500. Prints "PORT <n>" on
stdout once listening; "/_log" returns one line per request served so far:
"<method> <path> <status>".
"""
import email.utils
import hashlib
import http.server
import os
import ssl
import sys
import threading
import time
import zipfile

ROOT = os.path.abspath(sys.argv[1])
LOG = []
MTIME = email.utils.formatdate(1700000000, usegmt=True)


def pack_dumps():
    for name in sorted(os.listdir(ROOT)):
        rec = os.path.join(ROOT, name, "records")
        if not os.path.isdir(rec):
            continue
        with zipfile.ZipFile(os.path.join(ROOT, name, "all.zip"), "w",
                             zipfile.ZIP_DEFLATED) as z:
            for f in sorted(os.listdir(rec)):
                z.write(os.path.join(rec, f), f)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        LOG.append("%s %s %d" % (self.command, self.path, status))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_log":
            body = ("\n".join(LOG) + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/fail/"):
            return self.reply(500, b"broken\n")
        path = os.path.realpath(os.path.join(ROOT, self.path.lstrip("/")))
        if not path.startswith(ROOT + os.sep) or not os.path.isfile(path):
            return self.reply(404, b"not found\n")
        with open(path, "rb") as f:
            body = f.read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
        headers = [("ETag", etag), ("Last-Modified", MTIME)]
        if self.headers.get("If-None-Match") == etag:
            return self.reply(304, b"", headers)
        if self.headers.get("If-None-Match") is None and \
                self.headers.get("If-Modified-Since") == MTIME:
            return self.reply(304, b"", headers)
        return self.reply(200, body, headers)


def exit_with_parent():
    """The test that started us may die without stopping us: follow it."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    threading.Thread(target=exit_with_parent, daemon=True).start()
    pack_dumps()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if len(sys.argv) > 3:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("PORT %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
