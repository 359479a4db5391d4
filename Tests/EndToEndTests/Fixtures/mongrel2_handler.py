#!/usr/bin/env python3
"""A Mongrel2 handler written with nothing but pyzmq: no Lurcher code.

It parses requests the way Mongrel2's own Python library does (split on spaces, then tnetstrings, JSON or
tnetstring headers) and answers with a JSON description of what it received, so tests can check that a
handler written for Mongrel2 works unchanged behind Lurcher. A few paths exercise the rest of the protocol:

- `.../never`: never answered (for reply timeouts and disconnect notices).
- `.../created`: answers 201 Created with the 4-byte body `made` (for the access log and metrics).
- `.../gather?n=N`: held until N such requests arrived, then answered with ONE reply to all N connections.
- `.../disconnects`: the connection ids this handler was told had disconnected, as JSON; `.../disconnected-at`
  maps each to when the notice arrived (seconds since the epoch), so a test can time it without its own polls.
- `.../seen`: the path of every request this handler has received, as JSON.

A large body arrives as Mongrel2 sends it: a message with `x-mongrel2-upload-start` (not answered, as
Mongrel2 handlers do), then one with `x-mongrel2-upload-done` too, whose answer carries the temp file's
content as `body` and its path as `upload`.
- `.../close`: an empty reply, which asks the gateway to close the connection.
- `.../malformed`: a reply that breaks the wire protocol, then nothing.
- `.../not-http`: a reply whose body is not an HTTP response.
- `.../unknown`: also sends a reply to connection 999999, which does not exist, then answers normally.
- `.../chunked-answer`: a chunked answer, `hello world` in two chunks, with `Connection: keep-alive` and `Keep-Alive`.
- `.../until-close`: an answer with no length, its body in two replies, ended by an empty reply (a close).
- `.../slow`: answered after 2 seconds (the handler does nothing else meanwhile).
- `.../cut-short`: an answer that declares 100 bytes, sends 9, then closes.

Endpoints come from the command line (send_spec recv_spec) or, under `lurcher start`, from the
LURCHER_SEND_SPEC and LURCHER_RECV_SPEC environment variables.
"""
import json
import os
import signal
import sys
import time

import zmq


def parse_tnetstring(data):
    length, _, rest = data.partition(b":")
    length = int(length)
    payload, tag, rest = rest[:length], rest[length:length + 1], rest[length + 1:]
    if tag == b",":
        return payload, rest
    if tag == b"}":
        result = {}
        while payload:
            key, payload = parse_tnetstring(payload)
            value, payload = parse_tnetstring(payload)
            result[key.decode()] = value.decode() if isinstance(value, bytes) else value
        return result, rest
    if tag == b"]":
        items = []
        while payload:
            item, payload = parse_tnetstring(payload)
            items.append(item.decode() if isinstance(item, bytes) else item)
        return items, rest
    if tag == b"#":
        return int(payload), rest
    raise ValueError("unsupported tnetstring tag %r" % tag)


def parse_request(message):
    sender, conn_id, path, rest = message.split(b" ", 3)
    headers, rest = parse_tnetstring(rest)
    encoding = "tnetstring"
    if isinstance(headers, bytes):
        headers = json.loads(headers)
        encoding = "json"
    body, _ = parse_tnetstring(rest)
    return sender, conn_id, path.decode(), headers, encoding, body


def reply(socket, sender, conn_ids, body):
    ids = b" ".join(conn_ids)
    socket.send(sender + b" " + str(len(ids)).encode() + b":" + ids + b", " + body)


def http_response(body, status="200 OK", content_type="application/json"):
    head = "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (status, content_type, len(body))
    return head.encode() + body


def curve(socket):
    """Makes `socket` a CURVE client when LURCHER_CURVE_SERVER_KEY, _PUBLIC_KEY and _SECRET_KEY are set, as a
    gateway whose handler section has curve_secret_key requires."""
    if os.environ.get("LURCHER_CURVE_SERVER_KEY"):
        socket.curve_serverkey = os.environ["LURCHER_CURVE_SERVER_KEY"].encode()
        socket.curve_publickey = os.environ["LURCHER_CURVE_PUBLIC_KEY"].encode()
        socket.curve_secretkey = os.environ["LURCHER_CURVE_SECRET_KEY"].encode()


def connect():
    """The handler's two sockets, as Mongrel2 handlers make them: a PULL for requests and a PUB for replies, both
    connected to the endpoints on the command line (send_spec recv_spec) or, under `lurcher start`, in
    LURCHER_SEND_SPEC and LURCHER_RECV_SPEC. SIGTERM then exits."""
    if len(sys.argv) == 3:
        send_spec, recv_spec = sys.argv[1], sys.argv[2]
    else:
        send_spec, recv_spec = os.environ["LURCHER_SEND_SPEC"], os.environ["LURCHER_RECV_SPEC"]
    context = zmq.Context()
    requests = context.socket(zmq.PULL)
    replies = context.socket(zmq.PUB)
    curve(requests)
    curve(replies)
    requests.connect(send_spec)
    replies.connect(recv_spec)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return requests, replies


def main():
    requests, replies = connect()

    gathered = []
    disconnected = []
    disconnected_at = {}
    seen = []
    while True:
        sender, conn_id, path, headers, encoding, body = parse_request(requests.recv())
        if path == "@*":
            if json.loads(body).get("type") == "disconnect":
                disconnected.append(conn_id.decode())
                disconnected_at[conn_id.decode()] = time.time()
            continue
        if path.endswith("/seen"):
            reply(replies, sender, [conn_id], http_response(json.dumps(seen).encode()))
            continue
        seen.append(path)
        upload = None
        if "x-mongrel2-upload-start" in headers:
            if "x-mongrel2-upload-done" not in headers:
                continue
            upload = headers["x-mongrel2-upload-done"]
            with open(upload, "rb") as spooled:
                body = spooled.read()
        if path.endswith("/never"):
            continue
        if path.endswith("/created"):
            reply(replies, sender, [conn_id], http_response(b"made", status="201 Created", content_type="text/plain"))
            continue
        if path.endswith("/gather"):
            gathered.append(conn_id)
            wanted = int(dict(p.split("=") for p in headers.get("QUERY", "n=1").split("&"))["n"])
            if len(gathered) >= wanted:
                ids = json.dumps([i.decode() for i in gathered]).encode()
                reply(replies, sender, gathered, http_response(ids))
                gathered = []
            continue
        if path.endswith("/disconnects"):
            reply(replies, sender, [conn_id], http_response(json.dumps(disconnected).encode()))
            continue
        if path.endswith("/disconnected-at"):
            reply(replies, sender, [conn_id], http_response(json.dumps(disconnected_at).encode()))
            continue
        if path.endswith("/close"):
            reply(replies, sender, [conn_id], b"")
            continue
        if path.endswith("/malformed"):
            replies.send(sender + b" 99:" + conn_id + b", broken")
            continue
        if path.endswith("/not-http"):
            reply(replies, sender, [conn_id], b"this is not an HTTP response\r\n\r\n")
            continue
        if path.endswith("/chunked-answer"):
            reply(replies, sender, [conn_id],
                  b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                  b"Content-Type: text/plain\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
            continue
        if path.endswith("/until-close"):
            reply(replies, sender, [conn_id], b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one,")
            reply(replies, sender, [conn_id], b" part two")
            reply(replies, sender, [conn_id], b"")
            continue
        if path.endswith("/slow"):
            time.sleep(2)
            reply(replies, sender, [conn_id], http_response(b"late", content_type="text/plain"))
            continue
        if path.endswith("/cut-short"):
            reply(replies, sender, [conn_id], b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
            reply(replies, sender, [conn_id], b"")
            continue
        if path.endswith("/unknown"):
            reply(replies, sender, [b"999999"], http_response(b"{}"))
        answer = {
            "handler": "python",
            "pid": os.getpid(),
            "conn_id": conn_id.decode(),
            "path": path,
            "encoding": encoding,
            "headers": headers,
            "body": body.decode("utf-8", "replace"),
            "upload": upload,
        }
        reply(replies, sender, [conn_id], http_response(json.dumps(answer).encode()))


if __name__ == "__main__":
    main()
