#!/usr/bin/env python3
"""A broker-mode handler written with nothing but pyzmq, from docs/PROTOCOL.md alone: no Lurcher code.

It connects a DEALER to the gateway's send_spec, says READY with a concurrency of 1, heartbeats, answers
each request with a JSON description of it (method, path, body, its pid), and on SIGTERM says LEAVING and
exits once the gateway has answered LEFT. `.../sleep?ms=N` waits N milliseconds before answering;
`.../never` is never answered; `.../disconnected-at` answers with the connection ids of the disconnect
notices it was sent, each with when it arrived (seconds since the epoch), as a JSON object.

Extended replies, inside REPLY as in push mode: `.../stream?for=S&every=E` sends a chunked head and `start`, a
`ctl keep-alive` every E seconds (heartbeating meanwhile) for S, then `end`; `keepalive=0` leaves the
keep-alives out. `.../cancel` sends `ctl cancel` as the request's last message, and `.../cancelled` lists the
ids cancelled so; `.../probe?id=N` sends `ctl keep-alive` to N (gone, so a disconnect notice comes back).

Settings come from LURCHER_SEND_SPEC, LURCHER_HEARTBEAT_INTERVAL and LURCHER_HEARTBEAT_LIVENESS.
"""
import json
import os
import signal
import time

import zmq

from mongrel2_handler import http_response, parse_request
from xreply_handler import CHUNKED_HEAD, ctl, query


def framed(sender, ids, body, extended=False):
    """A Mongrel2 reply, plain or extended (`X ` before the ids), for a REPLY frame."""
    ids = (b"X " if extended else b"") + ids
    return sender + b" " + str(len(ids)).encode() + b":" + ids + b", " + body


def main():
    send_spec = os.environ["LURCHER_SEND_SPEC"]
    interval = float(os.environ.get("LURCHER_HEARTBEAT_INTERVAL", "1"))
    liveness = int(os.environ.get("LURCHER_HEARTBEAT_LIVENESS", "3"))
    context = zmq.Context()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    def connect():
        socket = context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 2000)
        socket.connect(send_spec)
        socket.send_multipart([b"READY", b"1", str(os.getpid()).encode()])
        return socket

    socket = connect()
    last_heard = time.monotonic()
    next_heartbeat = time.monotonic() + interval
    leaving = False
    disconnected_at = {}
    cancelled = []
    while True:
        if stopping and not leaving:
            leaving = True
            socket.send_multipart([b"LEAVING"])
        if socket.poll(int(interval * 1000) // 2 or 1):
            frames = socket.recv_multipart()
            last_heard = time.monotonic()
            command = frames[0]
            if command == b"REQUEST":
                request_id, payload = frames[1], frames[2]
                sender, conn_id, path, headers, _, body = parse_request(payload)
                if path.endswith("/never"):
                    continue
                q = query(headers)
                if path.endswith("/stream"):
                    socket.send_multipart([b"REPLY", framed(sender, conn_id, CHUNKED_HEAD + b"5\r\nstart\r\n")])
                    until, every = time.time() + float(q.get("for", "2")), float(q.get("every", "0.3"))
                    while time.time() + every < until:
                        time.sleep(every)
                        socket.send_multipart([b"HEARTBEAT"])
                        if q.get("keepalive", "1") == "1":
                            socket.send_multipart([b"REPLY", framed(sender, conn_id, ctl(keep_alive=True), extended=True)])
                    time.sleep(max(0, until - time.time()))
                    socket.send_multipart([b"REPLY", framed(sender, conn_id, b"3\r\nend\r\n0\r\n\r\n"), request_id])
                    continue
                if path.endswith("/cancel"):
                    cancelled.append(conn_id.decode())
                    socket.send_multipart([b"REPLY", framed(sender, conn_id, ctl(cancel=True), extended=True), request_id])
                    continue
                if path.endswith("/probe"):
                    socket.send_multipart([b"REPLY", framed(sender, q["id"].encode(), ctl(keep_alive=True), extended=True)])
                if "sleep" in path:
                    time.sleep(int(headers.get("QUERY", "ms=0").split("=")[1]) / 1000)
                if path.endswith("/disconnected-at"):
                    answer = json.dumps(disconnected_at).encode()
                elif path.endswith("/cancelled"):
                    answer = json.dumps(cancelled).encode()
                else:
                    answer = json.dumps({
                        "pid": os.getpid(), "method": headers.get("METHOD"), "path": path,
                        "body": body.decode(errors="replace"), "language": "python",
                    }).encode()
                ids = conn_id
                reply = sender + b" " + str(len(ids)).encode() + b":" + ids + b", " + http_response(answer)
                # The request id as a third frame: this is its last message, and its place is free again.
                socket.send_multipart([b"REPLY", reply, request_id])
            elif command == b"EVENT":
                _, conn_id, path, _, _, body = parse_request(frames[1])
                if path == "@*" and json.loads(body).get("type") == "disconnect":
                    disconnected_at[conn_id.decode()] = time.time()
            elif command == b"LEFT":
                break
            elif command == b"DISCONNECT":
                socket.close(linger=0)
                socket = connect()
        now = time.monotonic()
        if now - last_heard > interval * liveness:
            if leaving:
                break
            socket.close(linger=0)
            socket = connect()
            last_heard = now
        if now >= next_heartbeat:
            socket.send_multipart([b"HEARTBEAT"])
            next_heartbeat = now + interval
    socket.close()
    context.term()


if __name__ == "__main__":
    main()
