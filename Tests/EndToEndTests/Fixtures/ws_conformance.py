#!/usr/bin/env python3
"""A frame-level conformance matrix, modelled on the sections of the Autobahn Testsuite, run with raw sockets
against the gateway and an echo handler (ws_handler.py): `ws_conformance.py HOST PORT PATH`.

Every case sends exact bytes and has one expected outcome: an echo (the frames the client should get back),
or a close frame with a given code followed by the end of the connection. It prints one line per case and
exits 1 if any case did not get its expected outcome.
"""
import os
import socket
import struct
import sys

HOST, PORT, PATH = sys.argv[1], int(sys.argv[2]), sys.argv[3]
TEXT, BINARY, CLOSE, PING, PONG = 1, 2, 8, 9, 10


def client_frame(opcode, payload=b"", fin=True, rsv=0, masked=True, length=None):
    """A client frame, masked unless `masked` is False; `length` overrides the declared payload length."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    declared = len(payload) if length is None else length
    mask_bit = 0x80 if masked else 0
    if declared < 126:
        head = bytes([first, mask_bit | declared])
    elif declared < 65536:
        head = bytes([first, mask_bit | 126]) + struct.pack(">H", declared)
    else:
        head = bytes([first, mask_bit | 127]) + struct.pack(">Q", declared)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(byte ^ key[i % 4] for i, byte in enumerate(payload))


def server_frame(opcode, payload):
    length = len(payload)
    if length < 126:
        return bytes([0x80 | opcode, length]) + payload
    if length < 65536:
        return bytes([0x80 | opcode, 126]) + struct.pack(">H", length) + payload
    return bytes([0x80 | opcode, 127]) + struct.pack(">Q", length) + payload


def open_websocket():
    connection = socket.create_connection((HOST, PORT), timeout=10)
    connection.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" % PATH).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(1)
        if not chunk:
            raise RuntimeError("connection closed during the handshake")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101 "):
        raise RuntimeError("handshake answered %r" % head[:40])
    return connection


def read_exactly(connection, count):
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(connection):
    """The next server frame as (opcode, payload), or None at the end of the connection."""
    head = read_exactly(connection, 2)
    if head is None:
        return None
    length = head[1] & 0x7F
    if length == 126:
        length = struct.unpack(">H", read_exactly(connection, 2))[0]
    elif length == 127:
        length = struct.unpack(">Q", read_exactly(connection, 8))[0]
    return head[0] & 0x0F, read_exactly(connection, length)


def ends(connection):
    """Whether the server closes the TCP connection with nothing more to read. A reset counts: closing with the
    client's unread frames still arriving makes the kernel send one."""
    try:
        return connection.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def echoes(*expected):
    """The outcome: these (opcode, payload) frames come back, in order."""
    def check(connection):
        for opcode, payload in expected:
            got = read_frame(connection)
            if got != (opcode, payload):
                return "expected %r, got %r" % ((opcode, payload[:20]), got and (got[0], got[1][:20]))
        return None
    return check


def closes_with(code, unless_first=None):
    """The outcome: a close frame with `code`, then the end of the connection; `unless_first` is a frame that may
    come before it (an echo racing the gateway's close)."""
    def check(connection):
        got = read_frame(connection)
        if unless_first is not None and got == unless_first:
            got = read_frame(connection)
        if got is None or got[0] != CLOSE or len(got[1]) < 2:
            return "expected close %d, got %r" % (code, got)
        if struct.unpack(">H", got[1][:2])[0] != code:
            return "expected close %d, got close %d" % (code, struct.unpack(">H", got[1][:2])[0])
        if not ends(connection):
            return "the connection stayed open after the close frame"
        return None
    return check


def ping_then_text(payload):
    return client_frame(PING, b"p") + client_frame(TEXT, payload)


CASES = [
    # 1 Framing
    ("1.1.1 empty text", client_frame(TEXT, b""), echoes((TEXT, b""))),
    ("1.1.2 text 125", client_frame(TEXT, b"a" * 125), echoes((TEXT, b"a" * 125))),
    ("1.1.3 text 126", client_frame(TEXT, b"a" * 126), echoes((TEXT, b"a" * 126))),
    ("1.1.4 text 65535", client_frame(TEXT, b"a" * 65535), echoes((TEXT, b"a" * 65535))),
    ("1.1.5 text 65536", client_frame(TEXT, b"a" * 65536), echoes((TEXT, b"a" * 65536))),
    ("1.2.1 binary 256", client_frame(BINARY, bytes(range(256))), echoes((BINARY, bytes(range(256))))),
    ("1.3.1 unmasked frame", client_frame(TEXT, b"x", masked=False), closes_with(1002)),
    ("1.3.2 64-bit length with the top bit set", client_frame(BINARY, b"", length=1 << 63), closes_with(1002)),
    # 2 Pings and pongs
    ("2.1 ping, no payload", client_frame(PING), echoes((PONG, b""))),
    ("2.2 ping, 125 bytes", client_frame(PING, b"p" * 125), echoes((PONG, b"p" * 125))),
    ("2.3 ping, 126 bytes", client_frame(PING, b"p" * 126), closes_with(1002)),
    ("2.4 fragmented ping", client_frame(PING, b"p", fin=False), closes_with(1002)),
    ("2.5 unsolicited pong, then text", client_frame(PONG, b"u") + client_frame(TEXT, b"t"), echoes((TEXT, b"t"))),
    # 3 Reserved bits
    ("3.1 RSV1 on text", client_frame(TEXT, b"x", rsv=4), closes_with(1002)),
    ("3.2 RSV2 on binary", client_frame(BINARY, b"x", rsv=2), closes_with(1002)),
    ("3.3 RSV3 on ping", client_frame(PING, b"x", rsv=1), closes_with(1002)),
    # 4 Opcodes
    ("4.1 reserved data opcode 3", client_frame(3, b"x"), closes_with(1002)),
    ("4.2 reserved control opcode 11", client_frame(11, b"x"), closes_with(1002)),
    ("4.3 reserved opcode 15 after text", client_frame(TEXT, b"ok") + client_frame(15),
     closes_with(1002, unless_first=(TEXT, b"ok"))),
    # 5 Fragmentation
    ("5.1 two fragments", client_frame(TEXT, b"frag", fin=False) + client_frame(0, b"ment"), echoes((TEXT, b"fragment"))),
    ("5.2 ping between fragments",
     client_frame(TEXT, b"par", fin=False) + client_frame(PING, b"in") + client_frame(0, b"t"),
     echoes((PONG, b"in"), (TEXT, b"part"))),
    ("5.3 continuation without a start", client_frame(0, b"x"), closes_with(1002)),
    ("5.4 text inside a fragmented message",
     client_frame(TEXT, b"a", fin=False) + client_frame(TEXT, b"b"), closes_with(1002)),
    ("5.5 many small fragments",
     b"".join(client_frame(TEXT if i == 0 else 0, b"x", fin=(i == 99)) for i in range(100)), echoes((TEXT, b"x" * 100))),
    # 6 UTF-8
    ("6.1 valid UTF-8", client_frame(TEXT, "κόσμε ☃ 🐕".encode()), echoes((TEXT, "κόσμε ☃ 🐕".encode()))),
    ("6.2 a character split between fragments",
     client_frame(TEXT, "☃".encode()[:1], fin=False) + client_frame(0, "☃".encode()[1:]), echoes((TEXT, "☃".encode()))),
    ("6.3 invalid byte", client_frame(TEXT, b"\xff"), closes_with(1007)),
    ("6.4 overlong encoding", client_frame(TEXT, b"\xc0\xaf"), closes_with(1007)),
    ("6.5 surrogate", client_frame(TEXT, b"\xed\xa0\x80"), closes_with(1007)),
    ("6.6 binary is not checked", client_frame(BINARY, b"\xff"), echoes((BINARY, b"\xff"))),
    # 7 Close
    ("7.1 close 1000 is echoed by the handler", client_frame(CLOSE, struct.pack(">H", 1000) + b"bye"),
     echoes((CLOSE, struct.pack(">H", 1000) + b"bye"))),
    ("7.2 close with no code", client_frame(CLOSE), echoes((CLOSE, b""))),
    ("7.3 close with a one-byte payload", client_frame(CLOSE, b"\x03"), closes_with(1002)),
    ("7.4 close code 4999 (private use)", client_frame(CLOSE, struct.pack(">H", 4999)),
     echoes((CLOSE, struct.pack(">H", 4999)))),
    ("7.5 close code 1005 (never sent)", client_frame(CLOSE, struct.pack(">H", 1005)), closes_with(1002)),
    ("7.6 close code 999", client_frame(CLOSE, struct.pack(">H", 999)), closes_with(1002)),
    ("7.7 close code 2000 (reserved)", client_frame(CLOSE, struct.pack(">H", 2000)), closes_with(1002)),
    ("7.8 close reason not UTF-8", client_frame(CLOSE, struct.pack(">H", 1000) + b"\xff"), closes_with(1007)),
    # 9 Limits
    ("9.1 message over max_websocket_message_bytes", client_frame(BINARY, b"", length=70000), closes_with(1009)),
    ("9.2 fragments together over the limit",
     client_frame(BINARY, b"a" * 40000, fin=False) + client_frame(0, b"b" * 40000), closes_with(1009)),
]


def main():
    failures = 0
    for name, frames, check in CASES:
        try:
            connection = open_websocket()
            connection.sendall(frames)
            problem = check(connection)
            connection.close()
        except Exception as error:  # a case that errors is a case that failed
            problem = "error: %r" % error
        print("%-50s %s" % (name, "ok" if problem is None else "FAIL " + problem), flush=True)
        failures += problem is not None
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
