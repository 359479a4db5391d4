#!/usr/bin/env python3
"""Opens N keep-alive HTTP connections to one server on loopback, sends one request on each, reads each
answer, then keeps every connection open and idle until told to stop (SIGTERM, SIGINT, or --hold
seconds, whichever comes first). bench/run reads the server's VmRSS while the connections are held.
With --websocket the request is a WebSocket handshake and the answer must be its 101 (bench/ws): the
connections held are open WebSockets, with no frame sent on them.

It prints, flushed, one line per phase:
  READY opened=N answered=N failed=N limit=REASON
  DONE still_open=N
"""
import argparse
import errno
import resource
import selectors
import signal
import socket
import sys
import time


def raise_fd_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def response_complete(data):
    """True once `data` holds a whole HTTP response with a Content-Length (or an empty body)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    length = 0
    for line in data[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return len(data) >= end + 4 + length


def answer_batch(batch, timeout, status):
    """Reads until every socket in `batch` has its whole answer. Returns the sockets whose answer starts
    with `status`."""
    selector = selectors.DefaultSelector()
    buffers = {}
    for sock in batch:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        buffers[sock] = b""
    answered = []
    deadline = time.monotonic() + timeout
    while buffers and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
            sock = key.fileobj
            try:
                chunk = sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                selector.unregister(sock)
                del buffers[sock]
                continue
            buffers[sock] += chunk
            if response_complete(buffers[sock]):
                ok = buffers[sock].startswith(status)
                selector.unregister(sock)
                del buffers[sock]
                if ok:
                    answered.append(sock)
    for sock in list(buffers):
        selector.unregister(sock)
    selector.close()
    return answered


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/hello")
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--hold", type=float, default=120, help="longest time to hold the connections (s)")
    parser.add_argument("--websocket", action="store_true", help="open WebSockets: a handshake, answered 101")
    args = parser.parse_args()

    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.host.startswith("127."):
        sys.exit("idle_conns.py only connects to loopback")

    stop = {"now": False}

    def on_signal(signum, frame):
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    limit = raise_fd_limit(args.count + 64)
    count = min(args.count, limit - 64)
    reason = "requested" if count == args.count else f"fd-limit-{limit}"
    if args.websocket:
        # One key for all: the gateway checks its form, not that it is fresh.
        request = (f"GET {args.path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
        status = b"HTTP/1.1 101"
    else:
        request = (f"GET {args.path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n").encode()
        status = b"HTTP/1.1 2"

    held = []
    failed = 0
    started = time.monotonic()
    while len(held) < count and not stop["now"]:
        batch = []
        for _ in range(min(args.batch, count - len(held))):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.settimeout(5)
            try:
                sock.connect((args.host, args.port))
                sock.sendall(request)
            except OSError as error:
                sock.close()
                failed += 1
                if error.errno in (errno.EMFILE, errno.ENFILE, errno.EADDRNOTAVAIL):
                    reason = f"client-{errno.errorcode.get(error.errno, error.errno)}"
                    count = len(held) + len(batch)
                    break
                continue
            batch.append(sock)
        answered = answer_batch(batch, timeout=15, status=status)
        failed += len(batch) - len(answered)
        for sock in batch:
            if sock not in answered:
                sock.close()
        held.extend(answered)
        if failed > max(100, count // 20):
            reason = f"too-many-failures-at-{len(held)}"
            break
        if time.monotonic() - started > 120:
            reason = f"open-phase-timeout-at-{len(held)}"
            break

    print(f"READY opened={len(held)} answered={len(held)} failed={failed} limit={reason}", flush=True)

    deadline = time.monotonic() + args.hold
    while not stop["now"] and time.monotonic() < deadline:
        time.sleep(0.1)

    # Count connections the server has not closed: readable with EOF (or reset) means closed.
    selector = selectors.DefaultSelector()
    for sock in held:
        selector.register(sock, selectors.EVENT_READ)
    closed = set()
    for key, _ in selector.select(timeout=0):
        try:
            if key.fileobj.recv(1, socket.MSG_PEEK) == b"":
                closed.add(key.fileobj)
        except OSError:
            closed.add(key.fileobj)
    selector.close()
    print(f"DONE still_open={len(held) - len(closed)}", flush=True)
    for sock in held:
        sock.close()


if __name__ == "__main__":
    main()
