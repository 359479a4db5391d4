# Shared by bench/restarts and bench/modes: one Lurcher (release build) with a hello pool in a temp folder,
# loaded by wrk, with its figures turned into table rows. Source it; it sets `work` and a cleanup trap.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

scripts/install-dependencies
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# BENCH_BIN_DIR: take lurcher and hello-handler from there (an A/B of two builds) instead of building.
if [[ -z "${BENCH_BIN_DIR:-}" ]]; then
    swift build -c release --product lurcher >/dev/null
    swift build -c release --product hello-handler >/dev/null
fi
bin=${BENCH_BIN_DIR:-$PWD/.build/release}

# HANDLER=c puts the minimal C handler (bench/c-handler, push mode only) in the pool instead of hello-handler: the
# supervisor hands it its endpoints in the environment, the C handler takes them as arguments.
work=$(mktemp -d /tmp/lurcher-bench.XXXXXX)
handler_command="[\"$bin/hello-handler\"]"
if [[ ${HANDLER:-swift} == c ]]; then
    cc -O2 -Wall -o "$work/c-handler" bench/c-handler/handler.c -lzmq
    handler_command="['/bin/sh', '-c', 'exec \"\$0\" \"\$LURCHER_SEND_SPEC\" \"\$LURCHER_RECV_SPEC\"', '$work/c-handler']"
fi
# ACCESS_LOG=1 gives the gateway a combined access log in the temp folder, as bench/run's has.
access_log=""
[[ ${ACCESS_LOG:-0} == 1 ]] && access_log=$'[access_log]\n'"path = \"$work/access.log\""
gateway_pid=""
stop_gateway() {
    if [[ -n "$gateway_pid" ]]; then
        kill -TERM "$gateway_pid" 2>/dev/null || true
        wait "$gateway_pid" 2>/dev/null || true
    fi
    gateway_pid=""
}
cleanup() {
    stop_gateway
    [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT INT TERM

# start_gateway MODE PROCESSES CONCURRENCY: a hello pool in push or broker mode, each process taking
# CONCURRENCY requests at once; waits until every process can take requests and sets `url` and `port`.
start_gateway() {
    local mode=$1 processes=$2 concurrency=$3 endpoints
    rm -f "$work"/*.sock "$work"/requests "$work"/replies
    endpoints="send_spec = \"ipc://$work/requests\""
    [[ $mode == push ]] && endpoints+=$'\n'"recv_spec = \"ipc://$work/replies\""
    cat > "$work/lurcher.toml" <<TOML
[server]
listen = "127.0.0.1:0"
control = "$work/control.sock"
$access_log
[timeouts]
hold = 5
reply = 2
[[hosts]]
name = "localhost"
[hosts.routes]
"/hello" = { handler = "hello" }
[handlers.hello]
mode = "$mode"
$endpoints
send_ident = "bench-hello"
command = $handler_command
processes = $processes
environment = { LURCHER_MAX_CONCURRENT_REQUESTS = "$concurrency" }
TOML
    "$bin/lurcher" start --config "$work/lurcher.toml" 2> "$work/lurcher-$mode.log" &
    gateway_pid=$!
    for _ in $(seq 100); do grep -q "listening on" "$work/lurcher-$mode.log" 2>/dev/null && break; sleep 0.1; done
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/lurcher-$mode.log" | grep -o '[0-9]*$' || true)
    [[ -n "$port" ]] || { echo "lurcher did not start:"; cat "$work/lurcher-$mode.log"; exit 1; }
    url="http://127.0.0.1:$port/hello"
    for _ in $(seq 100); do
        [[ $(ctl status --json | python3 -c 'import json,sys; print(sum(p["state"] == "ready" for p in json.load(sys.stdin)["pools"][0]["processes"]))') == "$processes" ]] && break
        sleep 0.1
    done
}

ctl() { "$bin/lurcher" ctl "$@" --socket "$work/control.sock"; }

# run_wrk SECONDS OUTPUT [LUA]: one bounded wrk run at $CONNECTIONS connections.
run_wrk() {
    local script=()
    [[ -n "${3:-}" ]] && script=(-s "$3")
    wrk -t1 -c"$CONNECTIONS" -d"$1"s --timeout 5s --latency "${script[@]}" "$url" > "$2"
}

# summarise FILE LABEL...: one markdown row: labels, requests/s, answered, failed, socket errors, p50, p99.
summarise() {
    local file=$1 rps requests non2xx errors p50 p99
    shift
    rps=$(awk '/Requests\/sec/ {print $2}' "$file")
    requests=$(grep -o '[0-9]* requests in' "$file" | cut -d' ' -f1)
    non2xx=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$file" | grep -o '[0-9]*$' || echo 0)
    errors=$(grep -o 'Socket errors:.*' "$file" | sed 's/Socket errors: //' || echo "none")
    p50=$(awk '/ 50%/ {print $2}' "$file")
    p99=$(awk '/ 99%/ {print $2}' "$file")
    printf '| %s ' "$@"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$rps" "$requests" "${non2xx:-0}" "${errors:-none}" "$p50" "$p99"
}
