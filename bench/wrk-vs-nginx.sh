#!/usr/bin/env bash
# wrk-vs-nginx.sh — Atlas against nginx on the same catalogue, in one run, alternating (DESIGN.md §5).
#
#   bench/wrk-vs-nginx.sh                      # 2000 × 300 KiB objects, 15 s passes, 100 connections
#   bench/wrk-vs-nginx.sh -n 1000 -d 10s       # smaller and quicker
#   bench/wrk-vs-nginx.sh --help               # every option
#
# What it does, all on 127.0.0.1, in a fresh temporary directory (removed at the end unless --keep):
#   1. writes a catalogue of N random objects (v/seg00000.ts …, SIZE bytes each) as plain files;
#   2. imports it offline into a fresh Atlas volume (`atlas import`), and serves the same directory with the
#      Debian nginx binary under two minimal configs of its own:
#        nginx-sendfile  `sendfile on` (what a user would run; the page cache does the work)
#        nginx-directio  `directio 4k; aio threads; output_buffers 2 256k;` (no page cache, like Atlas)
#   3. generates a wrk Lua script asking for uniformly random object URLs over persistent connections;
#   4. runs the passes (default: atlas, nginx-sendfile, nginx-directio, atlas). Each pass starts its server,
#      warms it up briefly, drops the page cache (`sync; echo 3 > /proc/sys/vm/drop_caches`; skipped with a
#      note when not permitted), then runs `wrk -t1 -c100 -d15s` while sampling the server's CPU time
#      (utime+stime of the server's processes from /proc/PID/stat) and `Cached` in /proc/meminfo;
#   5. prints one table: req/s, MB/s (10^6 B), p50/p99 latency, server CPU seconds per GB served, page-cache
#      growth during the pass ("Cached +MiB": /proc/meminfo, machine-wide, so other activity shows up too),
#      the served files' own resident page cache after the pass ("files' MiB": fincore on volume.dat or on
#      the catalogue; the cache was dropped before the pass), errors, then the ratio of Atlas (mean of its
#      passes) to each nginx variant for throughput and CPU per GB.
# Defaults are fair on a 2-vCPU box: Atlas `--cores 1`, nginx `worker_processes 1`, wrk one thread on the
# other core. Needs: JDK 25 (found by ./atlas), Maven (first build), wrk, nginx. Run as root to drop caches.
# Time: about passes × (duration + warm-up + ~5 s) plus catalogue creation and import.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ATLAS="$ROOT/atlas"

OBJECTS=2000
SIZE=$((300 * 1024))
DURATION=15s
WARMUP=2s
CONNECTIONS=100
THREADS=1
ATLAS_CORES=1
ATLAS_ENGINE=nio
NGINX_WORKERS=1
PASSES="atlas,nginx-sendfile,nginx-directio,atlas"
WORKDIR_PARENT="${TMPDIR:-/tmp}"
KEEP=0
DROP=1
ATLAS_JAR=""

usage() {
  cat <<EOF
usage: bench/wrk-vs-nginx.sh [options]
  -n, --objects N        catalogue size (default $OBJECTS)
  -s, --size BYTES       object size in bytes (default $SIZE = 300 KiB)
  -d, --duration T       wrk duration per pass, e.g. 15s (default $DURATION)
  -w, --warmup T         wrk warm-up before each pass, before the cache drop; 0 to skip (default $WARMUP)
  -c, --connections N    wrk connections (default $CONNECTIONS)
  -t, --threads N        wrk threads (default $THREADS)
      --atlas-cores N    atlas serve --cores (default $ATLAS_CORES)
      --engine E         atlas serve --engine nio|uring|auto (default $ATLAS_ENGINE)
      --nginx-workers N  nginx worker_processes (default $NGINX_WORKERS)
      --passes LIST      comma-separated: atlas, nginx-sendfile, nginx-directio (default $PASSES)
      --no-drop          do not drop the page cache before passes
      --workdir DIR      where the temporary directory goes (default $WORKDIR_PARENT); needs ~N×SIZE×2 free
      --keep             keep the temporary directory (catalogue, volume, configs, logs)
      --jar PATH         run this atlas.jar with JDK 25 (\$JAVA_HOME or /usr/lib/jvm/*25*) instead of ./atlas,
                         which rebuilds target/atlas.jar when the sources are newer
  -h, --help             this text
EOF
}

die() { echo "wrk-vs-nginx: $*" >&2; exit 2; }
note() { echo "wrk-vs-nginx: $*" >&2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    -n|--objects) OBJECTS="${2:?}"; shift 2 ;;
    -s|--size) SIZE="${2:?}"; shift 2 ;;
    -d|--duration) DURATION="${2:?}"; shift 2 ;;
    -w|--warmup) WARMUP="${2:?}"; shift 2 ;;
    -c|--connections) CONNECTIONS="${2:?}"; shift 2 ;;
    -t|--threads) THREADS="${2:?}"; shift 2 ;;
    --atlas-cores) ATLAS_CORES="${2:?}"; shift 2 ;;
    --engine) ATLAS_ENGINE="${2:?}"; shift 2 ;;
    --nginx-workers) NGINX_WORKERS="${2:?}"; shift 2 ;;
    --passes) PASSES="${2:?}"; shift 2 ;;
    --no-drop) DROP=0; shift ;;
    --workdir) WORKDIR_PARENT="${2:?}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --jar) ATLAS_JAR="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done
[[ "$OBJECTS" =~ ^[1-9][0-9]*$ ]] || die "--objects must be a positive integer"
[[ "$SIZE" =~ ^[1-9][0-9]*$ ]] || die "--size must be a positive number of bytes"
[[ "$DURATION" =~ ^[1-9][0-9]*[smh]?$ ]] || die "--duration looks like 15s"
[[ "$WARMUP" =~ ^[0-9]+[smh]?$ ]] || die "--warmup looks like 2s or 0"
IFS=, read -r -a PASS_LIST <<<"$PASSES"
for p in "${PASS_LIST[@]}"; do
  case "$p" in atlas|nginx-sendfile|nginx-directio) ;; *) die "unknown pass '$p'" ;; esac
done

if [[ -n "$ATLAS_JAR" ]]; then
  [[ -f "$ATLAS_JAR" ]] || die "no jar at $ATLAS_JAR"
  JDK=""
  for j in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*25* 2>/dev/null); do
    if [[ -n "$j" && -x "$j/bin/java" ]] && "$j/bin/java" -version 2>&1 | head -n 1 | grep -q '"2[5-9]'; then JDK="$j"; break; fi
  done
  [[ -n "$JDK" ]] || die "--jar needs JDK 25+ (set JAVA_HOME)"
  atlas_cli() { exec "$JDK/bin/java" --enable-native-access=ALL-UNNAMED -jar "$ATLAS_JAR" "$@"; }
else
  atlas_cli() { exec "$ATLAS" "$@"; }
fi

NGINX="$(command -v nginx || true)"
[[ -n "$NGINX" ]] || NGINX="$(PATH="$PATH:/usr/sbin:/sbin" command -v nginx || true)"
command -v wrk >/dev/null || die "needs wrk (apt-get install -y wrk)"
[[ -n "$NGINX" ]] || die "needs nginx (apt-get install -y nginx-light)"
"$NGINX" -V 2>&1 | grep -q -- '--with-threads' || note "this nginx has no thread pools: 'aio threads' will fail"
CLK_TCK="$(getconf CLK_TCK)"

WORK="$(mktemp -d "$WORKDIR_PARENT/atlas-bench.XXXXXX")"
CAT="$WORK/catalogue"
VOL="$WORK/atlas-volume"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ "$KEEP" == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. catalogue --------------------------------------------------------------------------------------------
mkdir -p "$CAT/v"
note "writing $OBJECTS × $SIZE B random objects into $CAT"
head -c $((OBJECTS * SIZE)) /dev/urandom | (cd "$CAT/v" && split -a 5 -d -b "$SIZE" --additional-suffix=.ts - seg)
[[ "$(find "$CAT/v" -type f | wc -l)" -eq "$OBJECTS" ]] || die "catalogue has the wrong number of files"

# ---- 2. Atlas volume ----------------------------------------------------------------------------------------------
note "importing into a fresh Atlas volume (builds target/atlas.jar first if needed)"
(atlas_cli import "$CAT" --data "$VOL") >"$WORK/import.log" 2>&1 || { cat "$WORK/import.log" >&2; die "atlas import failed"; }

# ---- nginx configs -------------------------------------------------------------------------------------------
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 20000))
    if ! ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then echo "$port"; return 0; fi
  done
  die "no free port found"
}

nginx_conf() { # $1 variant, $2 port → path of the config
  local dir="$WORK/$1" user_line=""
  mkdir -p "$dir/tmp"
  [[ "$(id -u)" -eq 0 ]] && user_line="user root;"  # the worker must read the private temp directory
  local serving
  if [[ "$1" == nginx-sendfile ]]; then
    serving="sendfile on; tcp_nopush on;"
  else
    serving="sendfile off; directio 4k; directio_alignment 4k; aio threads; output_buffers 2 256k;"
  fi
  cat >"$dir/nginx.conf" <<EOF
$user_line
worker_processes $NGINX_WORKERS;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type application/octet-stream;
    keepalive_requests 10000000;
    keepalive_timeout 75s;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$2;
        root $CAT;
        location / { $serving }
    }
}
EOF
  echo "$dir/nginx.conf"
}

# ---- 3. wrk script ---------------------------------------------------------------------------------------------
LUA="$WORK/random-objects.lua"
cat >"$LUA" <<EOF
-- Uniformly random object of the catalogue per request; wrk keeps the connections open.
local n = $OBJECTS
local counter = 0
setup = function(thread) counter = counter + 1; thread:set("id", counter) end
init = function(args) math.randomseed(os.time() * 1000 + (id or 0)) end
request = function()
  return wrk.format("GET", string.format("/v/seg%05d.ts", math.random(0, n - 1)))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d bytes=%d duration_us=%d p50_us=%d p99_us=%d errors=%d\n",
    summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
EOF

# ---- measurement helpers ----------------------------------------------------------------------------------------
cpu_ticks() { # utime+stime of $1 and its child processes (nginx workers), in clock ticks
  local total=0 pid t
  for pid in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    t="$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}')" || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
cached_kb() { awk '/^Cached:/ {print $2}' /proc/meminfo; }
# Page-cache bytes of the files this pass served (volume.dat, or the catalogue for nginx), via fincore;
# unlike Cached in /proc/meminfo this is not disturbed by anything else running on the machine.
served_resident_bytes() {
  command -v fincore >/dev/null || { echo -1; return 0; }
  if [[ "$1" == atlas ]]; then
    fincore --bytes --noheadings --output RES "$VOL/volume.dat" | awk '{s += $1} END {print s + 0}'
  else
    find "$CAT" -type f -print0 | xargs -0 fincore --bytes --noheadings --output RES | awk '{s += $1} END {print s + 0}'
  fi
}

DROP_NOTE=""
drop_caches() {
  [[ "$DROP" == 1 ]] || { DROP_NOTE="page cache not dropped (--no-drop)"; return 0; }
  sync
  if ! (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
    DROP_NOTE="page cache NOT dropped: writing /proc/sys/vm/drop_caches is not permitted here"
  fi
}

wait_http() { # $1 url: wait up to 30 s for a 200
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

start_server() { # $1 pass → sets SERVER_PID, URL
  local pass="$1" port
  case "$pass" in
    atlas)
      (atlas_cli serve --data "$VOL" --listen 127.0.0.1:0 --no-demo --cores "$ATLAS_CORES" --engine "$ATLAS_ENGINE") \
        >"$WORK/atlas.log" 2>&1 &
      SERVER_PID=$!   # the subshell execs ./atlas, which execs java: this is the JVM
      URL=""
      for _ in $(seq 1 300); do
        URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$WORK/atlas.log" | head -n 1 || true)"
        [[ -n "$URL" ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/atlas.log" >&2; die "atlas serve exited"; }
        sleep 0.1
      done
      [[ -n "$URL" ]] || die "atlas printed no URL within 30 s (see $WORK/atlas.log)"
      URL="${URL%/}"
      ;;
    nginx-*)
      port="$(free_port)"
      local conf
      conf="$(nginx_conf "$pass" "$port")"
      "$NGINX" -t -q -c "$conf" -p "$WORK/$pass" 2>"$WORK/$pass/test.log" \
        || { cat "$WORK/$pass/test.log" >&2; die "nginx rejected $conf"; }
      "$NGINX" -c "$conf" -p "$WORK/$pass" >"$WORK/$pass/stdout.log" 2>&1 &
      SERVER_PID=$!   # the master; the worker is its child
      URL="http://127.0.0.1:$port"
      ;;
  esac
  wait_http "$URL/v/seg00000.ts" || die "$pass does not answer at $URL"
  # Same bytes from both: compare one object with its file.
  curl -fs "$URL/v/seg$(printf %05d $((OBJECTS - 1))).ts" | cmp -s - "$CAT/v/seg$(printf %05d $((OBJECTS - 1))).ts" \
    || die "$pass serves different bytes than the catalogue"
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

run_wrk() { # $1 duration, $2 url → wrk output
  local secs="${1%[smh]}"
  case "$1" in *m) secs=$((secs * 60)) ;; *h) secs=$((secs * 3600)) ;; esac
  timeout $((secs + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1" --timeout 10s --latency -s "$LUA" "$2" 2>&1
}

# ---- 4. passes ------------------------------------------------------------------------------------------------
declare -a ROWS=()
declare -A SUM_MBS=() NUM=() SUM_CPU=()
note "passes: ${PASS_LIST[*]}; wrk -t$THREADS -c$CONNECTIONS -d$DURATION (warm-up $WARMUP); atlas --cores $ATLAS_CORES --engine $ATLAS_ENGINE; nginx worker_processes $NGINX_WORKERS"
i=0
for pass in "${PASS_LIST[@]}"; do
  i=$((i + 1))
  start_server "$pass"
  if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then run_wrk "$WARMUP" "$URL" >/dev/null || true; fi
  drop_caches
  cpu0="$(cpu_ticks "$SERVER_PID")"; cached0="$(cached_kb)"
  out="$(run_wrk "$DURATION" "$URL")" || { echo "$out" >&2; die "wrk failed against $pass"; }
  cpu1="$(cpu_ticks "$SERVER_PID")"; cached1="$(cached_kb)"; resident="$(served_resident_bytes "$pass")"
  stop_server
  line="$(grep '^BENCH ' <<<"$out" || true)"
  [[ -n "$line" ]] || { echo "$out" >&2; die "no result line from wrk for $pass"; }
  eval "$(sed 's/^BENCH //' <<<"$line")"   # requests= bytes= duration_us= p50_us= p99_us= errors=
  row="$(awk -v p="$i. $pass" -v r="$requests" -v b="$bytes" -v d="$duration_us" -v p50="$p50_us" -v p99="$p99_us" \
        -v e="$errors" -v cpu=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v c0="$cached0" -v c1="$cached1" -v res="$resident" 'BEGIN {
      s = d / 1e6; mbs = b / s / 1e6; gb = b / 1e9; cs = cpu / hz
      printf "%-20s %9.0f %8.1f %8.2f %8.2f %9.2f %11.0f %12s %7d\n", p, r / s, mbs, p50 / 1000, p99 / 1000,
             (gb > 0 ? cs / gb : 0), (c1 - c0) / 1024, (res < 0 ? "n/a" : sprintf("%.1f", res / 1048576)), e }')"
  ROWS+=("$row")
  mbs="$(awk -v b="$bytes" -v d="$duration_us" 'BEGIN { printf "%.3f", b / (d / 1e6) / 1e6 }')"
  cpg="$(awk -v b="$bytes" -v cpu=$((cpu1 - cpu0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.4f", (b > 0 ? cpu / hz / (b / 1e9) : 0) }')"
  SUM_MBS[$pass]="$(awk -v a="${SUM_MBS[$pass]:-0}" -v b="$mbs" 'BEGIN { print a + b }')"
  SUM_CPU[$pass]="$(awk -v a="${SUM_CPU[$pass]:-0}" -v b="$cpg" 'BEGIN { print a + b }')"
  NUM[$pass]=$(( ${NUM[$pass]:-0} + 1 ))
  note "pass $i ($pass) done: ${row#* }"
done

# ---- 5. table ---------------------------------------------------------------------------------------------------
echo
echo "Atlas vs nginx — $OBJECTS objects × $SIZE B, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, random object per request, $(nproc) CPUs, kernel $(uname -r)"
echo "atlas --cores $ATLAS_CORES --engine $ATLAS_ENGINE; nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') worker_processes $NGINX_WORKERS; ${DROP_NOTE:-page cache dropped before every pass}"
printf "%-20s %9s %8s %8s %8s %9s %11s %12s %7s\n" "pass" "req/s" "MB/s" "p50 ms" "p99 ms" "CPU s/GB" "Cached +MiB" "files' MiB" "errors"
for r in "${ROWS[@]}"; do echo "$r"; done
if [[ -n "${NUM[atlas]:-}" ]]; then
  atlas_mbs="$(awk -v s="${SUM_MBS[atlas]}" -v n="${NUM[atlas]}" 'BEGIN { print s / n }')"
  atlas_cpu="$(awk -v s="${SUM_CPU[atlas]}" -v n="${NUM[atlas]}" 'BEGIN { print s / n }')"
  for peer in nginx-sendfile nginx-directio; do
    [[ -n "${NUM[$peer]:-}" ]] || continue
    awk -v a="$atlas_mbs" -v ac="$atlas_cpu" -v s="${SUM_MBS[$peer]}" -v c="${SUM_CPU[$peer]}" -v n="${NUM[$peer]}" -v p="$peer" \
      'BEGIN { m = s / n; cc = c / n
               printf "ratio atlas / %-15s throughput %.2f×   CPU per GB %.2f×\n", p, (m > 0 ? a / m : 0), (cc > 0 ? ac / cc : 0) }'
  done
fi
