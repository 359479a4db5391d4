"""A backend for proxy route tests: an HTTP/1.1 server on loopback, on a port the kernel picks, printed as
`listening PORT` on stdout. A WebSocket at /ws echoes every message, with the `websockets` package.

Each path's last segment is one behaviour a test needs (the route's prefix comes before it):
  /hello            200 "hello" with a length
  /headers          the request's headers, method and target as JSON
  /echo             the request body back (read by length or chunked), with a length
  /count            how many body bytes came (read in pieces; nothing kept), as JSON
  /stall?seconds=S  reads nothing for S seconds, then counts the body as /count does
  /download?bytes=N N bytes with a length, written in pieces
  /stream?bytes=N   N bytes with no length (the server chunks), written in pieces
  /close-delimited  a body ended by closing the connection (HTTP/1.0-style)
  /endless          bytes, written as fast as the client takes them, until it goes
  /slow?seconds=S   answers after S seconds
  /cut              a head promising 1000 bytes, 10 of them, then a reset
  /giant-header     a 200 KB header
  /smuggle          both Content-Length and Transfer-Encoding
  /extra            a response followed by a second, unasked-for one on the same connection
  /peer             the port the request came from (the backend connection), as JSON
"""
import asyncio
import json
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body_pieces(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                remaining = size
                while remaining:
                    piece = self.rfile.read(min(remaining, 65536))
                    remaining -= len(piece)
                    yield piece
                self.rfile.readline()
        else:
            remaining = int(self.headers.get("Content-Length", "0"))
            while remaining:
                piece = self.rfile.read(min(remaining, 65536))
                if not piece:
                    return
                remaining -= len(piece)
                yield piece

    def reply(self, status, body, content_type="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        # The gateway passes the whole path, route prefix and all: the last segment says what to do.
        path = "/" + url.path.rsplit("/", 1)[-1]
        if path == "/hello":
            self.reply(200, b"hello")
        elif path == "/headers":
            body = json.dumps({"method": self.command, "target": self.path, "version": self.request_version,
                               "headers": [[k.lower(), v] for k, v in self.headers.items()]}).encode()
            for _ in self.body_pieces():
                pass
            self.reply(200, body, "application/json")
        elif path == "/echo":
            self.reply(200, b"".join(self.body_pieces()), self.headers.get("Content-Type", "application/octet-stream"))
        elif path in ("/count", "/stall"):
            if path == "/stall":
                time.sleep(float(query.get("seconds", "2")))
            count = 0
            for piece in self.body_pieces():
                count += len(piece)
            self.reply(200, json.dumps({"bytes": count}).encode(), "application/json")
        elif path in ("/download", "/stream"):
            total = int(query.get("bytes", "1000"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if path == "/download":
                self.send_header("Content-Length", str(total))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            piece = b"x" * 65536
            sent = 0
            while sent < total:
                part = piece[: min(len(piece), total - sent)]
                if path == "/download":
                    self.wfile.write(part)
                else:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                sent += len(part)
            if path == "/stream":
                self.wfile.write(b"0\r\n\r\n")
        elif path == "/close-delimited":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the close")
            self.close_connection = True
        elif path == "/endless":
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 40))
            self.end_headers()
            piece = b"y" * 65536
            try:
                while True:
                    self.wfile.write(piece)
            except OSError:
                self.close_connection = True
        elif path == "/slow":
            time.sleep(float(query.get("seconds", "30")))
            self.reply(200, b"late")
        elif path == "/cut":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
        elif path == "/giant-header":
            self.reply(200, b"big", headers=[("X-Giant", "g" * 200_000)])
        elif path == "/smuggle":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled")
            self.close_connection = True
        elif path == "/extra":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"
                             b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\ninjected")
        elif path == "/peer":
            self.reply(200, json.dumps({"port": self.client_address[1]}).encode(), "application/json")
        else:
            self.reply(404, b"no such path")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


def serve_websockets(port_holder, ready):
    from websockets.asyncio.server import serve

    async def echo(websocket):
        async for message in websocket:
            await websocket.send(message)

    async def main():
        async with serve(echo, "127.0.0.1", 0) as server:
            port_holder.append(server.sockets[0].getsockname()[1])
            ready.set()
            await asyncio.Future()

    asyncio.run(main())


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ports, ready = [], threading.Event()
    threading.Thread(target=serve_websockets, args=(ports, ready), daemon=True).start()
    ready.wait(10)
    print(f"listening {server.server_address[1]} websocket {ports[0] if ports else 0}", flush=True)
    server.serve_forever()
