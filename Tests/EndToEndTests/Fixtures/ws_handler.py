#!/usr/bin/env python3
"""A Mongrel2 WebSocket handler written with nothing but pyzmq, from Mongrel2 1.12's documented protocol
(the pattern of its examples/ws/python/echo.py), so tests can show such handlers work unchanged behind Lurcher.

- `WEBSOCKET_HANDSHAKE`: answers the 101 itself, with the accept value the gateway sent as the body, and
  chooses the subprotocol `chat` when the client offers it. Paths ending `/refuse` get 403 instead; paths
  ending `/greet` get the 101 and a text frame `welcome` in the same reply.
- `WEBSOCKET`, by `FLAGS`: text and binary are echoed in one frame; the text `headers` is answered with the
  message's headers and connection id as JSON; `bye` makes the handler close the connection itself (an empty reply, no
  frame); a ping is answered with a pong; a close is echoed, then the connection closed (empty reply).
- An HTTP request for `.../disconnects` gets the connection ids the handler was told had gone, as JSON.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mongrel2_handler import connect, http_response, parse_request, reply  # noqa: E402

TEXT, BINARY, CLOSE, PING, PONG = 1, 2, 8, 9, 10


def frame(opcode, payload):
    """One unmasked server frame with FIN set."""
    head = bytes([0x80 | opcode])
    if len(payload) < 126:
        head += bytes([len(payload)])
    elif len(payload) < 65536:
        head += bytes([126]) + len(payload).to_bytes(2, "big")
    else:
        head += bytes([127]) + len(payload).to_bytes(8, "big")
    return head + payload


def handshake_response(headers, accept):
    lines = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Accept: " + accept.decode()]
    offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
    if "chat" in offered:
        lines.append("Sec-WebSocket-Protocol: chat")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def main():
    requests, replies = connect()
    disconnected = []
    while True:
        sender, conn_id, path, headers, _, body = parse_request(requests.recv())
        method = headers.get("METHOD")
        if path == "@*":
            if json.loads(body).get("type") == "disconnect":
                disconnected.append(conn_id.decode())
        elif method == "WEBSOCKET_HANDSHAKE":
            if path.endswith("/refuse"):
                reply(replies, sender, [conn_id], http_response(b"no", status="403 Forbidden", content_type="text/plain"))
            elif path.endswith("/greet"):
                reply(replies, sender, [conn_id], handshake_response(headers, body) + frame(TEXT, b"welcome"))
            else:
                reply(replies, sender, [conn_id], handshake_response(headers, body))
        elif method == "WEBSOCKET":
            flags = int(headers["FLAGS"], 16)
            opcode = flags & 0x0F
            if opcode == TEXT and body == b"headers":
                answer = dict(headers, conn_id=conn_id.decode())
                reply(replies, sender, [conn_id], frame(TEXT, json.dumps(answer).encode()))
            elif opcode == TEXT and body == b"bye":
                reply(replies, sender, [conn_id], b"")
            elif opcode in (TEXT, BINARY):
                reply(replies, sender, [conn_id], frame(opcode, body))
            elif opcode == PING:
                reply(replies, sender, [conn_id], frame(PONG, body))
            elif opcode == CLOSE:
                reply(replies, sender, [conn_id], frame(CLOSE, body))
                reply(replies, sender, [conn_id], b"")
        elif path.endswith("/disconnects"):
            reply(replies, sender, [conn_id], http_response(json.dumps(disconnected).encode()))
        else:
            reply(replies, sender, [conn_id], http_response(b"{}"))


if __name__ == "__main__":
    main()
