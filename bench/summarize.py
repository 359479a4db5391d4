#!/usr/bin/env python3
"""Turns the raw results bench/run wrote into the markdown report it prints (and saves as report.md).

Usage: summarize.py RESULTS_DIR

Reads RESULTS_DIR/meta.json, runs.jsonl (one line per wrk run), rss.jsonl (one line per server) and
threads.json (the gateways' threads by name).
Per scenario and server it reports the median over rounds of req/s, p50 and p99, and the sum over
rounds of errors (responses >= 400 plus socket errors: connect, read, write, timeout).
"""
import json
import statistics
import sys
from pathlib import Path

SCENARIOS = [
    ("hello-1", "hello via handler, 1 conn"),
    ("hello-50", "hello via handler, 50 conns"),
    ("hello-256", "hello via handler, 256 conns"),
    ("post-64k", "64 KiB POST echoed, 50 conns"),
    ("static-1k", "static 1 KiB, 50 conns"),
    ("static-1m", "static 1 MiB, 50 conns"),
]
SERVERS = ["lurcher", "mongrel2", "lurcher-swift", "nginx"]
NAMES = {"lurcher": "Lurcher", "mongrel2": "Mongrel2", "lurcher-swift": "Lurcher + Swift hello-handler", "nginx": "nginx"}
ERROR_KINDS = ["status", "connect", "read", "write", "timeout"]


def load_lines(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def ms(us):
    if us is None:
        return "–"
    value = us / 1000
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.0f}"


def cpu(value):
    return "–" if value is None else f"{value:.0f}"


def kilo_instructions(entry):
    if entry.get("gw_instr") is None:
        return "–"
    return f"{entry['gw_instr'] / 1000:,.0f} ({entry['gw_instr_kernel_share']:.0%})"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(value):
    return "–" if value is None else f"{value:.2f}×"


def per_connection_kb(r):
    """What one idle connection added to the server's RSS, from its rss.jsonl line; None without one."""
    if not r or not r.get("opened") or not r.get("held_kb"):
        return None
    return (r["held_kb"] - r["before_kb"]) / r["opened"]


def idle_table(rss, servers):
    """The markdown table of the idle test's rss.jsonl lines (by server), in the order of `servers`."""
    rows = ["| server | connections held | RSS before MiB | RSS held MiB | KiB per connection | RSS after close MiB | "
            "still open at end |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for server in servers:
        r = rss.get(server)
        if not r:
            continue
        opened = r.get("opened", 0)
        per = per_connection_kb(r)
        held = f"{opened:,}" + ("" if opened == r["requested"] else f" of {r['requested']:,} ({r['limit']})")
        rows.append(f"| {NAMES[server]} | {held} | {r['before_kb'] / 1024:.1f} | "
                    f"{(r.get('held_kb') or 0) / 1024:.1f} | {'–' if per is None else f'{per:.1f}'} | "
                    f"{(r.get('closed_kb') or 0) / 1024:.1f} | {r.get('still_open', '–')} |")
    return rows


def write_report(results, lines):
    """Prints the report and keeps it as RESULTS_DIR/report.md."""
    text = "\n".join(lines)
    (results / "report.md").write_text(text + "\n")
    print(text)


def aggregate(runs):
    """Median of rounds per (scenario, server)."""
    out = {}
    for scenario, _ in SCENARIOS:
        for server in SERVERS:
            mine = [r for r in runs if r["scenario"] == scenario and r["server"] == server]
            if not mine:
                continue
            ok = [r for r in mine if not r.get("down")]
            entry = {"rounds": len(mine), "down": len(mine) - len(ok)}
            if ok:
                entry["rps"] = statistics.median(r["requests"] / (r["duration_us"] / 1e6) for r in ok)
                entry["mbps"] = statistics.median(r["bytes"] / (r["duration_us"] / 1e6) / 2**20 for r in ok)
                entry["p50"] = statistics.median(r["p50_us"] for r in ok)
                entry["p99"] = statistics.median(r["p99_us"] for r in ok)
                entry["max"] = max(r["max_us"] for r in ok)
                entry["requests"] = sum(r["requests"] for r in ok)
                if all("gateway_cpu_ticks" in r for r in ok):
                    entry["gw_cpu"] = statistics.median(
                        r["gateway_cpu_ticks"] / r["clk_tck"] * 1e6 / max(1, r["requests"]) for r in ok)
                    entry["h_cpu"] = statistics.median(
                        r["handler_cpu_ticks"] / r["clk_tck"] * 1e6 / max(1, r["requests"]) for r in ok)
                if all(r.get("wrk_cpu_us") for r in ok):
                    entry["wrk_cpu"] = statistics.median(r["wrk_cpu_us"] / max(1, r["requests"]) for r in ok)
                if all("gateway_instructions_user" in r for r in ok):
                    entry["gw_instr"] = statistics.median(
                        (r["gateway_instructions_user"] + r["gateway_instructions_kernel"]) / max(1, r["requests"])
                        for r in ok)
                    entry["gw_instr_kernel_share"] = statistics.median(
                        r["gateway_instructions_kernel"]
                        / max(1, r["gateway_instructions_user"] + r["gateway_instructions_kernel"]) for r in ok)
                entry["errors"] = {k: sum(r[k] for r in ok) for k in ERROR_KINDS}
                entry["error_total"] = sum(entry["errors"].values())
            out[(scenario, server)] = entry
    return out


def error_text(entry):
    if "errors" not in entry:
        return "–"
    total = entry["error_total"]
    if total == 0:
        text = "0"
    else:
        parts = [f"{k} {v}" for k, v in entry["errors"].items() if v]
        text = f"{total} ({', '.join(parts)})"
    if entry["down"]:
        text += f"; server down in {entry['down']} run(s)"
    return text


def main():
    results = Path(sys.argv[1])
    meta = json.loads((results / "meta.json").read_text())
    runs = load_lines(results / "runs.jsonl")
    rss = {r["server"]: r for r in load_lines(results / "rss.jsonl")}
    floor_runs = load_lines(results / "floor.jsonl")
    floor = statistics.median(r["p50_us"] for r in floor_runs) if floor_runs else None
    agg = aggregate(runs)
    lines = []
    add = lines.append

    add(f"Run: `{meta['command']}` on {meta['date']}  ")
    add(f"Machine: {meta['machine']}  ")
    add(f"wrk -t1, {meta['seconds']} s per run, {meta['rounds']} round(s) per scenario and server, servers "
        f"alternated within each round (order swapped every round); medians over rounds, errors summed.  ")
    add(f"Versions: {meta['versions']}")
    add("")
    add("### Throughput and latency")
    add("")
    add("Hello rows: Lurcher and Mongrel2 behind the same minimal C handler (bench/c-handler); "
        "\"Lurcher + Swift hello-handler\" is the same Lurcher process with the Swift handler on another route.")
    add("")
    add("| scenario | server | req/s | p50 ms | p99 ms | MiB/s | errors (all rounds) | gateway CPU µs/req | "
        "gateway k-instructions/req (kernel share) | handler CPU µs/req | wrk CPU µs/req |")
    add("| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for scenario, label in SCENARIOS:
        for server in SERVERS:
            entry = agg.get((scenario, server))
            if entry is None:
                continue
            name = NAMES[server]
            if server == "nginx" and scenario.startswith("hello"):
                name = 'nginx `return 200` (reference)'
            if "rps" in entry:
                add(f"| {label} | {name} | {entry['rps']:,.0f} | {ms(entry['p50'])} | {ms(entry['p99'])} | "
                    f"{entry['mbps']:,.1f} | {error_text(entry)} | {cpu(entry.get('gw_cpu'))} | "
                    f"{kilo_instructions(entry)} | "
                    f"{cpu(entry.get('h_cpu')) if server != 'nginx' and scenario.startswith(('hello', 'post')) else '–'} | "
                    f"{cpu(entry.get('wrk_cpu'))} |")
            else:
                add(f"| {label} | {name} | – | – | – | – | server down | – | – | – | – |")
    add("")

    threads_file = results / "threads.json"
    if threads_file.exists():
        threads = json.loads(threads_file.read_text())
        add(f"Gateway threads after the load (by name, from /proc): Lurcher {threads['lurcher']}; "
            f"Mongrel2 {threads['mongrel2']}.")
        add("")

    if floor_runs:
        add(f"Handler alone, no gateway (`bench/floor`, one request at a time over the same TCP sockets): p50 "
            f"{ms(floor)} ms, p99 {ms(statistics.median(r['p99_us'] for r in floor_runs))} ms, median of "
            f"{len(floor_runs)} round(s). Every hello request through either gateway pays this.")
        add("")

    add("### Ratios (Lurcher / peer)")
    add("")
    add("| scenario | req/s vs Mongrel2 | p50 vs Mongrel2 | p99 vs Mongrel2 | gateway CPU/req vs Mongrel2 | "
        "gateway instructions/req vs Mongrel2 | req/s vs nginx |")
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for scenario, label in SCENARIOS:
        lur = agg.get((scenario, "lurcher"), {})
        m2 = agg.get((scenario, "mongrel2"), {})
        ngx = agg.get((scenario, "nginx"), {})
        vs_nginx = fmt_ratio(ratio(lur.get("rps"), ngx.get("rps")))
        if scenario.startswith("hello") and vs_nginx != "–":
            vs_nginx += " (ref.)"
        add(f"| {label} | {fmt_ratio(ratio(lur.get('rps'), m2.get('rps')))} | "
            f"{fmt_ratio(ratio(lur.get('p50'), m2.get('p50')))} | {fmt_ratio(ratio(lur.get('p99'), m2.get('p99')))} | "
            f"{fmt_ratio(ratio(lur.get('gw_cpu'), m2.get('gw_cpu')))} | "
            f"{fmt_ratio(ratio(lur.get('gw_instr'), m2.get('gw_instr')))} | {vs_nginx} |")
    add("")

    add("### The Swift handler library (Lurcher + Swift hello-handler / Lurcher + C handler)")
    add("")
    add("| scenario | req/s | p50 | handler CPU/req | gateway CPU/req |")
    add("| --- | ---: | ---: | ---: | ---: |")
    for scenario, label in SCENARIOS:
        swift, c = agg.get((scenario, "lurcher-swift"), {}), agg.get((scenario, "lurcher"), {})
        if not swift:
            continue
        add(f"| {label} | " + " | ".join(fmt_ratio(ratio(swift.get(key), c.get(key)))
                                          for key in ("rps", "p50", "h_cpu", "gw_cpu")) + " |")
    add("")

    add("### Idle keep-alive connections")
    add("")
    if rss:
        add("One request on each connection (`GET /hello`: through the C handler for Lurcher and Mongrel2, "
            "`return 200` for nginx), then all held idle. VmRSS of the gateway process only (nginx: master + "
            "worker), from /proc.")
        add("")
        lines.extend(idle_table(rss, SERVERS))
        add("")

    add("### Targets")
    add("")
    add("| target | measured | met |")
    add("| --- | --- | --- |")

    def get(scenario, server, key):
        return agg.get((scenario, server), {}).get(key)

    def verdict(ok):
        return "n/a" if ok is None else ("yes" if ok else "**no**")

    for conns, bound in (("1", 0.75), ("50", 0.6), ("256", 0.6)):
        r = ratio(get(f"hello-{conns}", "lurcher", "gw_cpu"), get(f"hello-{conns}", "mongrel2", "gw_cpu"))
        add(f"| gateway CPU/req, hello {conns} conn(s): ≤ {bound}× Mongrel2's | {fmt_ratio(r)} | "
            f"{verdict(None if r is None else r <= bound)} |")
    for conns in ("50", "256"):
        r = ratio(get(f"hello-{conns}", "lurcher", "rps"), get(f"hello-{conns}", "mongrel2", "rps"))
        errors = get(f"hello-{conns}", "lurcher", "error_total")
        add(f"| req/s, hello {conns} conns: ≥ 1.3× Mongrel2's, zero errors | {fmt_ratio(r)}, {errors} errors | "
            f"{verdict(None if r is None else r >= 1.3 and errors == 0)} |")
    r = ratio(get("hello-1", "lurcher", "p50"), get("hello-1", "mongrel2", "p50"))
    add(f"| p50, hello 1 conn: ≤ 0.8× Mongrel2's | {fmt_ratio(r)} | {verdict(None if r is None else r <= 0.8)} |")
    for conns in ("1", "50"):
        r = ratio(get(f"hello-{conns}", "lurcher-swift", "h_cpu"), get(f"hello-{conns}", "lurcher", "h_cpu"))
        add(f"| Swift hello-handler CPU/req, {conns} conn(s): ≤ 2× the C handler's | {fmt_ratio(r)} | "
            f"{verdict(None if r is None else r <= 2)} |")
    for scenario, label, bound in (("static-1k", "static 1 KiB: ≥ 1.0× nginx's req/s", 1.0),
                                   ("static-1m", "static 1 MiB: ≥ 0.9× nginx's throughput", 0.9)):
        r = ratio(get(scenario, "lurcher", "rps"), get(scenario, "nginx", "rps"))
        add(f"| {label} | {fmt_ratio(r)} | {verdict(None if r is None else r >= bound)} |")

    pl, pm = per_connection_kb(rss.get("lurcher")), per_connection_kb(rss.get("mongrel2"))
    add(f"| idle RSS per connection ≤ 6.7 KiB | {'–' if pl is None else f'{pl:.1f}'} KiB "
        f"(Mongrel2 {'–' if pm is None else f'{pm:.1f}'}) | {verdict(None if pl is None else pl <= 6.7)} |")
    add("")

    write_report(results, lines)


if __name__ == "__main__":
    main()
