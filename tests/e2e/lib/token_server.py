"""Registry token server for the e2e tests (Python standard library + the openssl CLI).

token_server.py PORT KEY CERT ISSUER USER:PASS LOG [REFRESH_TOKEN]
Grants every requested scope to USER:PASS (HTTP Basic) with an RS256 JWT whose x5c is
the self-signed CERT, which the registry trusts as its rootcertbundle; with REFRESH_TOKEN,
also to an OAuth2 POST grant_type=refresh_token carrying it (Docker's identity tokens).
Each request's query or form field names (never credentials) are appended to LOG.
Adapted from the verified recipe in the project's fixture research."""
import base64, json, subprocess, sys, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

PORT, KEY, CERT, ISSUER, CREDS, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
REFRESH = sys.argv[7] if len(sys.argv) > 7 else None
b64u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
X5C = base64.b64encode(subprocess.run(["openssl", "x509", "-in", CERT, "-outform", "DER"],
                                      check=True, capture_output=True).stdout).decode()


def token(sub, service, scopes):
    access = []
    for s in scopes:
        p = s.split(":")
        if len(p) >= 3:
            access.append({"type": p[0], "name": ":".join(p[1:-1]), "actions": p[-1].split(",")})
    t = int(time.time())
    hdr = {"typ": "JWT", "alg": "RS256", "x5c": [X5C]}
    cl = {"iss": ISSUER, "sub": sub, "aud": service, "exp": t + 300, "nbf": t - 10, "iat": t,
          "jti": uuid.uuid4().hex, "access": access}
    si = (b64u(json.dumps(hdr, separators=(",", ":")).encode()) + "." +
          b64u(json.dumps(cl, separators=(",", ":")).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", KEY], input=si,
                         check=True, capture_output=True).stdout
    return si.decode() + "." + b64u(sig)


class H(BaseHTTPRequestHandler):
    def do_GET(self):
        u = urlparse(self.path)
        if u.path == "/health":
            self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers(); return
        with open(LOG, "a") as f:
            f.write("GET %s\n" % u.query)
        a = self.headers.get("Authorization", "")
        ok = False
        if a.startswith("Basic "):
            try:
                ok = base64.b64decode(a[6:]).decode() == CREDS
            except Exception:
                ok = False
        if not ok:
            self.send_response(401); self.send_header("WWW-Authenticate", 'Basic realm="fixture-token"')
            self.send_header("Content-Length", "0"); self.end_headers(); return
        q = parse_qs(u.query)
        tok = token(CREDS.split(":")[0], q.get("service", [""])[0], q.get("scope", []))
        body = json.dumps({"token": tok, "access_token": tok, "expires_in": 300,
                           "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        f = parse_qs(self.rfile.read(n).decode())
        with open(LOG, "a") as lf:
            lf.write("POST grant_type=%s service=%s scope=%s\n" % (f.get("grant_type", [""])[0],
                     f.get("service", [""])[0], f.get("scope", [""])[0]))
        if not REFRESH or f.get("grant_type", [""])[0] != "refresh_token" or f.get("refresh_token", [""])[0] != REFRESH:
            self.send_response(401); self.send_header("Content-Length", "0"); self.end_headers(); return
        tok = token("refresh-user", f.get("service", [""])[0], f.get("scope", []))
        body = json.dumps({"access_token": tok, "expires_in": 300, "token_type": "Bearer"}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)

    def log_message(self, *a):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
