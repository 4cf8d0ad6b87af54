"""TLS peers for the sink tests (tests/tls_sink.rs); standard library only.

    tls_peer.py MODE CERT KEY CLIENT_CA OUT [PORT]

MODE `raw`: a TLS TCP server that appends every byte it receives to OUT.
MODE `http`: an HTTPS server that appends every POST body to OUT and answers 200.
MODE `es`: the Elasticsearch `_bulk` TEST server (tests/support/es_bulk_server.py, not
Elasticsearch) over TLS, plus the same server in plain HTTP on a second port so that the
test can read `/_test/docs` without a TLS client.
CLIENT_CA `-`: no client certificate asked for; else clients must show one it signed.
Prints `{"port": P, "plain": Q}` once listening.
"""
import http.server
import importlib.util
import json
import os
import socketserver
import ssl
import sys
import threading

mode, cert, key, client_ca, out = sys.argv[1:6]
port = int(sys.argv[6]) if len(sys.argv) > 6 else 0

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
if client_ca != "-":
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(client_ca)

LOCK = threading.Lock()


def record(data):
    with LOCK, open(out, "ab") as f:
        f.write(data)


class Raw(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            try:
                b = self.request.recv(65536)
            except (ssl.SSLError, OSError):
                return
            if not b:
                return
            record(b)


class Post(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        record(self.rfile.read(n))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Quiet:
    """Handshakes refused by either side are expected in these tests."""
    allow_reuse_address = True
    daemon_threads = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class RawServer(Quiet, socketserver.ThreadingTCPServer):
    pass


class HttpServer(Quiet, http.server.ThreadingHTTPServer):
    pass


plain = None
if mode == "raw":
    srv = RawServer(("127.0.0.1", port), Raw)
elif mode == "http":
    srv = HttpServer(("127.0.0.1", port), Post)
else:
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support", "es_bulk_server.py")
    spec = importlib.util.spec_from_file_location("es_bulk_server", path)
    es = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(es)
    srv = es.Server(("127.0.0.1", port), es.Handler)
    plain = es.Server(("127.0.0.1", 0), es.Handler)
    threading.Thread(target=plain.serve_forever, daemon=True).start()

# The handshake runs in accept(); a failed one raises OSError there, which socketserver
# drops, and the server goes on.
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(json.dumps({"port": srv.server_address[1], "plain": plain.server_address[1] if plain else 0}), flush=True)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    pass
