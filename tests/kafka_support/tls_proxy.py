"""TLS in front of the tansu broker for the Kafka TLS tests; standard library only.

    tls_proxy.py CERT KEY CLIENT_CA PORT UPSTREAM_PORT

tansu 0.6 takes `--cert`/`--key` but never wraps its connections in TLS (its broker builds
a TLS acceptor and does not use it), so the tests terminate TLS here, with OpenSSL through
Python's `ssl`, and hand the Kafka protocol bytes on to tansu's plain port unchanged. tansu
advertises this proxy's port, so every connection a client makes goes through TLS.
CLIENT_CA `-`: no client certificate asked for; else clients must show one it signed.
Prints `{"port": P}` once listening.
"""
import json
import socket
import ssl
import sys
import threading

cert, key, client_ca, port, upstream = sys.argv[1:6]

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
if client_ca != "-":
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(client_ca)


def pump(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(raw):
    try:
        tls = ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError) as e:
        # A client that refuses our certificate, or shows none: the handshake fails and
        # the connection closes, as at a real TLS broker.
        print(f"handshake failed: {e}", file=sys.stderr, flush=True)
        raw.close()
        return
    try:
        up = socket.create_connection(("127.0.0.1", int(upstream)))
    except OSError:
        tls.close()
        return
    up.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=pump, args=(up, tls), daemon=True).start()
    pump(tls, up)


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(port)))
srv.listen(128)
print(json.dumps({"port": srv.getsockname()[1]}), flush=True)
while True:
    conn, _ = srv.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
