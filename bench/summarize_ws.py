#!/usr/bin/env python3
"""Turns the raw results bench/ws wrote into the markdown report it prints (and saves as report.md).

Usage: summarize_ws.py RESULTS_DIR

Reads RESULTS_DIR/meta.json, probes.jsonl (which gateways passed the WebSocket probe), runs.jsonl (one line per
echo run) and rss.jsonl (one line per gateway). Per scenario and gateway: medians over rounds of messages/s, p50,
p99 and CPU per message; errors summed.
"""
import statistics
import sys
from pathlib import Path

from summarize import NAMES, fmt_ratio, idle_table, load_lines, ms, per_connection_kb, ratio, write_report

SCENARIOS = [("echo-1", "echo, 1 client"), ("echo-100", "echo, 100 clients")]
GATEWAYS = ["lurcher", "mongrel2"]


def aggregate(runs):
    out = {}
    for scenario, _ in SCENARIOS:
        for gateway in GATEWAYS:
            mine = [r for r in runs if r["scenario"] == scenario and r["gateway"] == gateway]
            if not mine:
                continue

            def median(value):
                return statistics.median(value(r) for r in mine)

            out[(scenario, gateway)] = {
                "rounds": len(mine),
                "rate": median(lambda r: r["messages"] / r["seconds"]),
                "p50": median(lambda r: r["p50_us"]),
                "p99": median(lambda r: r["p99_us"]),
                "errors": sum(r["errors"] for r in mine),
                "gw_cpu": median(lambda r: r["gateway_cpu_ticks"] / r["clk_tck"] * 1e6 / max(1, r["messages"])),
                "h_cpu": median(lambda r: r["handler_cpu_ticks"] / r["clk_tck"] * 1e6 / max(1, r["messages"])),
                "client_cpu": median(lambda r: r["client_cpu_s"] / r["seconds"]),
                "procs": mine[0]["procs"],
            }
    return out


def main():
    results = Path(sys.argv[1])
    meta = load_lines(results / "meta.json")[0]
    probes = load_lines(results / "probes.jsonl")
    rss = {r["server"]: r for r in load_lines(results / "rss.jsonl")}
    agg = aggregate(load_lines(results / "runs.jsonl"))
    lines = []
    add = lines.append

    add(f"Run: bench/ws on {meta['date']}  ")
    add(f"Machine: {meta['machine']}  ")
    add(f"Versions: {meta['versions']}  ")
    add(f"The same C handler (bench/c-handler) behind each gateway. Echo: {meta['message_bytes']}-byte text messages, "
        f"each client waiting for its echo before the next; {meta['seconds']} s per run, {meta['rounds']} round(s), "
        f"gateways alternated; medians over rounds, errors summed. CPU from /proc/PID/stat over the measured window "
        f"(all clients connected to all echoes in).")
    for probe in probes:
        if not probe["websocket"]:
            add(f"**{NAMES[probe['gateway']]} was left out:** "
                + ("its /ws did not answer through the handler." if not probe["http"] else
                   "its /ws answers HTTP but not as a WebSocket (no WebSocket support in this build?)."))
    add("")
    add("### Echo")
    add("")
    add("| scenario | gateway | messages/s | p50 ms | p99 ms | errors | gateway CPU µs/msg | handler CPU µs/msg | "
        "client CPU (cores, processes) |")
    add("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for scenario, label in SCENARIOS:
        for gateway in GATEWAYS:
            e = agg.get((scenario, gateway))
            if e:
                add(f"| {label} | {NAMES[gateway]} | {e['rate']:,.0f} | {ms(e['p50'])} | {ms(e['p99'])} | {e['errors']} | "
                    f"{e['gw_cpu']:.1f} | {e['h_cpu']:.1f} | {e['client_cpu']:.2f} ({e['procs']}) |")
    add("")
    add("### Ratios (Lurcher / Mongrel2)")
    add("")
    add("| scenario | messages/s | p50 | p99 | gateway CPU/msg |")
    add("| --- | ---: | ---: | ---: | ---: |")
    for scenario, label in SCENARIOS:
        lur, m2 = agg.get((scenario, "lurcher"), {}), agg.get((scenario, "mongrel2"), {})
        add(f"| {label} | " + " | ".join(fmt_ratio(ratio(lur.get(k), m2.get(k))) for k in ("rate", "p50", "p99", "gw_cpu"))
            + " |")
    add("")
    idle = ratio(per_connection_kb(rss.get("lurcher")), per_connection_kb(rss.get("mongrel2")))
    add(f"Idle RSS per WebSocket, Lurcher / Mongrel2: {fmt_ratio(idle)}")
    add("")
    if rss:
        add("### Idle WebSockets")
        add("")
        add("Each opened with a handshake answered 101 by the handler, then held with no frame sent. VmRSS of the "
            "gateway process only, from /proc.")
        add("")
        lines.extend(idle_table(rss, GATEWAYS))
        add("")

    write_report(results, lines)


if __name__ == "__main__":
    main()
