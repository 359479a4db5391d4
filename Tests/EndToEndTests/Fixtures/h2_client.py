"""HTTP/2 clients for the end-to-end tests, well-behaved and hostile, over cleartext HTTP/2 (prior knowledge).

    h2_client.py many PORT PATH COUNT          COUNT concurrent GETs on one connection; prints each status and body
                                               length, one per line, in stream order
    h2_client.py streams PORT PATH COUNT       opens COUNT streams at once and waits for the answers; prints
                                               "answered N refused M", or "goaway CODE after ..." when the
                                               server ends the connection
    h2_client.py reset PORT PATH               a GET, reset once its HEADERS are sent; then a second GET on the
                                               same connection; prints the second's status
    h2_client.py through-stop PORT PATH        a GET, then waits for its answer through the server's GOAWAY; prints
                                               "goaway CODE status STATUS body BYTES"
    h2_client.py rapid-reset PORT PATH         opens and resets streams in a loop (CVE-2023-44487)
    h2_client.py continuation PORT             one header block in endless CONTINUATION frames (CVE-2024-27316)
    h2_client.py ping-flood PORT               PING frames, never reading the answers
    h2_client.py settings-flood PORT           SETTINGS frames, never reading the acknowledgements
    h2_client.py big-headers PORT PATH BYTES   a request whose header block is BYTES long
    h2_client.py idle PORT                     opens a connection and sends nothing more

The hostile ones print what the server did: "goaway CODE" (its error code), "closed" (the connection ended with
no GOAWAY) or "open" (neither, within the time allowed). Frames are built by hand where h2 would refuse to send
them; the h2 library's state machine serves the well-behaved clients.
"""

import socket
import struct
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, CONTINUATION = 1, 3, 4, 6, 7, 9
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return sock


def request_block(encoder, path, extra=()):
    return encoder.encode([(":method", "GET"), (":scheme", "http"), (":authority", "localhost"), (":path", path)]
                          + list(extra))


def read_frames(sock, seconds):
    """Yields the server's frames as (kind, flags, stream, payload) for at most `seconds`; ends early when the
    server closes, yielding ("closed", ...) then."""
    deadline = time.time() + seconds
    buffer = b""
    while time.time() < deadline:
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            yield "closed", 0, 0, b""
            return
        buffer += data
        while len(buffer) >= 9:
            length = struct.unpack(">I", b"\0" + buffer[:3])[0]
            if len(buffer) < 9 + length:
                break
            yield buffer[3], buffer[4], struct.unpack(">I", buffer[5:9])[0] & 0x7FFFFFFF, buffer[9:9 + length]
            buffer = buffer[9 + length:]


def watch(sock, seconds):
    """Reads frames until GOAWAY, a close, or `seconds`; returns what the server did."""
    for kind, _, _, payload in read_frames(sock, seconds):
        if kind == "closed":
            return "closed"
        if kind == GOAWAY:
            return "goaway %d" % struct.unpack(">I", payload[4:8])[0]
    return "open"


def await_settings(sock):
    """Reads frames until the server's SETTINGS (not an acknowledgement) has arrived."""
    for kind, flags, _, _ in read_frames(sock, 10):
        if kind == SETTINGS and not flags & ACK:
            return
    sys.exit("no SETTINGS from the server")


def send_all(sock, data):
    try:
        sock.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False


def flood(sock, make, count):
    """Sends `count` frames from `make(i)` in batches, stopping if the server closes."""
    batch = b""
    for i in range(count):
        batch += make(i)
        if len(batch) > 16384:
            if not send_all(sock, batch):
                return
            batch = b""
    send_all(sock, batch)


def h2_connection(port):
    sock = connect(port)
    connection = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    connection.initiate_connection()
    sock.sendall(connection.data_to_send())
    return sock, connection


def headers_for(path):
    return [(":method", "GET"), (":scheme", "http"), (":authority", "localhost"), (":path", path)]


def collect(sock, connection, streams, seconds=20):
    """Runs the connection until every stream in `streams` is answered or reset; returns {id: (status, body, reset)}."""
    results = {stream: [None, b"", None] for stream in streams}
    deadline = time.time() + seconds
    pending = set(streams)
    while pending and time.time() < deadline:
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        for event in connection.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                results[event.stream_id][0] = dict(event.headers).get(":status")
            elif isinstance(event, h2.events.DataReceived):
                results[event.stream_id][1] += event.data
                connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                pending.discard(event.stream_id)
            elif isinstance(event, h2.events.StreamReset):
                results[event.stream_id][2] = event.error_code
                pending.discard(event.stream_id)
        sock.sendall(connection.data_to_send())
    return results


def main():
    command, port = sys.argv[1], int(sys.argv[2])
    if command == "many":
        path, count = sys.argv[3], int(sys.argv[4])
        sock, connection = h2_connection(port)
        streams = []
        for _ in range(count):
            stream = connection.get_next_available_stream_id()
            connection.send_headers(stream, headers_for(path), end_stream=True)
            streams.append(stream)
        sock.sendall(connection.data_to_send())
        for stream, (status, body, reset) in sorted(collect(sock, connection, streams).items()):
            print(status if reset is None else "reset %s" % int(reset), len(body))
    elif command == "streams":
        path, count = sys.argv[3], int(sys.argv[4])
        # Framed by hand: h2 itself would not open more streams than the server allows.
        sock = connect(port)
        encoder = hpack.Encoder()
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
        # The server's limit holds once its SETTINGS are acknowledged (RFC 9113, 6.5.3).
        await_settings(sock)
        data = frame(SETTINGS, ACK, 0)
        for index in range(count):
            data += frame(HEADERS, END_HEADERS | END_STREAM, 1 + 2 * index, request_block(encoder, path))
        sock.sendall(data)
        answered, refused = set(), set()
        for kind, flags, stream, payload in read_frames(sock, 20):
            if kind == GOAWAY:
                print("goaway %d after answered %d refused %d"
                      % (struct.unpack(">I", payload[4:8])[0], len(answered), len(refused)))
                return
            if kind == RST_STREAM:
                (refused if struct.unpack(">I", payload)[0] == 7 else answered).add(stream)
            elif kind in (0, HEADERS) and flags & END_STREAM and stream:
                answered.add(stream)
            elif kind == 0 and payload:
                # Keep the server's window open for the answers still coming.
                sock.sendall(frame(8, 0, 0, struct.pack(">I", len(payload)))
                             + frame(8, 0, stream, struct.pack(">I", len(payload))))
            if kind == "closed" or len(answered) + len(refused) == count:
                break
        print("answered %d refused %d" % (len(answered), len(refused)))
    elif command == "reset":
        path = sys.argv[3]
        sock, connection = h2_connection(port)
        first = connection.get_next_available_stream_id()
        connection.send_headers(first, headers_for(path), end_stream=True)
        sock.sendall(connection.data_to_send())
        time.sleep(0.2)
        connection.reset_stream(first)
        second = connection.get_next_available_stream_id()
        connection.send_headers(second, headers_for("/py/after-reset"), end_stream=True)
        sock.sendall(connection.data_to_send())
        print(collect(sock, connection, [second])[second][0])
    elif command == "through-stop":
        # Framed by hand: h2 takes the first of a graceful stop's two GOAWAY frames as the end, and then fails on
        # the PING that follows it.
        sock = connect(port)
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0)
                     + frame(HEADERS, END_HEADERS | END_STREAM, 1, request_block(hpack.Encoder(), sys.argv[3])))
        decoder = hpack.Decoder()
        goaway, status, body = None, None, 0
        for kind, flags, _, payload in read_frames(sock, 30):
            if kind == GOAWAY:
                goaway = struct.unpack(">I", payload[4:8])[0]
            elif kind == PING and not flags & ACK:
                sock.sendall(frame(PING, ACK, 0, payload))
            elif kind == SETTINGS and not flags & ACK:
                sock.sendall(frame(SETTINGS, ACK, 0))
            elif kind == HEADERS:
                status = dict(decoder.decode(payload)).get(":status")
            elif kind == 0:
                body += len(payload)
            if kind in ("closed", RST_STREAM) or (kind in (0, HEADERS) and flags & END_STREAM):
                break
        print("goaway %s status %s body %d" % (goaway, status, body))
    elif command == "rapid-reset":
        path = sys.argv[3]
        sock = connect(port)
        encoder = hpack.Encoder()
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0))

        def opened_and_reset(i):
            stream = 1 + 2 * i
            return frame(HEADERS, END_HEADERS | END_STREAM, stream, request_block(encoder, path)) + \
                frame(RST_STREAM, 0, stream, struct.pack(">I", 8))
        flood(sock, opened_and_reset, 5000)
        print(watch(sock, 10))
    elif command == "continuation":
        sock = connect(port)
        encoder = hpack.Encoder()
        block = request_block(encoder, "/")
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0) + frame(HEADERS, END_STREAM, 1, block[:1]))
        filler = hpack.Encoder().encode([("x-filler", "a")])
        flood(sock, lambda i: frame(CONTINUATION, 0, 1, filler), 20000)
        print(watch(sock, 10))
    elif command == "ping-flood":
        sock = connect(port)
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
        flood(sock, lambda i: frame(PING, 0, 0, struct.pack(">Q", i)), 200000)
        print(watch(sock, 10))
    elif command == "settings-flood":
        sock = connect(port)
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
        flood(sock, lambda i: frame(SETTINGS, 0, 0, struct.pack(">HI", 3, 100)), 200000)
        print(watch(sock, 10))
    elif command == "big-headers":
        path, size = sys.argv[3], int(sys.argv[4])
        sock = connect(port)
        encoder = hpack.Encoder()
        block = request_block(encoder, path, [("x-big", "a" * size)])
        frames = b""
        # In frames of at most the default 16 KiB, as a client must.
        first, rest = block[:16384], block[16384:]
        frames += frame(HEADERS, END_STREAM | (0 if rest else END_HEADERS), 1, first)
        while rest:
            piece, rest = rest[:16384], rest[16384:]
            frames += frame(CONTINUATION, 0 if rest else END_HEADERS, 1, piece)
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0) + frames)
        print(watch(sock, 10))
    elif command == "idle":
        sock = connect(port)
        sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
        print(watch(sock, float(sys.argv[3]) if len(sys.argv) > 3 else 10))
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main()
