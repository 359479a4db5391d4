#!/usr/bin/env python3
"""TLS clients for the HTTPS tests, with Python's ssl module: `tls_client.py CASE ARGS...`.

- `served PORT SNI`: prints the SHA-1 fingerprint (upper-case hex) of the certificate the gateway serves for
  that SNI name (`-` for none), without verifying it.
- `keep PORT CAFILE FLAG`: one verified connection: a GET, then, once the file FLAG exists, a second GET on the
  same connection. Prints `first STATUS FINGERPRINT`, then `second STATUS`.
- `wss URL CAFILE`: a WebSocket over TLS to the echo handler: text and a 1 MiB binary message echoed, and the
  handshake's headers (the handler's `headers` message) carry URL_SCHEME https.

Exits 1 with the reason on stderr when something is wrong.
"""
import hashlib
import json
import os
import socket
import ssl
import sys
import time


def fail(reason):
    print(reason, file=sys.stderr)
    sys.exit(1)


def fingerprint(der):
    return hashlib.sha1(der).hexdigest().upper()


def served(port, sni):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=None if sni == "-" else sni) as tls:
            print(fingerprint(tls.getpeercert(binary_form=True)))


def read_response(tls):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = tls.recv(65536)
        if not chunk:
            fail("connection closed before a response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = tls.recv(65536)
        if not chunk:
            fail("connection closed in a response body")
        body += chunk
    return int(head.split(b" ")[1])


def keep(port, cafile, flag):
    context = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", int(port)), timeout=20) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET /py/first HTTP/1.1\r\nHost: localhost\r\n\r\n")
            print("first", read_response(tls), fingerprint(tls.getpeercert(binary_form=True)), flush=True)
            deadline = time.monotonic() + 30
            while not os.path.exists(flag):
                if time.monotonic() > deadline:
                    fail("the test never created " + flag)
                time.sleep(0.02)
            tls.sendall(b"GET /py/second HTTP/1.1\r\nHost: localhost\r\n\r\n")
            print("second", read_response(tls), flush=True)


def wss(url, cafile):
    from websockets.sync.client import connect

    context = ssl.create_default_context(cafile=cafile)
    with connect(url, ssl=context, compression=None, max_size=None, open_timeout=10) as websocket:
        websocket.send("hello over TLS")
        if websocket.recv(timeout=10) != "hello over TLS":
            fail("the text message did not come back")
        large = os.urandom(1 << 20)
        websocket.send(large)
        if websocket.recv(timeout=20) != large:
            fail("the 1 MiB binary message did not come back whole")
        websocket.send("headers")
        headers = json.loads(websocket.recv(timeout=10))
        if headers.get("URL_SCHEME") != "https":
            fail("URL_SCHEME was %r, not https" % headers.get("URL_SCHEME"))


if __name__ == "__main__":
    globals()[sys.argv[1]](*sys.argv[2:])
