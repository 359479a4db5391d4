#!/usr/bin/env python3
"""A hostile process on a handler's endpoints, for the CURVE tests: it connects a PULL to the gateway's send_spec
and a PUB to its recv_spec, with the given CurveZMQ keys or none, and for SECONDS both listens for requests and
publishes forged answers (`INJECTED`) to connection ids 1 to 100 under SENDER, the handler's send_ident. Then
it prints how many requests reached it: "received N".

    rogue_handler.py SEND_SPEC RECV_SPEC SENDER SECONDS [SERVER_KEY PUBLIC_KEY SECRET_KEY]
"""
import sys
import time

import zmq

send_spec, recv_spec, sender, seconds = sys.argv[1], sys.argv[2], sys.argv[3].encode(), float(sys.argv[4])
context = zmq.Context()
requests = context.socket(zmq.PULL)
replies = context.socket(zmq.PUB)
for socket in (requests, replies):
    socket.linger = 0
    if len(sys.argv) == 8:
        socket.curve_serverkey, socket.curve_publickey, socket.curve_secretkey = (k.encode() for k in sys.argv[5:8])
requests.connect(send_spec)
replies.connect(recv_spec)
ids = b" ".join(str(i).encode() for i in range(1, 101))
forged = sender + b" " + str(len(ids)).encode() + b":" + ids + b", HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nINJECTED"
received = 0
deadline = time.time() + seconds
while time.time() < deadline:
    replies.send(forged)
    while requests.poll(50):
        requests.recv()
        received += 1
print("received %d" % received)
