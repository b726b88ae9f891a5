#!/usr/bin/env bash
# abusive-client.sh — one abusive client against one normal client on the same server (issue 15): does the abuser
# take latency, connections or buffers from the other? Measured with the per-client limits on and, as the peer,
# with them off, in one run.
#
#   bench/abusive-client.sh                          # 10 s a pass, six passes (~2 min)
#   bench/abusive-client.sh --duration 20s --rate-limit 500 --flood-connections 20000
#   bench/abusive-client.sh --help
#
# Two addresses are added to lo for the run (removed at the end): the normal client connects to 10.77.0.2, the
# abuser to 10.77.0.3, so the server sees two distinct non-loopback clients (loopback is exempt from the limits).
# `atlas serve --listen 0.0.0.0:PORT --cores 1` is pinned to CPU 0; both clients share CPU 1, the abuser's wrk at
# nice 19 so it cannot delay the normal client's own sends (what is measured is the server, not the client box).
# The normal client is `atlas bench --rate R/s` (open loop, Poisson arrivals: latency includes queueing, no
# coordinated omission) over NAMES 1 KiB objects. For each server (limits: --rate-limit and
# --max-connections-per-client as given; no limits: both 0/off) three passes:
#   quiet        the normal client alone
#   requests     and the abuser: wrk -t1 -c200 as fast as it can (keep-alive GETs)
#   connections  and the abuser: wrk -t1 -c10000 (--flood-connections), reconnecting whatever is closed
# After each flood the script waits until the server holds no connection of the abuser and checks that no I/O
# buffer is still in use (atlas_io_buffer_bytes_in_use back to 0: no leak). The table: the normal client's p50/p99/
# p99.9 and errors, its p99 over its quiet p99 (the issue asks ≤ 2× with limits on), the abuser's 2xx/s and what
# the server refused (atlas_access_refused_total by reason). Needs root (ip addr, ulimit -n), JDK 25, wrk, curl,
# jq, iproute2, util-linux (taskset).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROG=abusive-client

DURATION=10s
RATE=500
RATE_LIMIT=1000
MAX_CONNS=1000
FLOOD_REQUESTS_CONNS=200
FLOOD_CONNS=10000
NAMES=100
ENGINE=uring
SERVER_CPU=0
CLIENT_CPU=1
NORMAL_ADDR=10.77.0.2
ABUSER_ADDR=10.77.0.3
JAR=""
WORKDIR_PARENT="${TMPDIR:-/tmp}"
KEEP=0

usage() {
  cat <<EOF
usage: bench/abusive-client.sh [options]
      --duration T            measured time per pass (default $DURATION)
      --rate R                the normal client's requests per second (default $RATE)
      --rate-limit N          atlas serve --rate-limit on the server with limits (default $RATE_LIMIT)
      --max-connections N     atlas serve --max-connections-per-client there (default $MAX_CONNS)
      --flood-connections N   the abuser's connections in the connection flood (default $FLOOD_CONNS)
      --names N               1 KiB objects both clients ask for (default $NAMES)
      --engine E              atlas serve --engine uring|nio|auto (default $ENGINE)
      --server-cpu C          CPU for atlas serve (default $SERVER_CPU); --client-cpu C for both clients ($CLIENT_CPU)
      --jar PATH              measure this atlas.jar (default: target/atlas.jar, rebuilt by ./atlas when stale)
      --workdir DIR           where the temporary directory goes (default $WORKDIR_PARENT)
      --keep                  keep the temporary directory (logs, client reports)
  -h, --help                  this text
EOF
}

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="${2:?}"; shift 2 ;;
    --rate) RATE="${2:?}"; shift 2 ;;
    --rate-limit) RATE_LIMIT="${2:?}"; shift 2 ;;
    --max-connections) MAX_CONNS="${2:?}"; shift 2 ;;
    --flood-connections) FLOOD_CONNS="${2:?}"; shift 2 ;;
    --names) NAMES="${2:?}"; shift 2 ;;
    --engine) ENGINE="${2:?}"; shift 2 ;;
    --server-cpu) SERVER_CPU="${2:?}"; shift 2 ;;
    --client-cpu) CLIENT_CPU="${2:?}"; shift 2 ;;
    --jar) JAR="${2:?}"; shift 2 ;;
    --workdir) WORKDIR_PARENT="${2:?}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done

SECS="$(seconds "$DURATION")"; [[ -n "$SECS" && "$SECS" -gt 0 ]] || die "--duration looks like 10s"
for v in RATE RATE_LIMIT MAX_CONNS FLOOD_CONNS NAMES; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--$(tr '_A-Z' '-a-z' <<<"$v") must be a positive integer"
done
case "$ENGINE" in uring|nio|auto) ;; *) die "--engine is uring, nio or auto" ;; esac
[[ "$(id -u)" == 0 ]] || die "run as root: the two client addresses are added to lo"

missing=()
for t in wrk:wrk curl:curl jq:jq ip:iproute2 taskset:util-linux; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t%%:*} (apt-get install -y ${t#*:})")
done
check_jdk_and_jar
if [[ ${#missing[@]} -gt 0 ]]; then
  for m in "${missing[@]}"; do echo "$PROG: missing: $m" >&2; done
  exit 2
fi
# Each process needs its own fds: wrk one per connection, the server (without limits) one per accepted connection.
NEED_FDS=$((FLOOD_CONNS + 2048))
ulimit -n "$NEED_FDS" 2>/dev/null || (( $(ulimit -n) >= NEED_FDS )) \
  || die "ulimit -n is $(ulimit -n) (hard $(ulimit -Hn)); $NEED_FDS are needed for --flood-connections $FLOOD_CONNS"

mkdir -p "$WORKDIR_PARENT"
WORK="$(mktemp -d "$WORKDIR_PARENT/atlas-abuse.XXXXXX")"
ADDED=()
FLOOD_PID=""
cleanup() {
  [[ -n "$FLOOD_PID" ]] && kill "$FLOOD_PID" 2>/dev/null || true
  atlas_stop
  local a; for a in "${ADDED[@]}"; do ip addr del "$a/32" dev lo 2>/dev/null || true; done
  if [[ "$KEEP" == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for a in "$NORMAL_ADDR" "$ABUSER_ADDR"; do
  if ! ip -4 -o addr show dev lo | grep -q " $a/"; then
    ip addr add "$a/32" dev lo || die "cannot add $a to lo"
    ADDED+=("$a")
  fi
done
prepare_jar
PORT="$(free_port)"
head -c 1024 /dev/urandom >"$WORK/body"
for i in $(seq 0 $((NAMES - 1))); do echo "/small/obj-$i"; done >"$WORK/urls"

declare -a ROWS=()
pass() { # $1 server label, $2 flood: quiet|requests|connections → a row in ROWS
  local label="$1" flood="$2" report="$WORK/$1-$2.json" before_rl before_conn
  before_rl="$(metric_sum "$ATLAS_ADMIN_URL" atlas_access_refused_total 'reason="rate_limited"')"
  before_conn="$(metric_sum "$ATLAS_ADMIN_URL" atlas_access_refused_total 'reason="connections"')"
  FLOOD_PID=""
  case "$flood" in
    requests) nice -n 19 taskset -c "$CLIENT_CPU" wrk -t1 -c"$FLOOD_REQUESTS_CONNS" -d$((SECS + 3))s \
                "http://$ABUSER_ADDR:$PORT/small/obj-1" >"$WORK/$label-$flood.wrk" 2>&1 & FLOOD_PID=$! ;;
    connections) nice -n 19 taskset -c "$CLIENT_CPU" wrk -t1 -c"$FLOOD_CONNS" -d$((SECS + 3))s --timeout 5s \
                   "http://$ABUSER_ADDR:$PORT/small/obj-1" >"$WORK/$label-$flood.wrk" 2>&1 & FLOOD_PID=$! ;;
  esac
  # The normal client: 2 s of warm-up (its JIT, and the flood getting going), then the measured run.
  taskset -c "$CLIENT_CPU" "${JAVA[@]}" bench --rate "$RATE/s" -c 20 -d "${SECS}s" --warmup 2s --json \
    --urls "$WORK/urls" --server "http://$NORMAL_ADDR:$PORT/" >"$report" 2>"$WORK/$label-$flood.bench.err" \
    || { tail -n 5 "$WORK/$label-$flood.bench.err" >&2; die "the normal client's atlas bench failed ($label, $flood)"; }
  local abuser_ok="-"
  if [[ -n "$FLOOD_PID" ]]; then
    wait "$FLOOD_PID" 2>/dev/null || true
    FLOOD_PID=""
    local total non2xx
    total="$(awk '/requests in/ { print $1 }' "$WORK/$label-$flood.wrk")"
    non2xx="$(awk '/Non-2xx or 3xx/ { print $NF }' "$WORK/$label-$flood.wrk")"
    abuser_ok="$(awk -v t="${total:-0}" -v n="${non2xx:-0}" -v s="$((SECS + 3))" 'BEGIN { printf "%.0f", (t - n) / s }')"
  fi
  # Nothing of the abuser's may stay behind: its connections go (wrk has exited), and with them every buffer.
  local active="" inuse=""
  for _ in $(seq 1 300); do
    active="$(metric_sum "$ATLAS_ADMIN_URL" atlas_connections_active)"
    inuse="$(metric_sum "$ATLAS_ADMIN_URL" atlas_io_buffer_bytes_in_use)"
    [[ "$active" == 1 && "$inuse" == 0 ]] && break # the one connection is this scrape's own, on the admin listener
    sleep 0.1
  done
  local rl conn
  rl=$(( $(metric_sum "$ATLAS_ADMIN_URL" atlas_access_refused_total 'reason="rate_limited"') - before_rl ))
  conn=$(( $(metric_sum "$ATLAS_ADMIN_URL" atlas_access_refused_total 'reason="connections"') - before_conn ))
  ROWS+=("$label $flood $(jq -r '[.latencyMicros.p50, .latencyMicros.p99, .latencyMicros["p99.9"], .errors.total,
    .requestsPerSecond] | map(tostring) | join(" ")' "$report") $abuser_ok $rl $conn $active $inuse")
  note "$label/$flood: normal p99 $(jq .latencyMicros.p99 "$report") us; abuser ${abuser_ok} 2xx/s; refused: $rl rate, $conn connections; after: $((active - 1)) connections, $inuse buffer bytes in use"
}

serve() { # $1 label, limits… → a server on 0.0.0.0:PORT with the NAMES objects
  rm -rf "$WORK/data"
  atlas_start "$WORK/$1.log" "$SERVER_CPU" --data "$WORK/data" --listen "0.0.0.0:$PORT" --admin-listen 127.0.0.1:0 \
    --no-demo --cores 1 --engine "$ENGINE" --access-log off "${@:2}"
  local i code
  for i in $(seq 0 $((NAMES - 1))); do
    code="$(curl -s -o /dev/null -w '%{http_code}' -T "$WORK/body" "$ATLAS_URL/small/obj-$i")"
    [[ "$code" == 201 || "$code" == 204 ]] || die "seeding small/obj-$i: HTTP $code"
  done
}

serve limits --rate-limit "$RATE_LIMIT" --max-connections-per-client "$MAX_CONNS"
for f in quiet requests connections; do pass limits "$f"; done
atlas_stop
serve no-limits --max-connections-per-client 0
for f in quiet requests connections; do pass no-limits "$f"; done
atlas_stop

echo
echo "abusive-client: normal client $RATE req/s open loop (20 connections) from $NORMAL_ADDR; abuser from $ABUSER_ADDR:"
echo "  requests = wrk -c$FLOOD_REQUESTS_CONNS, connections = wrk -c$FLOOD_CONNS; limits = --rate-limit $RATE_LIMIT"
echo "  --max-connections-per-client $MAX_CONNS; ${SECS}s a pass, engine $ENGINE, server CPU $SERVER_CPU, clients CPU $CLIENT_CPU"
echo "  $JAR_DESC"
printf '%-10s %-12s %9s %9s %9s %7s %9s %10s %10s %9s %9s\n' server abuser 'p50 us' 'p99 us' 'p99.9 us' errors \
  'p99/quiet' 'abuser 2xx/s' 'refused:rl' 'refused:conn' 'leftover'
quiet_p99=""
for row in "${ROWS[@]}"; do
  read -r label flood p50 p99 p999 errs _ abuser rl conn active inuse <<<"$row"
  [[ "$flood" == quiet ]] && quiet_p99="$p99"
  ratio="$(awk -v a="$p99" -v b="$quiet_p99" 'BEGIN { printf "%.2f×", a / b }')"
  leftover="$(( active - 1 ))c/${inuse}B"
  printf '%-10s %-12s %9s %9s %9s %7s %9s %10s %10s %9s %9s\n' "$label" "$flood" "$p50" "$p99" "$p999" "$errs" \
    "$ratio" "$abuser" "$rl" "$conn" "$leftover"
done
