#!/usr/bin/env python3
"""A handler that paces its downloads with Mongrel2's download credits, written with nothing but pyzmq from
Mongrel2 1.12's protocol (`download.flow_control`: the connection's first request carries `DOWNLOAD_CREDITS`, and
after each reply message is written to the client, a `credits` event on path `@*` returns its size in
`DOWNLOAD_CREDITS`). It never has more bytes outstanding on a connection than its credits allow.

Push mode (PULL and PUB, as Mongrel2 handlers) by default; `broker` as the first argument, or LURCHER_MODE=broker,
speaks Lurcher's broker protocol instead (DEALER: READY, HEARTBEAT, REQUEST, REPLY, EVENT), with the same logic.

- `.../download?bytes=N&piece=P`: a `Content-Length: N` answer, its head one message and its body messages of at
  most P bytes, each sent only when the connection has credits for it. The body is bytes `i % 251`.
- `.../overdraw?bytes=N`: a whole answer of N body bytes in one message, credits or not (a handler gone wrong).
- A WebSocket handshake is accepted, and each text message echoed, both under credits as downloads are (push mode
  only: this handler does not finish broker-mode WebSocket messages).
- `.../report`: as JSON, per connection id: the `DOWNLOAD_CREDITS` header of each of its requests (null when it had
  none), the credits events' byte counts, the bytes sent, whether a download waits for credits, and whether a
  disconnect notice came. The report's own reply is not counted.

Endpoints: send_spec recv_spec on the command line, or LURCHER_SEND_SPEC and LURCHER_RECV_SPEC.
"""
import json
import os
import signal
import sys
import time

import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mongrel2_handler import http_response, parse_request  # noqa: E402
from ws_handler import TEXT, frame, handshake_response  # noqa: E402
from xreply_handler import query  # noqa: E402


def framed(sender, conn_id, body):
    return sender + b" " + str(len(conn_id)).encode() + b":" + conn_id + b", " + body


class Push:
    """Mongrel2's sockets."""

    def __init__(self, context, specs):
        self.requests = context.socket(zmq.PULL)
        self.requests.connect(specs[0])
        self.replies = context.socket(zmq.PUB)
        self.replies.connect(specs[1])

    def receive(self):
        """(payload, request id or None), or None when nothing came within a moment."""
        if not self.requests.poll(200):
            return None
        return self.requests.recv(), None

    def send(self, payload, finishing=None):
        self.replies.send(payload)


class Broker:
    """Lurcher's broker protocol (docs/PROTOCOL.md), with room for several requests at once."""

    def __init__(self, context, specs):
        self.socket = context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(specs[0])
        self.socket.send_multipart([b"READY", b"8", str(os.getpid()).encode()])
        self.next_heartbeat = time.monotonic()

    def receive(self):
        now = time.monotonic()
        if now >= self.next_heartbeat:
            self.socket.send_multipart([b"HEARTBEAT"])
            self.next_heartbeat = now + 0.5
        while self.socket.poll(200):
            frames = self.socket.recv_multipart()
            if frames[0] == b"REQUEST":
                return frames[2], frames[1]
            if frames[0] == b"EVENT":
                return frames[1], None
        return None

    def send(self, payload, finishing=None):
        self.socket.send_multipart([b"REPLY", payload] + ([finishing] if finishing else []))


def main():
    args = sys.argv[1:]
    mode = os.environ.get("LURCHER_MODE", "push")
    if args and args[0] in ("push", "broker"):
        mode = args.pop(0)
    specs = args if len(args) == 2 else [os.environ["LURCHER_SEND_SPEC"], os.environ.get("LURCHER_RECV_SPEC", "")]
    context = zmq.Context()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    transport = (Broker if mode == "broker" else Push)(context, specs)

    credits = {}  # connection id -> bytes it may still be sent
    downloads = {}  # connection id -> [sender, messages left to send, request id]
    report = {}

    def entry(conn):
        return report.setdefault(conn.decode(), {
            "credit_headers": [], "credit_events": [], "sent": 0, "waiting": False, "disconnected": False})

    def pump(conn):
        """Sends the connection's download as far as its credits go."""
        download = downloads.get(conn)
        if not download:
            return
        sender, messages, request_id = download
        while messages and len(messages[0]) <= credits.get(conn, 0):
            message = messages.pop(0)
            credits[conn] -= len(message)
            entry(conn)["sent"] += len(message)
            transport.send(framed(sender, conn, message), request_id if not messages else None)
        entry(conn)["waiting"] = bool(messages)
        if not messages:
            del downloads[conn]

    while True:
        received = transport.receive()
        if received is None:
            continue
        payload, request_id = received
        sender, conn, path, headers, _, body = parse_request(payload)
        if path == "@*":
            event = json.loads(body).get("type")
            if event == "credits":
                granted = int(headers["DOWNLOAD_CREDITS"])
                entry(conn)["credit_events"].append(granted)
                credits[conn] = credits.get(conn, 0) + granted
                pump(conn)
            elif event == "disconnect":
                entry(conn)["disconnected"] = True
                entry(conn)["waiting"] = False
                downloads.pop(conn, None)
            continue
        header = headers.get("DOWNLOAD_CREDITS")
        entry(conn)["credit_headers"].append(header)
        if header is not None:
            credits[conn] = int(header)
        q = query(headers)
        if headers.get("METHOD") == "WEBSOCKET_HANDSHAKE":
            downloads[conn] = [sender, [handshake_response(headers, body)], request_id]
            pump(conn)
        elif headers.get("METHOD") == "WEBSOCKET":
            if headers.get("FLAGS") == "0x81":
                downloads.setdefault(conn, [sender, [], request_id])[1].append(frame(TEXT, body))
                pump(conn)
        elif path.endswith("/report"):
            answer = http_response(json.dumps(report).encode())
            # Kept out of the accounting: the credits its writing returns are given back here at once.
            credits[conn] = credits.get(conn, 0) - len(answer)
            transport.send(framed(sender, conn, answer), request_id)
        elif path.endswith("/overdraw"):
            answer = http_response(bytes(int(q["bytes"])), content_type="application/octet-stream")
            entry(conn)["sent"] += len(answer)
            transport.send(framed(sender, conn, answer), request_id)
        elif path.endswith("/download"):
            size, piece = int(q["bytes"]), int(q.get("piece", "16384"))
            content = bytes(i % 251 for i in range(251)) * (size // 251 + 1)
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % size
            messages = [head] + [content[start:min(start + piece, size)] for start in range(0, size, piece)]
            downloads[conn] = [sender, messages, request_id]
            pump(conn)


if __name__ == "__main__":
    main()
