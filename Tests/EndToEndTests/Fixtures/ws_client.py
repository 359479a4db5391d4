#!/usr/bin/env python3
"""WebSocket cases run with the `websockets` client library against a gateway with an echo handler
(ws_handler.py, or the Swift echo handler): `ws_client.py ws://HOST:PORT/ROUTE CASE`.

Each case checks what it gets and exits 1 with the reason on stderr when something is wrong, 0 when all is as
expected. `http` cases read the handler's disconnect list over plain HTTP from the same route.
"""
import asyncio
import json
import os
import sys
import threading
import time
import urllib.request

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
import websockets.asyncio.client

BASE = sys.argv[1]


def fail(reason):
    print(reason, file=sys.stderr)
    sys.exit(1)


def expect(condition, reason):
    if not condition:
        fail(reason)


def open_socket(path="", **options):
    return connect(BASE + path, compression=None, max_size=None, open_timeout=10, **options)


def echo(socket, message):
    socket.send(message)
    answer = socket.recv(timeout=10)
    expect(answer == message, "sent %r..., got %r..." % (message[:40], answer[:40]))


def disconnects():
    url = BASE.replace("ws://", "http://") + "/disconnects"
    return json.loads(urllib.request.urlopen(url, timeout=10).read())


def headers_of(socket):
    socket.send("headers")
    return json.loads(socket.recv(timeout=10))


def eventually(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def case_text():
    with open_socket() as socket:
        echo(socket, "hello")
        echo(socket, "héllo ☃ 🐕")


def case_binary():
    with open_socket() as socket:
        echo(socket, bytes(range(256)))


def case_sizes():
    with open_socket() as socket:
        for size in (0, 125, 126, 65535, 65536, 1 << 20):
            echo(socket, bytes(i % 251 for i in range(size)))
            echo(socket, "x" * size)


def case_fragmented():
    with open_socket() as socket:
        socket.send(["frag", "ment", "ed ☃"])
        expect(socket.recv(timeout=10) == "fragmented ☃", "a fragmented text message came back other than whole")
        socket.send([b"\x00\x01", b"\x02"])
        expect(socket.recv(timeout=10) == b"\x00\x01\x02", "a fragmented binary message came back other than whole")


def case_ping():
    with open_socket() as socket:
        pong = socket.ping(b"are you there")
        expect(pong.wait(10), "no pong for a ping")
        echo(socket, "after ping")


def case_close():
    with open_socket() as socket:
        conn_id = headers_of(socket)["conn_id"]
        socket.close(1000, "done")
        expect(socket.close_code == 1000, "the close handshake ended with %r" % socket.close_code)
    # The handler closed the connection itself (echoed close, then the empty reply): no notice for it.
    time.sleep(0.5)
    expect(conn_id not in disconnects(), "the handler was told of a close it asked for")


def case_close_handshake():
    with open_socket() as socket:
        echo(socket, "last words")
        socket.close(1000, "done")
        expect(socket.close_code == 1000, "the close handshake ended with %r" % socket.close_code)


def case_headers():
    # A client's headers that would pass for the gateway's own keys are dropped, so it cannot forge them.
    forged = {"FLAGS": "0x82", "METHOD": "GET", "X-Mongrel2-Upload-Done": "/etc/passwd"}
    with open_socket("/chat-room?x=1", subprotocols=["other", "chat"], additional_headers=forged) as socket:
        expect(socket.subprotocol == "chat", "the handler's subprotocol choice did not reach the client")
        headers = headers_of(socket)
        for key, value in (("METHOD", "WEBSOCKET"), ("FLAGS", "0x81"), ("upgrade", "websocket"),
                           ("QUERY", "x=1"), ("URL_SCHEME", "http"), ("sec-websocket-version", "13")):
            expect(headers.get(key) == value, "header %s is %r, not %r" % (key, headers.get(key), value))
        expect(headers.get("PATH", "").endswith("/chat-room"), "PATH is %r" % headers.get("PATH"))
        expect("sec-websocket-key" in headers, "the handshake's headers are not repeated")
        expect("x-mongrel2-upload-done" not in headers, "a client forged an upload header")


def case_refused():
    try:
        with open_socket("/refuse"):
            fail("a handshake the handler refused opened")
    except InvalidStatus as error:
        expect(error.response.status_code == 403, "refused with %d, not the handler's 403" % error.response.status_code)


def case_greeting():
    with open_socket("/greet") as socket:
        expect(socket.recv(timeout=10) == "welcome", "a frame sent with the 101 was lost")
        echo(socket, "then")


def case_handler_closes():
    socket = open_socket()
    conn_id = headers_of(socket)["conn_id"]
    socket.send("bye")
    try:
        socket.recv(timeout=10)
        fail("the connection stayed open after the handler's empty reply")
    except ConnectionClosed:
        pass
    time.sleep(0.5)
    expect(conn_id not in disconnects(), "the handler was told of a close it asked for")


def case_client_leaves():
    socket = open_socket()
    conn_id = headers_of(socket)["conn_id"]
    socket.socket.close()  # no close handshake: the client just goes
    expect(eventually(lambda: conn_id in disconnects()), "the handler was not told the client left")


def case_chat():
    """Two clients of a chat handler: what one says, both hear."""
    with open_socket() as first, open_socket() as second:
        time.sleep(0.2)  # both sessions are open at the handler before anyone speaks
        first.send("woof")
        for socket in (first, second):
            heard = socket.recv(timeout=10)
            expect("woof" in heard, "a chat client heard %r, not the message" % heard)
        second.send("wag ☃")
        for socket in (first, second):
            heard = socket.recv(timeout=10)
            expect("wag ☃" in heard, "a chat client heard %r, not the message" % heard)


def case_closed_with():
    """Opens a WebSocket to an echo or chat handler, prints `open`, then expects the gateway or handler to close it
    with the code given as the third argument (the test restarts or kills the handler meanwhile); then reconnects,
    unless a fourth argument says `alone` (the gateway itself is going)."""
    expected = int(sys.argv[3])
    socket = open_socket()
    socket.send("before")
    expect("before" in socket.recv(timeout=10), "the chat handler did not answer")
    print("open", flush=True)
    try:
        while True:
            socket.recv(timeout=60)
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd else None
        expect(code == expected, "closed with %r, not %d" % (code, expected))
    if sys.argv[4:] == ["alone"]:
        return
    with open_socket() as again:
        again.send("after")
        expect("after" in again.recv(timeout=20), "no handler answered after the close")


def case_idle():
    """With nothing sent either way, the gateway closes the WebSocket with 1001 after timeouts.websocket_idle."""
    with open_socket() as socket:
        started = time.monotonic()
        try:
            socket.recv(timeout=30)
            fail("an idle WebSocket got a message")
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            expect(code == 1001, "an idle WebSocket was closed with %r, not 1001" % code)
        expect(time.monotonic() - started < 20, "the idle timeout did not close the WebSocket")


def case_flood():
    """Prints `open`, then sends 256 KiB binary messages as fast as the connection takes them for 5 s (the test
    has stopped the handler), and prints how many bytes it got out."""
    socket = open_socket()
    echo(socket, b"warm")
    print("open", flush=True)
    sent = [0]

    def flood():
        message = bytes(256 * 1024)
        while True:
            socket.send(message)
            sent[0] += len(message)

    threading.Thread(target=flood, daemon=True).start()
    time.sleep(5)
    print("sent %d" % sent[0], flush=True)
    os._exit(0)


def case_concurrent():
    async def client(number):
        async with websockets.asyncio.client.connect(BASE, compression=None, open_timeout=20) as socket:
            for round_ in range(10):
                message = "client %d round %d" % (number, round_)
                await socket.send(message)
                answer = await asyncio.wait_for(socket.recv(), 20)
                expect(answer == message, "client %d got %r for %r" % (number, answer, message))

    async def run():
        await asyncio.gather(*(client(number) for number in range(100)))

    asyncio.run(run())


if __name__ == "__main__":
    globals()["case_" + sys.argv[2]]()
