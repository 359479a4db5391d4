# Shared by bench/run and bench/ws: building Lurcher, starting gateways and handlers on free loopback ports, and
# stopping everything that was started, also on Ctrl-C or SIGTERM; /proc readings of CPU time and RSS.
# Source it after `set -euo pipefail`. It sets `here` (bench/) and `root` (the repository), and reads:
#   BENCH_REF=       build this git ref from a clean snapshot (`git archive`) instead of the working tree
#   BENCH_BIN_DIR=   take the binaries from this directory; no build
#   BENCH_KEEP_TMP=0 1 keeps the temp dir (configs, logs) for inspection
BENCH_REF=${BENCH_REF:-}
BENCH_BIN_DIR=${BENCH_BIN_DIR:-}
BENCH_KEEP_TMP=${BENCH_KEEP_TMP:-0}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=$(dirname "$here")
export PATH="$PATH:/usr/sbin:/sbin"

say() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------
# Installing what is missing
# ---------------------------------------------------------------------------------------------------
sudo_if_needed=""
[[ $(id -u) -ne 0 ]] && sudo_if_needed="sudo"

apt_install() {
    # A policy-rc.d that says no, so that installing nginx does not also start a system nginx on port 80.
    local made_policy=0 rc=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo_if_needed tee /usr/sbin/policy-rc.d >/dev/null
        $sudo_if_needed chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y -qq --no-install-recommends "$@" >/dev/null || rc=$?
    ((made_policy)) && $sudo_if_needed rm -f /usr/sbin/policy-rc.d
    return $rc
}

# ---------------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------------
lurcher_version=""
build_pid=""
build_log=""
# Runs `swift build -c release ARGS...` in the background and waits, so that a signal reaches the trap at
# once; cleanup interrupts the build as Ctrl-C would.
build_in_background() {
    local log=$1 rc=0
    shift
    swift build -c release "$@" >"$log" 2>&1 &
    build_pid=$!
    wait "$build_pid" || rc=$?
    build_pid=""
    return $rc
}

# build_lurcher EXE...: sets `bin` to a directory holding a release build of each EXE (the package's products).
build_lurcher() {
    if [[ -n $BENCH_BIN_DIR ]]; then
        bin=$(cd "$BENCH_BIN_DIR" && pwd)
        lurcher_version="binaries from $bin"
        say "using prebuilt binaries in $bin"
        return
    fi
    local log
    log=$(mktemp /tmp/lurcher-bench-build.XXXXXX)
    build_log=$log
    if [[ -n $BENCH_REF ]]; then
        local sha src
        sha=$(git -C "$root" rev-parse --verify "$BENCH_REF^{commit}") || die "BENCH_REF=$BENCH_REF is not a commit"
        src="$root/.build-bench-ref/src"
        if [[ "$(cat "$src/.bench-ref" 2>/dev/null)" != "$sha" ]]; then
            rm -rf "$src"
            mkdir -p "$src"
            git -C "$root" archive "$sha" | tar -x -C "$src"
            [[ -f $root/Package.resolved ]] && cp "$root/Package.resolved" "$src/"
            echo "$sha" >"$src/.bench-ref"
        fi
        say "building Lurcher ${sha:0:10} (release, snapshot in .build-bench-ref/) ..."
        build_in_background "$log" --package-path "$src" --scratch-path "$root/.build-bench-ref/build" ||
            { tail -40 "$log" >&2; die "build failed"; }
        bin="$root/.build-bench-ref/build/release"
        lurcher_version="Lurcher ${sha:0:10} (BENCH_REF=$BENCH_REF)"
    else
        say "building Lurcher (release, scratch path .build-bench) ..."
        build_in_background "$log" --package-path "$root" --scratch-path "$root/.build-bench" ||
            { tail -40 "$log" >&2; die "build failed. If the tree is mid-edit, try BENCH_REF=HEAD"; }
        bin="$root/.build-bench/release"
        local dirty=""
        [[ -n "$(git -C "$root" status --porcelain -- Sources Package.swift 2>/dev/null)" ]] && dirty=" + uncommitted changes"
        lurcher_version="Lurcher $(git -C "$root" rev-parse --short=10 HEAD 2>/dev/null || echo '?')$dirty"
    fi
    for exe in "$@"; do
        [[ -x $bin/$exe ]] || die "$bin/$exe is missing after the build"
    done
}

# build_c_handler OUT: the minimal C hello and WebSocket echo handler (bench/c-handler/handler.c) at OUT. bench/run
# and bench/ws put it behind each gateway, so that what differs between their rows is the gateway.
build_c_handler() {
    cc -O2 -Wall -o "$1" "$here/c-handler/handler.c" -lzmq || die "cannot build bench/c-handler/handler.c"
}

# thread_names PID: the process's threads by name, as "COUNT NAME, COUNT NAME" (from /proc/PID/task/*/comm).
thread_names() {
    cat /proc/"$1"/task/*/comm 2>/dev/null | sort | uniq -c | awk '{ n = $1; $1 = ""; sub(/^ /, ""); printf "%s%d %s", sep, n, $0; sep = ", " }'
}

# ---------------------------------------------------------------------------------------------------
# Processes: everything started goes into `pids`; cleanup stops them all, newest first.
# ---------------------------------------------------------------------------------------------------
pids=()
tmp=""
m2dir=""
cleaned=0
cleanup() {
    ((cleaned)) && return
    cleaned=1
    local pid waited
    if [[ -n $build_pid ]] && kill -0 "$build_pid" 2>/dev/null; then
        kill -INT "$build_pid" 2>/dev/null || true
        waited=0
        while kill -0 "$build_pid" 2>/dev/null && ((waited < 100)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        kill -0 "$build_pid" 2>/dev/null && kill -KILL "$build_pid" 2>/dev/null
    fi
    [[ -n $build_log ]] && rm -f "$build_log"
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null || true
    done
    # Mongrel2 writes its own pid file; should it have forked anyway, stop that process too.
    if [[ -n $m2dir && -f $m2dir/run/mongrel2.pid ]]; then
        pid=$(cat "$m2dir/run/mongrel2.pid" 2>/dev/null || true)
        if [[ -n $pid ]] && grep -q mongrel2 "/proc/$pid/cmdline" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    fi
    for pid in "${pids[@]}"; do
        waited=0
        while kill -0 "$pid" 2>/dev/null && ((waited < 50)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    wait 2>/dev/null || true
    if [[ -n $tmp && -d $tmp ]]; then
        if [[ $BENCH_KEEP_TMP == 1 ]]; then
            say "kept $tmp"
        else
            rm -rf "$tmp"
        fi
    fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# start_bg LOG COMMAND...: runs COMMAND in the background, output to LOG; its pid is in $last_pid.
start_bg() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    last_pid=$!
    pids+=("$last_pid")
}

# proc_sum FILE PROGRAM PID...: the sum over the PIDs of the number the awk PROGRAM prints from /proc/PID/FILE
# (0 for a pid that is gone).
proc_sum() {
    local file=$1 program=$2 total=0 pid value
    shift 2
    for pid in "$@"; do
        value=$(awk "$program" "/proc/$pid/$file" 2>/dev/null || echo 0)
        total=$((total + ${value:-0}))
    done
    echo "$total"
}

# Sum of VmRSS (KiB) of the given pids.
rss_kb() { proc_sum status '/^VmRSS:/ {print $2}' "$@"; }

# Sum of user + system CPU time (clock ticks) of the given pids.
cpu_ticks() { proc_sum stat '{ sub(/^.*\) /, ""); print $12 + $13 }' "$@"; }
clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)

# Children of a pid, from /proc (no procps needed).
children_of() {
    local parent=$1 stat
    for stat in /proc/[0-9]*/stat; do
        awk -v p="$parent" '{ sub(/^.*\) /, ""); if ($2 == p) { split(FILENAME, a, "/"); print a[3] } }' "$stat" 2>/dev/null || true
    done
}

alive() {
    local pid
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null || return 1; done
}

# wait_http URL [SECONDS]: until the URL answers 200.
wait_http() {
    local url=$1 limit=${2:-30} start=$SECONDS
    while ((SECONDS - start < limit)); do
        [[ "$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$url" 2>/dev/null || true)" == 200 ]] && return 0
        sleep 0.2
    done
    return 1
}

free_ports() {
    python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

fill() {  # fill TEMPLATE OUT NAME=VALUE...
    local template=$1 out=$2
    shift 2
    local text
    text=$(cat "$template")
    for pair in "$@"; do
        text=${text//@${pair%%=*}@/${pair#*=}}
    done
    printf '%s\n' "$text" >"$out"
}

# Raises the open-file limit for this shell and everything it starts, as far as it goes; sets `fd_limit`.
# Holding N idle connections takes about N descriptors in the client and as many in each gateway.
raise_fd_limit() {
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    fd_limit=$(ulimit -n)
    say "open-file limit: $fd_limit"
}

# start_lurcher TEMPLATE NAME=VALUE...: `lurcher start` with TEMPLATE filled in as $tmp/lurcher/lurcher.toml,
# checked first; its pid in `lurcher_pid`.
start_lurcher() {
    local template=$1 config="$tmp/lurcher/lurcher.toml"
    shift
    mkdir -p "$tmp/lurcher"
    fill "$template" "$config" "$@"
    "$bin/lurcher" check --config "$config" >/dev/null || die "lurcher check rejected $config"
    start_bg "$tmp/logs/lurcher.log" "$bin/lurcher" start --config "$config"
    lurcher_pid=$last_pid
}

# start_mongrel2 TEMPLATE UUID NAME=VALUE...: Mongrel2 with TEMPLATE filled in (UUID too) and loaded by m2sh, in the
# foreground (the template sets server.daemonize = 0), in $m2dir, which the caller names and which is its chroot when
# run as root; its pid in `m2_pid`.
start_mongrel2() {
    local template=$1 uuid=$2
    shift 2
    mkdir -p "$m2dir"/{logs,run,tmp}
    fill "$template" "$m2dir/mongrel2.conf" UUID="$uuid" "$@"
    (cd "$m2dir" && m2sh load -config mongrel2.conf -db config.sqlite) >"$tmp/logs/m2sh-load.log" 2>&1 ||
        { cat "$tmp/logs/m2sh-load.log" >&2; die "m2sh load failed"; }
    export LOGNAME=${LOGNAME:-$(id -un)}
    start_bg "$tmp/logs/mongrel2.log" bash -c 'cd "$1" && exec mongrel2 config.sqlite "$2"' _ "$m2dir" "$uuid"
    m2_pid=$last_pid
}

# One line on the machine, for the report: the figures are only comparable within one run.
machine_description() {
    echo "$(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r)"
}

# Mongrel2's version as m2sh and dpkg give it.
mongrel2_version() {
    echo "$({ m2sh version 2>&1 || true; } | awk 'NR == 1') (Debian mongrel2-core $(dpkg-query -W -f='${Version}' mongrel2-core 2>/dev/null || echo '?'))"
}

# idle_test SERVER PORT CLIENT_ARGS PID...: VmRSS of the PIDs before, while bench/idle_conns.py holds BENCH_IDLE_CONNS
# idle connections to PORT (opened as CLIENT_ARGS say, split on spaces), and after they close; one line to
# $results/rss.jsonl. The caller defines `idle_warm_up PORT`, run before the baseline is read.
idle_test() {
    local server=$1 port=$2 client_args
    read -r -a client_args <<<"$3"
    shift 3
    local measured=("$@") out="$tmp/idle-$server.out" client before held closed opened failed limit still waited
    idle_warm_up "$port"
    sleep 1
    before=$(rss_kb "${measured[@]}")
    python3 "$here/idle_conns.py" --port "$port" "${client_args[@]}" --count "$BENCH_IDLE_CONNS" --hold 300 >"$out" 2>&1 &
    client=$!
    pids+=("$client")
    waited=0
    while ! grep -q '^READY' "$out" && kill -0 "$client" 2>/dev/null && ((waited < 1800)); do
        sleep 0.1
        waited=$((waited + 1))
    done
    grep -q '^READY' "$out" || { cat "$out" >&2; kill -TERM "$client" 2>/dev/null || true; say "idle test for $server failed"; return 0; }
    sleep 3
    held=$(rss_kb "${measured[@]}")
    alive "${measured[@]}" || say "WARNING: $server died while holding idle connections"
    kill -TERM "$client" 2>/dev/null || true
    wait "$client" 2>/dev/null || true
    sleep 3
    closed=$(rss_kb "${measured[@]}")
    opened=$(sed -n 's/^READY opened=\([0-9]*\).*/\1/p' "$out")
    failed=$(sed -n 's/^READY .*failed=\([0-9]*\).*/\1/p' "$out")
    limit=$(sed -n 's/^READY .*limit=\(.*\)$/\1/p' "$out")
    still=$(sed -n 's/^DONE still_open=\([0-9]*\).*/\1/p' "$out")
    printf '{"server":"%s","requested":%d,"opened":%d,"failed":%d,"limit":"%s","before_kb":%d,"held_kb":%d,"closed_kb":%d,"still_open":%s}\n' \
        "$server" "$BENCH_IDLE_CONNS" "${opened:-0}" "${failed:-0}" "$limit" "$before" "$held" "$closed" "${still:-null}" >>"$results/rss.jsonl"
    say "idle $server: $opened connections held (failed $failed, $limit); RSS ${before} -> ${held} KiB -> ${closed} KiB after close; still open at end: ${still:-?}"
}

wanted() { [[ ",$BENCH_SCENARIOS," == *",$1,"* ]]; }

# alternate_rounds SERVERS COMMAND...: for each of the SERVERS (space-separated), an unrecorded warm-up,
# `COMMAND... SERVER 0 BENCH_WARMUP`; then BENCH_ROUNDS rounds of `COMMAND... SERVER ROUND BENCH_SECONDS record`, the
# servers one after the other and their order reversed every other round, so that neither always runs second.
alternate_rounds() {
    local servers order round server i
    read -r -a servers <<<"$1"
    shift
    for server in "${servers[@]}"; do
        ((BENCH_WARMUP > 0)) && "$@" "$server" 0 "$BENCH_WARMUP"
    done
    for ((round = 1; round <= BENCH_ROUNDS; round++)); do
        order=("${servers[@]}")
        if ((round % 2 == 0)); then
            order=()
            for ((i = ${#servers[@]} - 1; i >= 0; i--)); do order+=("${servers[i]}"); done
        fi
        for server in "${order[@]}"; do
            "$@" "$server" "$round" "$BENCH_SECONDS" record
        done
    done
}
