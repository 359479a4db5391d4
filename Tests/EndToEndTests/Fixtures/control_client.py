#!/usr/bin/env python3
"""A control port client written with nothing but pyzmq, from Mongrel2 1.12's control port protocol
(`src/control.c`): a REQ socket, or a DEALER socket that sends an empty delimiter frame first, sends a request
as a tnetstring and reads one tnetstring back.

Usage: control_client.py ENDPOINT req|dealer TIMEOUT_MS REQUEST...
A REQUEST is JSON, such as `["status", {"what": "net"}]`, sent as a tnetstring; `hex:BYTES`, sent as those
bytes; or `file:PATH`, sent as the file's bytes. Each is sent in turn on a socket of its own, and one JSON line is printed for it:
`{"raw": HEX, "value": REPLY}` with the reply's bytes and the reply decoded (strings as text), or
`{"timeout": true}` when no reply came within TIMEOUT_MS.
"""
import json
import os
import sys

import zmq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xreply_handler import tns  # noqa: E402


def parse(data):
    """The first tnetstring in `data`, and what follows it."""
    length, rest = data.split(b":", 1)
    payload, tag, rest = rest[:int(length)], rest[int(length):int(length) + 1], rest[int(length) + 1:]
    if tag == b",":
        return payload.decode(), rest
    if tag == b"#":
        return int(payload), rest
    if tag == b"!":
        return payload == b"true", rest
    if tag == b"~":
        return None, rest
    items = []
    while payload:
        item, payload = parse(payload)
        items.append(item)
    if tag == b"]":
        return items, rest
    assert tag == b"}", "unknown tag %r" % tag
    return dict(zip(items[0::2], items[1::2])), rest


def ask(context, endpoint, mode, timeout_ms, request):
    socket = context.socket(zmq.REQ if mode == "req" else zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(endpoint)
    try:
        socket.send(request) if mode == "req" else socket.send_multipart([b"", request])
        if not socket.poll(timeout_ms):
            return {"timeout": True}
        frames = socket.recv_multipart()
        if mode == "dealer":
            assert frames[0] == b"", "a REP socket's reply to a DEALER starts with the empty delimiter"
            frames = frames[1:]
        assert len(frames) == 1, "a reply is one frame"
        value, rest = parse(frames[0])
        assert rest == b"", "a reply is one tnetstring"
        return {"raw": frames[0].hex(), "value": value}
    finally:
        socket.close()


def main():
    endpoint, mode, timeout_ms = sys.argv[1], sys.argv[2], int(sys.argv[3])
    context = zmq.Context()
    for request in sys.argv[4:]:
        if request.startswith("hex:"):
            data = bytes.fromhex(request[4:])
        elif request.startswith("file:"):
            with open(request[5:], "rb") as file:
                data = file.read()
        else:
            data = tns(json.loads(request))
        print(json.dumps(ask(context, endpoint, mode, timeout_ms, data)), flush=True)
    context.term()


if __name__ == "__main__":
    main()
