#!/usr/bin/env bash
# ingest-vs-redis.sh — durable ingest: Atlas PUTs vs Redis SET with `appendfsync always` vs a naive server (one
# write + one fdatasync per request) vs the device's fdatasync-per-write limit (fio), same sizes and connection
# counts, in one run, alternating (issue 6, DESIGN.md §5).
#
#   bench/ingest-vs-redis.sh                                  # 1k,64k × 1,50,500 connections, 10 s each (~6 min)
#   bench/ingest-vs-redis.sh --sizes 4k --conns 1,64 --duration 5s
#   bench/ingest-vs-redis.sh --help                           # every option
#
# For every (size, connections) cell, on 127.0.0.1, in a fresh temporary directory (removed at the end unless
# --keep), four passes — the order rotates from cell to cell (atlas,redis,naive,fio / fio,naive,redis,atlas / …):
#   atlas  a fresh volume; `atlas serve --no-demo --cores C --engine E`; a short wrk warm-up, then
#          `wrk -t1 -cN -dD --latency` (-t2 from 500 connections) with a Lua script that PUTs a fixed body of the
#          size to rotating names /ingest/c<N>/<0..names-1>. Atlas answers 201/204 only once the body
#          (O_DIRECT+O_DSYNC) and its journal entry are durable. wrk's non-2xx count (its "Non-2xx or 3xx"
#          counter, i.e. status ≥ 400) and socket errors must be 0; one object is read back and compared.
#   redis  a fresh `redis-server --appendonly yes --appendfsync always --save '' --dir TMP` (otherwise its
#          defaults, as a user would run it), checked with CONFIG GET; a calibration run of redis-benchmark
#          sizes -n so the measured run lasts about the duration: `redis-benchmark -t set -d SIZE -c N
#          -r <names> -P 1 --csv --precision 3` (--threads 2 from 500 connections, like wrk).
#   naive  bench/naive-put-server.c, compiled here with gcc: a thread per connection, minimal HTTP/1.1 keep-alive,
#          and per PUT one write(2) appending the body to a log file plus one fdatasync(2), then 201 — what a
#          straightforward durable server does. Same wrk command and Lua script as Atlas; the log must hold at
#          least requests × size bytes afterwards.
#   fio    `fio --rw=write --bs=SIZE --fdatasync=1 --overwrite=1 --size=16m --time_based --runtime=D
#          --numjobs=min(N,16)` in the same file system as the data directories: the device's limit for one
#          write + one fdatasync per request, with N parallel flushers for N > 1. --overwrite=1 lays each file out
#          (written) before the timed run, so the limit is not slowed by converting fallocated space on first
#          write — Atlas writes into written space too (see DataFile), so this is the stricter, fair limit; 16 MiB
#          per job keeps that layout (and the discards when it is deleted) small: the writes wrap around it.
# Then one table: ops/s and p50/p99 latency (ms) of each, fio ops/s, the ratios Atlas/Redis, Atlas/naive and
# Atlas/fio, and the issue's targets (500 connections: ≥ 2× Redis ops/s with p99 ≤ Redis p99; 1 connection:
# ≥ 0.9× fio). Exit status 1 when an Atlas or naive pass saw a non-2xx answer or a socket error, 2 on a setup
# failure. Needs: JDK 25 (JAVA_HOME or /usr/lib/jvm/*25*), wrk, fio, jq, curl, gcc, redis-server +
# redis-benchmark + redis-cli (Debian: apt-get install -y redis-server). Maven only when target/atlas.jar must be
# (re)built.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROG=ingest-vs-redis

SIZES="1k,64k"
CONNS="1,50,500"
DURATION=10s
WARMUP=5s
ENGINE=uring
CORES=1
NAMES=10000
JAR=""
WORKDIR_PARENT="${TMPDIR:-/tmp}"
KEEP=0

usage() {
  cat <<EOF
usage: bench/ingest-vs-redis.sh [options]
      --sizes LIST      body / value / block sizes: bytes, or with k or m suffix (KiB, MiB) (default $SIZES)
      --conns LIST      connection counts (default $CONNS)
      --duration T      measured time per pass: 10s, 1m or seconds (default $DURATION)
      --warmup T        Atlas wrk warm-up before each measured pass, 0 to skip (default $WARMUP: long enough
                        for the JIT to finish compiling the PUT path, whose compiler threads otherwise steal
                        the CPU and show up as 4 ms stalls in p99); Redis gets its calibration run instead
      --engine E        atlas serve --engine uring|nio|auto (default $ENGINE)
      --cores N         atlas serve --cores (default $CORES)
      --names N         rotating names (Atlas) and keys (Redis -r) per cell (default $NAMES)
      --jar PATH        measure this atlas.jar (copied to the work directory first). Default: build
                        target/atlas.jar with ./atlas when the sources are newer, then copy and measure it
      --workdir DIR     where the temporary directory goes (default $WORKDIR_PARENT); data and fio files live
                        there, so that is the file system being measured
      --keep            keep the temporary directory (logs, Lua script; the data is deleted after each pass)
  -h, --help            this text
EOF
}

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) SIZES="${2:?}"; shift 2 ;;
    --conns) CONNS="${2:?}"; shift 2 ;;
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --engine) ENGINE="${2:?}"; shift 2 ;;
    --cores) CORES="${2:?}"; shift 2 ;;
    --names) NAMES="${2:?}"; shift 2 ;;
    --jar) JAR="${2:?}"; shift 2 ;;
    --workdir) WORKDIR_PARENT="${2:?}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done

human() { # bytes → 1k / 64k / 1m / 1000
  if (( $1 % 1048576 == 0 )); then echo "$(($1 / 1048576))m"
  elif (( $1 % 1024 == 0 )); then echo "$(($1 / 1024))k"
  else echo "$1"; fi
}

SECS="$(seconds "$DURATION")"; [[ -n "$SECS" && "$SECS" -gt 0 ]] || die "--duration looks like 10s"
WARM="$(seconds "$WARMUP")"; [[ -n "$WARM" ]] || die "--warmup looks like 2s or 0"
[[ "$CORES" =~ ^[1-9][0-9]*$ ]] || die "--cores must be a positive integer"
[[ "$NAMES" =~ ^[1-9][0-9]*$ ]] || die "--names must be a positive integer"
case "$ENGINE" in uring|nio|auto) ;; *) die "--engine is uring, nio or auto" ;; esac
IFS=, read -r -a SIZE_LIST <<<"$SIZES"
IFS=, read -r -a CONN_LIST <<<"$CONNS"
declare -a SIZE_BYTES=()
for s in "${SIZE_LIST[@]}"; do
  b="$(bytes_of "$s")"; [[ -n "$b" ]] || die "bad size '$s' (use 1024, 1k, 64k, 1m)"
  SIZE_BYTES+=("$b")
done
for c in "${CONN_LIST[@]}"; do [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "bad connection count '$c'"; done

# ---- tools: say everything that is missing at once ------------------------------------------------------------
missing=()
for t in wrk:wrk fio:fio jq:jq curl:curl gcc:gcc redis-server:redis-server redis-benchmark:redis-server redis-cli:redis-tools; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t%%:*} (apt-get install -y ${t#*:})")
done
check_jdk_and_jar
if [[ ${#missing[@]} -gt 0 ]]; then
  for m in "${missing[@]}"; do echo "$PROG: missing: $m" >&2; done
  exit 2
fi
ulimit -n 65536 2>/dev/null || true
max_conn=0; for c in "${CONN_LIST[@]}"; do (( c > max_conn )) && max_conn=$c; done
(( $(ulimit -n) > max_conn + 64 )) || die "open-file limit $(ulimit -n) is too low for $max_conn connections (ulimit -n)"

# ---- work directory, cleanup ------------------------------------------------------------------------------------
mkdir -p "$WORKDIR_PARENT"
WORK="$(mktemp -d "$WORKDIR_PARENT/atlas-ingest.XXXXXX")"
SERVER_PID=""
stop_server() { # SIGTERM (Atlas stops gracefully, Redis flushes its AOF), SIGKILL after 15 s
  [[ -n "$SERVER_PID" ]] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cleanup() {
  stop_server
  if [[ "$KEEP" == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

avail_gb="$(df -Pk "$WORK" | awk 'NR == 2 {printf "%d", $4 / 1048576}')"
(( avail_gb >= 20 )) || note "only ${avail_gb} GiB free under $WORK; 64 KiB passes can write several GiB each"

# ---- the jar: build if stale (./atlas does that), then measure a private copy -------------------------------------
prepare_jar
NAIVE="$WORK/naive-put-server"
gcc -O2 -pthread -o "$NAIVE" "$ROOT/bench/naive-put-server.c" 2>"$WORK/naive-build.log" \
  || { cat "$WORK/naive-build.log" >&2; die "compiling bench/naive-put-server.c failed"; }

threads_for() { if (( $1 >= 500 )); then echo 2; else echo 1; fi; }

# ---- wrk Lua script (one per cell: size and connection count are baked in) -----------------------------------------
write_lua() { # $1 size, $2 conns, $3 threads → path
  local lua="$WORK/put-$(human "$1")-c$2.lua"
  cat >"$lua" <<EOF
-- PUT a fixed $1-byte body to /ingest/c$2/<n>, n rotating over $NAMES names; threads interleave their n.
local body = string.rep("a", $1)
local headers = { ["Content-Type"] = "application/octet-stream" }
local prefix = "/ingest/c$2/"
local names, nthreads = $NAMES, $3
local created = 0
setup = function(thread) thread:set("tid", created); created = created + 1 end
local n = 0
request = function()
  local name = prefix .. ((n * nthreads + (tid or 0)) % names)
  n = n + 1
  return wrk.format("PUT", name, headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d sockerr=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
EOF
  echo "$lua"
}

# ---- passes: each sets RES_OPS RES_P50 RES_P99 (ms) and, for atlas, RES_NON2XX RES_SOCKERR --------------------------
pass_atlas() { # $1 size, $2 conns
  local size="$1" conns="$2" threads lua data log url out line code
  threads="$(threads_for "$conns")"
  lua="$(write_lua "$size" "$conns" "$threads")"
  data="$WORK/atlas-$(human "$size")-c$conns"
  log="$WORK/atlas-$(human "$size")-c$conns.log"
  "${JAVA[@]}" serve --data "$data" --listen 127.0.0.1:0 --no-demo --cores "$CORES" --engine "$ENGINE" >"$log" 2>&1 &
  SERVER_PID=$!
  url=""
  for _ in $(seq 1 300); do
    url="$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$log" | head -n 1 || true)"
    [[ -n "$url" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "atlas serve exited"; }
    sleep 0.1
  done
  [[ -n "$url" ]] || die "atlas printed no URL within 30 s (see $log)"
  url="${url%/}"
  [[ -n "${ATLAS_ENGINE_LINE:-}" ]] || ATLAS_ENGINE_LINE="$(grep -m1 'engine' "$log" | sed 's/^atlas: //' || true)"
  # The body that the Lua script sends; one PUT + GET round trip before the load.
  head -c "$size" /dev/zero | tr '\0' a >"$WORK/body"
  code="$(curl -s -o /dev/null -w '%{http_code}' -T "$WORK/body" "$url/ingest/probe")"
  [[ "$code" == 201 || "$code" == 204 ]] || die "atlas answered $code to a probe PUT (see $log)"
  run_wrk atlas "$url" "$lua" "$threads" "$conns" "$size" "$log"
  # What was acknowledged is there: one of the first names (wrk may skip n = 0) reads back as the body sent.
  local i found=""
  for i in $(seq 0 $((threads * 4 + 4))); do
    if curl -fs -o "$WORK/readback" "$url/ingest/c$conns/$i"; then found="$i"; break; fi
  done
  [[ -n "$found" ]] || die "atlas has none of /ingest/c$conns/0..$((threads * 4 + 4)) after $RES_REQUESTS acknowledged PUTs"
  cmp -s "$WORK/readback" "$WORK/body" || die "atlas returns other bytes than were PUT for /ingest/c$conns/$found"
  stop_server
  rm -rf "$data"
}

run_wrk() { # $1 name, $2 url, $3 lua, $4 threads, $5 conns, $6 size, $7 log → RES_OPS RES_P50 RES_P99 RES_NON2XX RES_SOCKERR RES_REQUESTS
  local name="$1" url="$2" lua="$3" threads="$4" conns="$5" size="$6" log="$7" out line
  if (( WARM > 0 )); then
    timeout $((WARM + 60)) wrk -t"$threads" -c"$conns" -d"${WARM}s" --timeout 10s -s "$lua" "$url" >/dev/null 2>&1 \
      || note "$name warm-up wrk failed (continuing)"
  fi
  out="$(timeout $((SECS + 90)) wrk -t"$threads" -c"$conns" -d"${SECS}s" --timeout 10s --latency -s "$lua" "$url" 2>&1)" \
    || { echo "$out" >&2; die "wrk failed against $name ($(human "$size"), $conns connections)"; }
  echo "$out" >"$log.wrk"
  line="$(grep '^BENCH ' <<<"$out" || true)"
  [[ -n "$line" ]] || { echo "$out" >&2; die "no result line from wrk against $name"; }
  local requests duration_us p50_us p99_us non2xx sockerr
  eval "$(sed 's/^BENCH //' <<<"$line")"
  RES_OPS="$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')"
  RES_P50="$(awk -v v="$p50_us" 'BEGIN { printf "%.3f", v / 1000 }')"
  RES_P99="$(awk -v v="$p99_us" 'BEGIN { printf "%.3f", v / 1000 }')"
  RES_NON2XX="$non2xx"; RES_SOCKERR="$sockerr"; RES_REQUESTS="$requests"
}

pass_naive() { # $1 size, $2 conns
  local size="$1" conns="$2" threads lua port data log url code have need
  threads="$(threads_for "$conns")"
  lua="$(write_lua "$size" "$conns" "$threads")"
  port="$(free_port)"
  data="$WORK/naive-$(human "$size")-c$conns.data"
  log="$WORK/naive-$(human "$size")-c$conns.log"
  "$NAIVE" "$port" "$data" >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    grep -q '^listening on' "$log" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "naive-put-server exited"; }
    sleep 0.1
  done
  url="http://127.0.0.1:$port"
  head -c "$size" /dev/zero | tr '\0' a >"$WORK/body"
  code="$(curl -s -o /dev/null -w '%{http_code}' -T "$WORK/body" "$url/ingest/probe")"
  [[ "$code" == 201 ]] || die "naive-put-server answered $code to a probe PUT (see $log)"
  run_wrk naive "$url" "$lua" "$threads" "$conns" "$size" "$log"
  stop_server
  # Every acknowledged body is in the log (plus the probe, the warm-up and requests cut off at the end).
  have="$(stat -c %s "$data")"; need=$(( RES_REQUESTS * size ))
  (( have >= need )) || die "naive-put-server's log has $have bytes, fewer than $RES_REQUESTS × $size acknowledged"
  rm -f "$data"
}

redis_bench() { # $1 port, $2 size, $3 conns, $4 threads, $5 requests, $6 timeout → the SET csv line
  local tflag=()
  (( $4 > 1 )) && tflag=(--threads "$4")
  timeout "$6" redis-benchmark -h 127.0.0.1 -p "$1" -t set -d "$2" -c "$3" "${tflag[@]}" -n "$5" -r "$NAMES" -P 1 \
    --csv --precision 3 2>&1 | tr -d '\r' | grep '^"SET"' || true
}

pass_redis() { # $1 size, $2 conns
  local size="$1" conns="$2" threads port dir fsync calib n csv
  threads="$(threads_for "$conns")"
  port="$(free_port)"
  dir="$WORK/redis-$(human "$size")-c$conns"
  mkdir -p "$dir"
  redis-server --bind 127.0.0.1 --port "$port" --appendonly yes --appendfsync always --save '' --dir "$dir" \
    --daemonize no --logfile "$dir.log" --maxclients 10000 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$dir.log" >&2; die "redis-server exited"; }
    sleep 0.1
  done
  fsync="$(redis-cli -h 127.0.0.1 -p "$port" config get appendfsync | tail -n 1)"
  [[ "$fsync" == always ]] || die "redis appendfsync is '$fsync', not always"
  # Calibration (also the warm-up): a short run gives the rate, the measured run then lasts about the duration.
  calib=$(( conns * 20 > 1000 ? conns * 20 : 1000 ))
  csv="$(redis_bench "$port" "$size" "$conns" "$threads" "$calib" 120)"
  [[ -n "$csv" ]] || die "redis-benchmark calibration printed no SET line"
  n="$(awk -F'"' -v s="$SECS" -v c="$conns" '{ n = int($4 * s); if (n < c * 10) n = c * 10; print n }' <<<"$csv")"
  csv="$(redis_bench "$port" "$size" "$conns" "$threads" "$n" $((SECS * 4 + 60)))"
  [[ -n "$csv" ]] || die "redis-benchmark printed no SET line (or ran past $((SECS * 4 + 60)) s; see $dir.log)"
  echo "$csv" >"$dir.csv"
  stop_server
  rm -rf "$dir"
  # "SET","rps","avg","min","p50","p95","p99","max" (ms)
  RES_OPS="$(awk -F'"' '{ printf "%.0f", $4 }' <<<"$csv")"
  RES_P50="$(awk -F'"' '{ print $10 }' <<<"$csv")"
  RES_P99="$(awk -F'"' '{ print $14 }' <<<"$csv")"
}

pass_fio() { # $1 size, $2 conns
  local size="$1" conns="$2" jobs dir json
  jobs=$(( conns < 16 ? conns : 16 ))
  dir="$WORK/fio-$(human "$size")-c$conns"
  mkdir -p "$dir"
  json="$(timeout $((SECS + 120)) fio --name=fsync --directory="$dir" --ioengine=psync --rw=write --bs="$size" \
    --fdatasync=1 --overwrite=1 --size=16m --runtime="$SECS" --time_based --numjobs="$jobs" --group_reporting \
    --output-format=json 2>"$dir.err")" || { cat "$dir.err" >&2; die "fio failed"; }
  echo "$json" >"$dir.json"
  rm -rf "$dir"
  RES_OPS="$(jq -r '.jobs[0].write.iops | floor' <<<"$json")"
  # latency of the fdatasync call alone (the write before it goes to the page cache)
  RES_P50="$(jq -r '.jobs[0].sync.lat_ns.percentile["50.000000"] // 0 | . / 1e6 * 1000 | round / 1000' <<<"$json")"
  RES_P99="$(jq -r '.jobs[0].sync.lat_ns.percentile["99.000000"] // 0 | . / 1e6 * 1000 | round / 1000' <<<"$json")"
}

# ---- run ---------------------------------------------------------------------------------------------------------------
FS_TYPE="$(findmnt -no FSTYPE -T "$WORK" 2>/dev/null || true)"
FS_DESC="$(df -P "$WORK" | awk 'NR == 2 {print $1}') (${FS_TYPE:-$(stat -f -c %T "$WORK")})"
cells=$(( ${#SIZE_BYTES[@]} * ${#CONN_LIST[@]} ))
note "$cells cells × (atlas ${WARM}+${SECS} s, naive ${WARM}+${SECS} s, redis ~1+${SECS} s, fio ${SECS} s) ≈ $(( cells * (4 * SECS + 2 * WARM + 10) )) s; work dir $WORK on $FS_DESC"
note "jar $JAR_DESC; JDK $JDK"
declare -A OPS=() P50=() P99=() NON2XX=() SOCKERR=()
BAD=0
cell=0
for size in "${SIZE_BYTES[@]}"; do
  for conns in "${CONN_LIST[@]}"; do
    cell=$((cell + 1))
    case $(( (cell - 1) % 4 )) in
      0) order="atlas redis naive fio" ;; 1) order="fio naive redis atlas" ;;
      2) order="redis atlas fio naive" ;; 3) order="naive fio atlas redis" ;;
    esac
    for sys in $order; do
      "pass_$sys" "$size" "$conns"
      key="$sys,$size,$conns"
      OPS[$key]="$RES_OPS"; P50[$key]="$RES_P50"; P99[$key]="$RES_P99"
      extra=""
      if [[ "$sys" == atlas || "$sys" == naive ]]; then
        NON2XX[$key]="$RES_NON2XX"; SOCKERR[$key]="$RES_SOCKERR"
        extra=" non-2xx $RES_NON2XX, socket errors $RES_SOCKERR"
        (( RES_NON2XX == 0 && RES_SOCKERR == 0 )) || BAD=1
      fi
      note "$(printf '%-5s %4s × %3d conns: %9s ops/s  p50 %s ms  p99 %s ms%s' "$sys" "$(human "$size")" "$conns" "$RES_OPS" "$RES_P50" "$RES_P99" "$extra")"
    done
  done
done

# ---- table ---------------------------------------------------------------------------------------------------------------
echo
echo "Durable ingest — Atlas PUT vs Redis SET (appendonly, appendfsync always) vs naive PUT server (write+fdatasync)"
echo "vs fio write+fdatasync, ${SECS} s per pass"
echo "$(date -u '+%F %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), data on $FS_DESC"
echo "atlas --engine $ENGINE --cores $CORES [${ATLAS_ENGINE_LINE:-?}], jar $JAR_DESC"
echo "$(redis-server --version | awk '{print $1, $2, $3}'); $(fio --version); wrk -t1 (-t2 from 500 conns), redis-benchmark --threads likewise; $NAMES rotating names"
echo "gcc $(gcc -dumpversion) for the naive server; latencies in ms; fio p50/p99 = the fdatasync call alone; fio jobs = min(conns, 16)"
printf '%5s %5s | %9s %8s %8s %7s | %9s %8s %8s | %9s %8s %8s | %9s %8s %8s | %7s %7s %7s\n' \
  size conns "atlas/s" p50 p99 non-2xx "naive/s" p50 p99 "redis/s" p50 p99 "fio/s" p50 p99 "A/Redis" "A/naive" "A/fio"
for size in "${SIZE_BYTES[@]}"; do
  for conns in "${CONN_LIST[@]}"; do
    a="atlas,$size,$conns"; n="naive,$size,$conns"; r="redis,$size,$conns"; f="fio,$size,$conns"
    err="${NON2XX[$a]}"; (( ${SOCKERR[$a]} == 0 )) || err="$err+${SOCKERR[$a]}s"
    awk -v s="$(human "$size")" -v c="$conns" -v ao="${OPS[$a]}" -v a50="${P50[$a]}" -v a99="${P99[$a]}" -v e="$err" \
        -v no="${OPS[$n]}" -v n50="${P50[$n]}" -v n99="${P99[$n]}" \
        -v ro="${OPS[$r]}" -v r50="${P50[$r]}" -v r99="${P99[$r]}" -v fo="${OPS[$f]}" -v f50="${P50[$f]}" -v f99="${P99[$f]}" \
      'BEGIN { printf "%5s %5d | %9d %8.3f %8.3f %7s | %9d %8.3f %8.3f | %9d %8.3f %8.3f | %9d %8.3f %8.3f | %6.2f× %6.2f× %6.2f×\n",
               s, c, ao, a50, a99, e, no, n50, n99, ro, r50, r99, fo, f50, f99,
               (ro > 0 ? ao / ro : 0), (no > 0 ? ao / no : 0), (fo > 0 ? ao / fo : 0) }'
  done
done
# For scale: the naive server against the same device limit.
for size in "${SIZE_BYTES[@]}"; do
  for conns in "${CONN_LIST[@]}"; do
    if (( conns == 1 )); then
      awk -v s="$(human "$size")" -v no="${OPS[naive,$size,$conns]}" -v fo="${OPS[fio,$size,$conns]}" \
        'BEGIN { printf "naive %s × 1 conn: %.2f× the fio fdatasync limit (one write + one fdatasync per request, plus HTTP on loopback)\n", s, (fo > 0 ? no / fo : 0) }'
    fi
  done
done
# The issue's targets, where the table has the cells.
for size in "${SIZE_BYTES[@]}"; do
  for conns in "${CONN_LIST[@]}"; do
    a="atlas,$size,$conns"; r="redis,$size,$conns"; f="fio,$size,$conns"
    if (( conns >= 500 )); then
      awk -v s="$(human "$size")" -v c="$conns" -v ao="${OPS[$a]}" -v a99="${P99[$a]}" -v ro="${OPS[$r]}" -v r99="${P99[$r]}" \
        'BEGIN { ok = (ao >= 2 * ro && a99 <= r99)
                 printf "target %s × %d conns: ops ≥ 2× Redis (%.2f×) and p99 ≤ Redis p99 (%.3f vs %.3f ms): %s\n",
                        s, c, (ro > 0 ? ao / ro : 0), a99, r99, (ok ? "met" : "NOT met") }'
    elif (( conns == 1 )); then
      awk -v s="$(human "$size")" -v ao="${OPS[$a]}" -v fo="${OPS[$f]}" \
        'BEGIN { ok = (ao >= 0.9 * fo)
                 printf "target %s × 1 conn: ops ≥ 0.9× fio fdatasync limit (%.2f×): %s\n", s, (fo > 0 ? ao / fo : 0), (ok ? "met" : "NOT met") }'
    fi
  done
done
if (( BAD )); then
  echo "ERROR: some Atlas or naive pass had non-2xx answers or socket errors (column non-2xx; 'Ns' = socket errors)" >&2
  exit 1
fi
