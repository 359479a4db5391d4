#!/usr/bin/env python3
"""A push-mode handler that sends Mongrel2 extended (`X`) replies, written with nothing but pyzmq from Mongrel2
1.12's protocol (`src/handler.c`: `UUID LEN:X id id, BODY`, BODY one tnetstring list `[key, value]`).

Query `for=S` (seconds) and `every=E` (seconds) time the keep-alives; `keepalive=0` leaves them out.
- `.../stream`: a chunked response's head and a chunk `start` at once, `ctl keep-alive` every E, then after S
  the chunk `end` and the last chunk: the request stays at the handler, quiet, for S.
- `.../idle`: a whole answer at once, then `ctl keep-alive` every E for S: the connection sits between requests.
- `.../cancel`: `ctl cancel` and nothing else; `.../cancelled` lists the ids cancelled so, as JSON. `.../head-then-cancel`: a chunked head first.
- `.../unknown-key`: `["sendfile", "/etc/hostname"]`, a key with no plugin here; `.../ctl-not-a-dict`:
  `["ctl", ["cancel"]]`. Mongrel2 1.12 closes the connection for both.
- `.../hostile`: malformed X bodies, bad credits, good credits, and controls for the gone ids 900001-900006
  (cancel to 900002 only), then a normal answer.
- `.../probe?id=N`: `ctl keep-alive` to N, then an answer; a test waits for N's notice to know that every
  notice the gateway sent before it has arrived.
- `.../many?n=N`: `ctl keep-alive` in ONE extended reply to this connection and the N-1 gone ids 910001 onwards
  (Mongrel2 takes up to 128 ids in a reply, `limits.handler_targets`), then an answer.
- `.../disconnects`: the ids of the disconnect notices received, as JSON.
- A WebSocket handshake (`.../ws`) is accepted; keep-alives as above follow unless `keepalive=0`; text is
  echoed.

Endpoints come from LURCHER_SEND_SPEC and LURCHER_RECV_SPEC.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mongrel2_handler import connect, http_response, parse_request, reply  # noqa: E402
from ws_handler import TEXT, frame, handshake_response  # noqa: E402


def tns(value):
    """Encodes a tnetstring (str, int, bool, list, dict)."""
    if isinstance(value, bool):
        payload, tag = (b"true" if value else b"false"), b"!"
    elif isinstance(value, int):
        payload, tag = str(value).encode(), b"#"
    elif isinstance(value, str):
        payload, tag = value.encode(), b","
    elif isinstance(value, list):
        payload, tag = b"".join(tns(v) for v in value), b"]"
    elif isinstance(value, dict):
        payload, tag = b"".join(tns(k) + tns(v) for k, v in value.items()), b"}"
    else:
        raise TypeError(value)
    return str(len(payload)).encode() + b":" + payload + tag


def extended(socket, sender, conn_ids, body):
    """An extended reply: `X ` before the ids, BODY as given (so tests can send broken ones)."""
    ids = b"X " + b" ".join(conn_ids)
    socket.send(sender + b" " + str(len(ids)).encode() + b":" + ids + b", " + body)


def ctl(**args):
    return tns(["ctl", {k.replace("_", "-"): v for k, v in args.items()}])


def query(headers):
    pairs = [p.split("=", 1) for p in headers.get("QUERY", "").split("&") if "=" in p]
    return {k: v for k, v in pairs}


def overflowing_credits():
    """`["ctl", {"credits": 10**22}]`: an integer no 64-bit field holds."""
    pair = tns("credits") + b"22:" + b"9" * 22 + b"#"
    return tns_list(tns("ctl") + str(len(pair)).encode() + b":" + pair + b"}")


def tns_list(payload):
    return str(len(payload)).encode() + b":" + payload + b"]"


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"


def main():
    requests, replies = connect()
    disconnected = []
    cancelled = []
    scheduled = []  # (when, action)

    def keep_alive(sender, conn_id, q, then=None):
        """Schedules `ctl keep-alive` to `conn_id` every `every` s for `for` s, then `then`; a function, so that
        each schedule keeps its own sender and id."""
        if q.get("keepalive", "1") == "1":
            every, until = float(q.get("every", "0.3")), time.time() + float(q.get("for", "2"))
            when = time.time() + every
            while when < until:
                scheduled.append((when, lambda: extended(replies, sender, [conn_id], ctl(keep_alive=True))))
                when += every
        if then:
            scheduled.append((time.time() + float(q.get("for", "2")), then))

    while True:
        scheduled.sort(key=lambda item: item[0])
        while scheduled and scheduled[0][0] <= time.time():
            scheduled.pop(0)[1]()
        timeout = int(max(0, scheduled[0][0] - time.time()) * 1000) + 1 if scheduled else None
        if not requests.poll(timeout):
            continue
        sender, conn_id, path, headers, _, body = parse_request(requests.recv())
        method, q = headers.get("METHOD"), query(headers)
        if path == "@*":
            if json.loads(body).get("type") == "disconnect":
                disconnected.append(conn_id.decode())
        elif method == "WEBSOCKET_HANDSHAKE":
            reply(replies, sender, [conn_id], handshake_response(headers, body))
            keep_alive(sender, conn_id, q)
        elif method == "WEBSOCKET":
            if int(headers["FLAGS"], 16) & 0x0F == TEXT:
                reply(replies, sender, [conn_id], frame(TEXT, body))
        elif path.endswith("/stream"):
            reply(replies, sender, [conn_id], CHUNKED_HEAD + b"5\r\nstart\r\n")
            keep_alive(sender, conn_id, q, then=lambda s=sender, c=conn_id: reply(replies, s, [c], b"3\r\nend\r\n0\r\n\r\n"))
        elif path.endswith("/idle"):
            reply(replies, sender, [conn_id], http_response(b"{}"))
            keep_alive(sender, conn_id, q)
        elif path.endswith("/head-then-cancel"):
            reply(replies, sender, [conn_id], CHUNKED_HEAD + b"5\r\nstart\r\n")
            extended(replies, sender, [conn_id], ctl(cancel=True))
        elif path.endswith("/cancel"):
            cancelled.append(conn_id.decode())
            extended(replies, sender, [conn_id], ctl(cancel=True))
        elif path.endswith("/close"):
            # The plain way to close: an empty reply. Listed with the cancelled, as it earns no notice either.
            cancelled.append(conn_id.decode())
            reply(replies, sender, [conn_id], b"")
        elif path.endswith("/cancelled"):
            reply(replies, sender, [conn_id], http_response(json.dumps(cancelled).encode()))
        elif path.endswith("/unknown-key"):
            extended(replies, sender, [conn_id], tns(["sendfile", "/etc/hostname"]))
        elif path.endswith("/ctl-not-a-dict"):
            extended(replies, sender, [conn_id], tns(["ctl", ["cancel"]]))
        elif path.endswith("/hostile"):
            # To this open connection: none of these may close it.
            for broken in [b"", b"garbage", tns(["ctl"]), tns(["ctl", {"keep-alive": True}, "extra"]), tns([1, 2]),
                           tns(["ctl", {"cancel": True}]) + b"trailing",
                           tns(["ctl", {"credits": -5}]), tns(["ctl", {"credits": 1 << 40}]),
                           tns(["ctl", {"credits": "lots"}]), overflowing_credits(),
                           tns(["ctl", {"credits": 8058}])]:
                extended(replies, sender, [conn_id], broken)
            # To ids that are gone: all but the cancel get a disconnect notice back, as in Mongrel2.
            extended(replies, sender, [b"900002"], ctl(cancel=True))
            extended(replies, sender, [b"900001"], ctl(keep_alive=True))
            extended(replies, sender, [b"900003"], ctl(credits=-1))
            extended(replies, sender, [b"900004"], tns(["ctl", "not-a-dict"]))
            extended(replies, sender, [b"900005"], tns(["sendfile", "/etc/hostname"]))
            extended(replies, sender, [b"900006"], ctl(credits=100))
            extended(replies, sender, [], ctl(keep_alive=True))
            reply(replies, sender, [conn_id], http_response(b"{}"))
        elif path.endswith("/probe"):
            extended(replies, sender, [q["id"].encode()], ctl(keep_alive=True))
            reply(replies, sender, [conn_id], http_response(b"{}"))
        elif path.endswith("/many"):
            gone = [str(910001 + i).encode() for i in range(int(q["n"]) - 1)]
            extended(replies, sender, [conn_id] + gone, ctl(keep_alive=True))
            reply(replies, sender, [conn_id], http_response(b"{}"))
        elif path.endswith("/disconnects"):
            reply(replies, sender, [conn_id], http_response(json.dumps(disconnected).encode()))
        else:
            reply(replies, sender, [conn_id], http_response(b"{}"))


if __name__ == "__main__":
    main()
