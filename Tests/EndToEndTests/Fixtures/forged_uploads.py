#!/usr/bin/env python3
"""Plays Mongrel2 to a handler process, sending requests with upload headers a client forged.

Mongrel2 passes a client's own X-Mongrel2-Upload-Start and -Done headers on to the handler, so a handler
library must not read whatever file they name. This stands where such a gateway stands (PUSH and SUB bound,
Mongrel2's wire format), runs the handler, and sends one request per case.

    forged_uploads.py HANDLER UPLOAD_DIRECTORY CASES_JSON RESULT_PATH

CASES_JSON is a list of header objects added to each request. RESULT_PATH gets a JSON list with the HTTP
response each request got (None when none came within 10 s).
"""
import json
import os
import subprocess
import sys
import time

import zmq


def request(number, extra):
    headers = {"PATH": "/echo", "METHOD": "POST", "VERSION": "HTTP/1.1", "URI": "/echo", "PATTERN": "/echo",
               "URL_SCHEME": "http", "REMOTE_ADDR": "127.0.0.1", "host": "localhost"}
    headers.update(extra)
    encoded = json.dumps(headers).encode()
    return b"forger %d /echo %d:%s,0:," % (number, len(encoded), encoded)


def response(reply):
    """The HTTP response in a reply: `UUID SP LEN:IDS, SP BODY`."""
    _, rest = reply.split(b" ", 1)
    length, rest = rest.split(b":", 1)
    return rest[int(length) + 2:].decode(errors="replace")


def main():
    handler, upload_directory, cases, result_path = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
    context = zmq.Context()
    requests = context.socket(zmq.PUSH)
    send_port = requests.bind_to_random_port("tcp://127.0.0.1")
    replies = context.socket(zmq.SUB)
    replies.setsockopt(zmq.SUBSCRIBE, b"")
    recv_port = replies.bind_to_random_port("tcp://127.0.0.1")
    environment = dict(os.environ, LURCHER_SEND_SPEC="tcp://127.0.0.1:%d" % send_port,
                       LURCHER_RECV_SPEC="tcp://127.0.0.1:%d" % recv_port, LURCHER_UPLOAD_DIRECTORY=upload_directory)
    process = subprocess.Popen([handler], env=environment)
    try:
        # A reply sent before the handler's PUB has joined is lost: ask until one comes back.
        deadline = time.monotonic() + 20
        while not replies.poll(200):
            if time.monotonic() > deadline:
                raise SystemExit("the handler never answered")
            requests.send(request(1000, {}))
        while replies.poll(500):
            replies.recv()
        results = []
        for number, extra in enumerate(cases, 1):
            requests.send(request(number, extra))
            results.append(response(replies.recv()) if replies.poll(10000) else None)
        with open(result_path, "w") as result:
            json.dump(results, result)
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
