#!/usr/bin/env python3
"""A handler for Mongrel2's streamed uploads (`upload.stream`, `src/upload.c`), written with nothing but pyzmq
from Mongrel2's protocol: no Lurcher code. It runs in push mode (PULL/PUB, as Mongrel2 handlers do) or, when
LURCHER_MODE is `broker`, on a DEALER as docs/PROTOCOL.md describes.

The first message of an upload has the request's headers and `UPLOAD_STREAM: "0"`; each later one has only
`{"UPLOAD_STREAM": offset}` (and `"UPLOAD_STREAM_DONE": "1"` on the last) and the next piece. The handler grants
credits with `["ctl", {"credits": N}]`: `window` bytes (query `window=N`, default 65536) after the first
message, then as many as each piece carried, so that at most `window` bytes are ever on their way. With
`never=1` it grants nothing. With `hostile=1` each grant comes after grants the gateway must refuse
(negative, huge, not an integer, past 64 bits) and one for the gone id 900007, which earns a disconnect notice.

It checks every piece: its offset must be the bytes received so far, and its bytes must be the test pattern (the
bytes 0 to 250 over and over) at that offset. On the last message it answers 200 with a JSON report: `bytes`,
`crc32` and `expected_crc32` (of the pattern), `errors`, the first message's `headers`, and `messages`, one
`[headers, body length]` per message, for comparing gateways.

`.../disconnects` answers with the connection ids of the disconnect notices received, as JSON, and
`.../started` with those of the uploads begun. `.../grant` (no upload) is sent 1000000 credits before its
answer: credits for a connection that streams nothing, which a later upload on it must not inherit. Any other
request without `UPLOAD_STREAM` is answered `{}`.
"""
import json
import os
import zlib

import zmq

from mongrel2_handler import connect, http_response, parse_request
from xreply_handler import ctl, overflowing_credits, query, tns

BLOCK = bytes(range(251))


def pattern(offset, length):
    """The test pattern's bytes at `offset`."""
    start = offset % len(BLOCK)
    repeats = (start + length) // len(BLOCK) + 1
    return (BLOCK * repeats)[start:start + length]


def frame_reply(sender, conn_id, body, extended=False):
    ids = (b"X " if extended else b"") + conn_id
    return sender + b" " + str(len(ids)).encode() + b":" + ids + b", " + body


class Transport:
    """Push mode's PULL and PUB, or broker mode's one DEALER, behind receive and send."""

    def __init__(self):
        self.broker = os.environ.get("LURCHER_MODE") == "broker"
        if self.broker:
            self.socket = zmq.Context().socket(zmq.DEALER)
            self.socket.setsockopt(zmq.LINGER, 2000)
            self.socket.connect(os.environ["LURCHER_SEND_SPEC"])
            self.socket.send_multipart([b"READY", b"4", str(os.getpid()).encode()])
        else:
            self.requests, self.replies = connect()

    def receive(self):
        """The next request or event message and its broker request id (None in push mode)."""
        if not self.broker:
            return self.requests.recv(), None
        while True:
            # Heartbeats keep the gateway from giving this process up while it waits.
            if not self.socket.poll(300):
                self.socket.send_multipart([b"HEARTBEAT"])
                continue
            frames = self.socket.recv_multipart()
            if frames[0] == b"REQUEST":
                return frames[2], frames[1]
            if frames[0] == b"EVENT":
                return frames[1], None

    def send(self, reply, finishing=None):
        if self.broker:
            self.socket.send_multipart([b"REPLY", reply] + ([finishing] if finishing else []))
        else:
            self.replies.send(reply)


def main():
    transport = Transport()
    uploads = {}
    disconnected = []
    started = []
    while True:
        message, request_id = transport.receive()
        sender, conn_id, path, headers, _, body = parse_request(message)
        if path == "@*":
            if json.loads(body).get("type") == "disconnect":
                disconnected.append(conn_id.decode())
            continue
        if "UPLOAD_STREAM" not in headers:
            if path.endswith("/grant"):
                transport.send(frame_reply(sender, conn_id, ctl(credits=1000000), extended=True))
            lists = {"disconnects": disconnected, "started": started}
            answer = json.dumps(lists[path.rsplit("/", 1)[1]]).encode() if path.rsplit("/", 1)[1] in lists else b"{}"
            transport.send(frame_reply(sender, conn_id, http_response(answer)), request_id)
            continue
        if "METHOD" in headers:
            started.append(conn_id.decode())
            upload = uploads[conn_id] = {
                "q": query(headers), "request": request_id, "bytes": 0, "crc32": 0, "errors": [],
                "headers": headers, "messages": []}
        elif conn_id in uploads:
            upload = uploads[conn_id]
        else:
            continue
        offset = int(headers["UPLOAD_STREAM"])
        upload["messages"].append([headers if "METHOD" not in headers else {"UPLOAD_STREAM": headers["UPLOAD_STREAM"]}, len(body)])
        if offset != upload["bytes"]:
            upload["errors"].append("piece at offset %d after %d bytes" % (offset, upload["bytes"]))
        if body != pattern(offset, len(body)):
            upload["errors"].append("wrong bytes at offset %d" % offset)
        upload["bytes"] += len(body)
        upload["crc32"] = zlib.crc32(body, upload["crc32"])
        if headers.get("UPLOAD_STREAM_DONE") == "1":
            del uploads[conn_id]
            report = {
                "bytes": upload["bytes"], "crc32": upload["crc32"],
                "expected_crc32": zlib.crc32(pattern(0, upload["bytes"])), "errors": upload["errors"],
                "headers": upload["headers"], "messages": upload["messages"]}
            transport.send(frame_reply(sender, conn_id, http_response(json.dumps(report).encode())), upload["request"])
            continue
        if upload["q"].get("never") == "1":
            continue
        grant = int(upload["q"].get("window", "65536")) if "METHOD" in headers else len(body)
        if upload["q"].get("hostile") == "1":
            for refused in [ctl(credits=-grant), ctl(credits=1 << 40), tns(["ctl", {"credits": "lots"}]), overflowing_credits()]:
                transport.send(frame_reply(sender, conn_id, refused, extended=True))
            transport.send(frame_reply(sender, b"900007", ctl(credits=grant), extended=True))
        if grant > 0:
            transport.send(frame_reply(sender, conn_id, ctl(credits=grant), extended=True))


if __name__ == "__main__":
    main()
