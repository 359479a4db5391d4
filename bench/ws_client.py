#!/usr/bin/env python3
"""The WebSocket load client of bench/ws, on loopback only.

  ws_client.py probe URL
      Checks that URL is an echo WebSocket as bench/c-handler answers: text and binary messages of each
      length form (7, 16, 64 bits) come back as sent, a ping gets its pong, a close is echoed. Exit 0 when so.

  ws_client.py echo URL --clients N --procs P --seconds S --max-messages M --bytes B --gateway PID --handler PID
      N clients in P processes; each sends a B-byte text message, waits for its echo, and repeats, until S
      seconds have passed or the clients have M messages between them. All connect first; the measured
      window runs from when every client is connected to when every client has its last echo, and the
      gateway's and handler's CPU time (/proc/PID/stat) are read at its two ends, so connecting and closing
      are not counted. Prints one JSON line: messages, seconds, p50/p99 round trip, errors, gateway and
      handler CPU ticks, and the client processes' own CPU seconds.
"""
import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import time

from websockets.asyncio.client import connect

# Client options for every connection: no compression offer (neither handler negotiates it) and no keepalive
# pings (they would be messages the gateway handles that the count leaves out).
OPTIONS = dict(compression=None, ping_interval=None, max_size=2**24, open_timeout=30, close_timeout=5)


def cpu_ticks(pid):
    """utime + stime of `pid`, in clock ticks."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def probe(url):
    async with connect(url, **OPTIONS) as ws:
        for message in ["hello", "é" * 100, b"\x00\xff" * 100, bytes(range(256)) * 300]:
            await ws.send(message)
            echo = await asyncio.wait_for(ws.recv(), 5)
            if echo != message:
                sys.exit(f"probe: a {type(message).__name__} message of {len(message)} came back as {len(echo)}")
        await asyncio.wait_for(await ws.ping(b"probe"), 5)
        await ws.close(code=1000, reason="bye")
        if ws.close_code != 1000:
            sys.exit(f"probe: the close came back with code {ws.close_code}")
    print("probe: echo, ping and close as expected")


async def run_clients(url, clients, seconds, max_messages, size, connected, finished):
    """One process's share of the load; `connected` and `finished` are barriers shared with the parent."""
    sockets = await asyncio.gather(*(connect(url, **OPTIONS) for _ in range(clients)))
    await asyncio.to_thread(connected.wait)
    deadline = time.monotonic() + seconds
    message = "x" * size
    latencies, errors, sent = [], 0, 0

    async def client(ws):
        nonlocal errors, sent
        while time.monotonic() < deadline and sent < max_messages:
            sent += 1
            started = time.perf_counter()
            try:
                await ws.send(message)
                echo = await asyncio.wait_for(ws.recv(), 5)
            except Exception:
                errors += 1
                return
            if echo != message:
                errors += 1
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(client(ws) for ws in sockets))
    await asyncio.to_thread(finished.wait)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return latencies, errors


def worker(url, clients, seconds, max_messages, size, connected, finished, results):
    latencies, errors = asyncio.run(run_clients(url, clients, seconds, max_messages, size, connected, finished))
    times = os.times()
    results.put((latencies, errors, times.user + times.system))


def echo(args):
    shares = [args.clients // args.procs + (i < args.clients % args.procs) for i in range(args.procs)]
    shares = [share for share in shares if share]
    connected = multiprocessing.Barrier(len(shares) + 1)
    finished = multiprocessing.Barrier(len(shares) + 1)
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(
            target=worker,
            args=(args.url, share, args.seconds, args.max_messages // len(shares), args.bytes, connected, finished, results))
        for share in shares
    ]
    for process in processes:
        process.start()
    # Bounded: a gateway that never completes the handshakes must not hang the benchmark.
    connected.wait(timeout=120)
    gateway, handler, started = cpu_ticks(args.gateway), cpu_ticks(args.handler), time.monotonic()
    finished.wait(timeout=args.seconds + 60)
    elapsed = time.monotonic() - started
    gateway, handler = cpu_ticks(args.gateway) - gateway, cpu_ticks(args.handler) - handler
    collected = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=10)
    latencies = sorted(latency for part in collected for latency in part[0])

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1e6 if latencies else 0

    print(json.dumps({
        "clients": args.clients, "procs": len(shares), "bytes": args.bytes, "messages": len(latencies),
        "seconds": elapsed, "p50_us": percentile(0.50), "p99_us": percentile(0.99),
        "errors": sum(part[1] for part in collected), "gateway_cpu_ticks": gateway, "handler_cpu_ticks": handler,
        "clk_tck": os.sysconf("SC_CLK_TCK"), "client_cpu_s": sum(part[2] for part in collected),
    }), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["probe", "echo"])
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--procs", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--max-messages", type=int, default=1_000_000)
    parser.add_argument("--bytes", type=int, default=32)
    parser.add_argument("--gateway", type=int, help="pid of the gateway, for its CPU time")
    parser.add_argument("--handler", type=int, help="pid of the handler, for its CPU time")
    args = parser.parse_args()
    if not args.url.startswith(("ws://127.", "ws://localhost")):
        sys.exit("ws_client.py only connects to loopback")
    if args.mode == "probe":
        asyncio.run(probe(args.url))
    else:
        echo(args)


if __name__ == "__main__":
    main()
