"""A Docker Engine API stand-in on a unix socket, for the docker-daemon: e2e test.

fake_daemon.py SOCKET LOG NAME=TARFILE[+LATER]...
Answers GET /_ping and GET /images/NAME/get by streaming TARFILE (a `docker save`
style archive), or LATER on every GET after the first when given (a daemon whose
tar orders its members differently from one save to the next); unknown names get
404 {"message": ...} as the real daemon answers. Each request line goes to LOG."""
import os, socketserver, sys
from http.server import BaseHTTPRequestHandler

SOCK, LOG = sys.argv[1], sys.argv[2]
IMAGES = dict(a.split("=", 1) for a in sys.argv[3:])
SERVED = set()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def address_string(self):
        return "unix"

    def do_GET(self):
        with open(LOG, "a") as f:
            f.write("GET %s\n" % self.path)
        p = self.path.split("?")[0]
        if p.endswith("/_ping"):
            self.reply(200, b"OK", "text/plain"); return
        if p.startswith("/images/") and p.endswith("/get"):
            name = p[len("/images/"):-len("/get")]
            if name in IMAGES:
                first, _, later = IMAGES[name].partition("+")
                path = later if later and name in SERVED else first
                SERVED.add(name)
                size = os.path.getsize(path)
                self.send_response(200); self.send_header("Content-Type", "application/x-tar")
                self.send_header("Content-Length", str(size)); self.end_headers()
                with open(path, "rb") as f:
                    while True:
                        b = f.read(65536)
                        if not b:
                            break
                        try:
                            self.wfile.write(b)
                        except (BrokenPipeError, ConnectionResetError):
                            return
                return
            self.reply(404, b'{"message":"reference does not exist"}', "application/json"); return
        self.reply(404, b'{"message":"page not found"}', "application/json")

    def reply(self, code, body, ctype):
        self.send_response(code); self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)

    def log_message(self, *a):
        pass


class S(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass        # a client that stops reading early (one layer fetched) is normal


if os.path.exists(SOCK):
    os.unlink(SOCK)
S(SOCK, H).serve_forever()
