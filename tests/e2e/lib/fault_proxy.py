"""A fault-injecting HTTP proxy in front of a registry, for the e2e tests.

fault_proxy.py PORT UPSTREAM_PORT MODE LOG
MODE drop:N   the first GET of each blob is cut after N body bytes (the connection
              is closed mid-body); later GETs pass through, Range included
MODE fail     every GET of a blob over 10000 bytes (the layers, not the config)
              answers 503 Service Unavailable
MODE redirect:USER:PASS  every GET of a blob answers 307 to http://localhost:PORT/_blob/...
              (another host name, as blob storage is); that URL logs whether an
              Authorization header came along, then fetches the blob with USER:PASS
Every forwarded request line and its Range header go to LOG."""
import base64, http.client, socket, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UP, MODE, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
seen = set()
lock = threading.Lock()
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization"}


def log(line):
    with lock, open(LOG, "a") as f:
        f.write(line + "\n")


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_any(self, method):
        blob = method == "GET" and "/blobs/sha256:" in self.path
        log("%s %s range=%s" % (method, self.path, self.headers.get("Range", "-")))
        if MODE.startswith("redirect:") and self.path.startswith("/_blob/"):
            log("STORAGE %s auth=%s" % (self.path, "present" if self.headers.get("Authorization") else "none"))
            self.path = self.path[len("/_blob"):]
            cred = base64.b64encode(MODE.split(":", 1)[1].encode()).decode()
            self.headers.replace_header("Authorization", "Basic " + cred) if self.headers.get("Authorization") \
                else self.headers.add_header("Authorization", "Basic " + cred)
        elif MODE.startswith("redirect:") and blob:
            self.send_response(307)
            self.send_header("Location", "http://localhost:%d/_blob%s" % (PORT, self.path))
            self.send_header("Content-Length", "0"); self.end_headers()
            return
        if blob and MODE == "fail" and self.upstream_length() > 10000:
            body = b'{"errors":[{"code":"UNAVAILABLE","message":"fixture: always failing"}]}'
            self.send_response(503); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
            return
        cut = None
        if blob and MODE.startswith("drop:"):
            with lock:
                if self.path not in seen:
                    seen.add(self.path)
                    cut = int(MODE[5:])
        n = int(self.headers.get("Content-Length", "0") or 0)
        data = self.rfile.read(n) if n else None
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        c = http.client.HTTPConnection("127.0.0.1", UP, timeout=60)
        c.request(method, self.path, body=data, headers=hdrs)
        r = c.getresponse()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.end_headers()
        if method == "HEAD":
            c.close(); return
        sent = 0
        while True:
            chunk = r.read(16384)
            if not chunk:
                break
            if cut is not None and sent + len(chunk) > cut:
                self.wfile.write(chunk[:cut - sent]); self.wfile.flush()
                log("CUT %s after %d bytes" % (self.path, cut))
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                c.close()
                return
            self.wfile.write(chunk)
            sent += len(chunk)
        c.close()

    def upstream_length(self):
        c = http.client.HTTPConnection("127.0.0.1", UP, timeout=60)
        c.request("HEAD", self.path, headers={k: v for k, v in self.headers.items() if k.lower() not in HOP})
        r = c.getresponse()
        n = int(r.getheader("Content-Length", "0") or 0)
        c.close()
        return n

    def do_GET(self):
        self.handle_any("GET")

    def do_HEAD(self):
        self.handle_any("HEAD")

    def log_message(self, *a):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
