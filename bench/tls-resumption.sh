#!/usr/bin/env bash
# tls-resumption.sh — what a reconnecting HTTPS client costs the server, Atlas against nginx, in one run (issue 16):
# `openssl s_time` makes as many connections as it can for -d seconds, each a handshake and one small GET
# (`-www`: s_time reads the answer, and with it TLS 1.3's NewSessionTicket), either all new (-new) or all resuming
# the first one's session (-reuse), over TLS 1.2 and TLS 1.3; the server's CPU time over each pass divided by the
# connections it made is the figure. Before the measured passes, each server gets the same passes unmeasured, at
# least 10 s each: the JIT's compiler threads are in Atlas's CPU time until the handshake path is compiled. See bench/README.md, "TLS session resumption".
#
#   bench/tls-resumption.sh                  # 5 s per pass, 8 measured passes after 8 warm-ups (≈ 2 min)
#   bench/tls-resumption.sh -d 10s --jar /tmp/x/atlas.jar
#
# Servers (one at a time, each on CPU 0; s_time on CPU 1, so the client never takes the server's CPU):
#   atlas   atlas serve --tls-listen --cores 1: TLS 1.2 resumes by session ID (TlsSessionCache), TLS 1.3 not at all
#   nginx   Debian's nginx, one worker, the same P-256 certificate, ssl_session_cache shared:SSL:10m and session
#           tickets on (its defaults for a site that wants resumption): TLS 1.2 resumes by ticket, TLS 1.3 by PSK
# Server CPU: utime + stime of the server's processes (/proc/PID/stat, nginx's master and worker), before and after.
# Exit status: 0 clean; 2 on a setup failure (one line saying why).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROG=tls-resumption
DURATION=5s
WORKDIR_PARENT="${TMPDIR:-/tmp}"
KEEP=0
JAR=""

usage() {
  cat <<EOF
usage: bench/tls-resumption.sh [options]
  -d, --duration T   each s_time pass: 5s, 1m or seconds (default $DURATION)
      --workdir DIR  where the temporary directory goes (default $WORKDIR_PARENT)
      --keep         keep the temporary directory (certificate, configs, logs)
      --jar PATH     measure this atlas.jar (copied first). Default: ./atlas rebuilds target/atlas.jar if stale
  -h, --help         this text
EOF
}

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

while [[ $# -gt 0 ]]; do
  case "$1" in
    -d|--duration) DURATION="${2:?}"; shift 2 ;;
    --workdir) WORKDIR_PARENT="${2:?}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --jar) JAR="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done
SECS="$(seconds "$DURATION")"; [[ -n "$SECS" && "$SECS" -gt 0 ]] || die "--duration looks like 5s"

export PATH="$PATH:/usr/sbin"
require_tools openssl:openssl nginx:nginx-light curl:curl taskset:util-linux
(( $(nproc) >= 2 )) || die "needs 2 CPUs: the server on CPU 0, s_time on CPU 1"

WORK=""
NGINX_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  atlas_stop
  if [[ -n "$NGINX_PID" ]]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  if [[ -n "$WORK" ]]; then
    if [[ "$KEEP" == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'note "interrupted; cleaning up"; exit 130' INT
trap 'note "terminated; cleaning up"; exit 143' TERM

mkdir -p "$WORKDIR_PARENT"
WORK="$(mktemp -d "$WORKDIR_PARENT/atlas-tls-resumption.XXXXXX")"
prepare_jar
CERT="$WORK/cert.pem"; KEY="$WORK/key.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$KEY" -out "$CERT" >"$WORK/openssl.log" 2>&1 \
  || { cat "$WORK/openssl.log" >&2; die "openssl could not make the certificate"; }

cpu_ticks() { # pids… → their utime + stime so far, in clock ticks (children not counted: nginx's worker is listed)
  local p s=0
  for p in "$@"; do
    s=$(( s + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0) ))
  done
  echo "$s"
}
HZ="$(getconf CLK_TCK)"
declare -A RESULT=()   # server:version:mode → "µs per handshake;handshakes"

s_time() { # $1 port, $2 version, $3 mode, $4 seconds, $5 page, $6 output
  taskset -c 1 openssl s_time -connect "127.0.0.1:$1" "-$2" "-$3" -time "$4" -www "$5" -CAfile "$CERT" \
    >"$6" 2>&1 </dev/null || true
}
warm_up() { # $1 server, $2 port, $3 page: both versions, new and resumed, unmeasured, 2 × -d each (10 s at least)
  local v m w=$(( SECS * 2 > 10 ? SECS * 2 : 10 ))
  for v in tls1_2 tls1_3; do for m in new reuse; do
    s_time "$2" "$v" "$m" "$w" "$3" "$WORK/s_time-$1-$v-$m-warm-up.txt"
  done; done
}
pass() { # $1 server, $2 port, $3 tls1_2|tls1_3, $4 new|reuse, $5 page, $6… server pids
  local server="$1" port="$2" version="$3" mode="$4" page="$5"; shift 5
  local out="$WORK/s_time-$server-$version-$mode.txt" before after
  before="$(cpu_ticks "$@")"
  s_time "$port" "$version" "$mode" "$SECS" "$page" "$out"
  after="$(cpu_ticks "$@")"
  # "1234 connections in 5.01s; 246.31 connections/user sec, bytes read 0" (the -new or the -reuse line)
  local n; n="$(sed -n 's/^\([0-9][0-9]*\) connections in .*/\1/p' "$out" | tail -n 1)"
  [[ -n "$n" && "$n" -gt 0 ]] || { tail -n 5 "$out" >&2; die "s_time made no connection to $server ($version, $mode)"; }
  local us; us="$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$n" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')"
  RESULT[$server:$version:$mode]="$us;$n"
  note "$server $version $mode: $n connections, $us µs of server CPU each"
}

# ---- Atlas ---------------------------------------------------------------------------------------------------------
TLS_PORT="$(free_port)"
note "atlas serve --tls-listen 127.0.0.1:$TLS_PORT --cores 1 (CPU 0)"
atlas_start "$WORK/atlas.log" 0 --data "$WORK/atlas-data" --listen "127.0.0.1:$(free_port)" \
  --tls-listen "127.0.0.1:$TLS_PORT" --cert "$CERT" --key "$KEY" --cores 1
warm_up atlas "$TLS_PORT" /_atlas/health
for v in tls1_2 tls1_3; do for m in new reuse; do pass atlas "$TLS_PORT" "$v" "$m" /_atlas/health "$ATLAS_PID"; done; done
RESUMED="$(metric_sum "$ATLAS_ADMIN_URL" atlas_tls_handshakes_total 'result="tls12_resumed"')"
atlas_stop

# ---- nginx ---------------------------------------------------------------------------------------------------------
NPORT="$(free_port)"
mkdir -p "$WORK/nginx/tmp" "$WORK/nginx/www"
echo ok >"$WORK/nginx/www/health"   # the same size of answer as Atlas's /_atlas/health
cat >"$WORK/nginx.conf" <<EOF
$([[ "$(id -u)" -eq 0 ]] && echo "user root;")
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$NPORT ssl;
        ssl_certificate $CERT;
        ssl_certificate_key $KEY;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384;
        ssl_session_cache shared:SSL:10m;
        ssl_session_timeout 10m;
        ssl_session_tickets on;
        root $WORK/nginx/www;
    }
}
EOF
taskset -c 0 nginx -c "$WORK/nginx.conf" -p "$WORK/nginx" >"$WORK/nginx.log" 2>&1 </dev/null &
NGINX_PID=$!
for _ in $(seq 1 100); do
  curl -fsk -o /dev/null --max-time 1 "https://127.0.0.1:$NPORT/health" && break
  kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx.log" >&2; die "nginx exited"; }
  sleep 0.1
done
NGINX_PIDS=("$NGINX_PID" $(pgrep -P "$NGINX_PID" || true))
note "nginx worker_processes 1 (CPU 0), session cache and tickets on; pids ${NGINX_PIDS[*]}"
warm_up nginx "$NPORT" /health
for v in tls1_2 tls1_3; do for m in new reuse; do pass nginx "$NPORT" "$v" "$m" /health "${NGINX_PIDS[@]}"; done; done

# ---- the table -------------------------------------------------------------------------------------------------------
us() { echo "${RESULT[$1]%%;*}"; }
n() { echo "${RESULT[$1]#*;}"; }
echo
echo "Server CPU per connection (µs; utime+stime of the server over the pass ÷ connections: a handshake and a GET of"
echo "3 bytes), openssl s_time ${SECS}s per pass on CPU 1, server on CPU 0, ECDSA P-256 certificate; jar $JAR_DESC"
printf '%-8s %-8s %12s %12s %12s %16s\n' version mode atlas nginx atlas/nginx "connections a/n"
for v in tls1_2 tls1_3; do
  for m in new reuse; do
    a="$(us "atlas:$v:$m")"; x="$(us "nginx:$v:$m")"
    printf '%-8s %-8s %12s %12s %12s %16s\n' "$v" "$m" "$a" "$x" \
      "$(awk -v a="$a" -v b="$x" 'BEGIN { printf "%.2f×", (b > 0 ? a / b : 0) }')" "$(n "atlas:$v:$m")/$(n "nginx:$v:$m")"
  done
done
echo "atlas: resumed/new $(awk -v a="$(us atlas:tls1_2:reuse)" -v b="$(us atlas:tls1_2:new)" 'BEGIN { printf "%.2f×", a / b }') in TLS 1.2" \
  "($RESUMED connections counted as tls12_resumed); TLS 1.3 is not resumed (BouncyCastle's server: external PSKs only)"
echo "nginx: resumed/new $(awk -v a="$(us nginx:tls1_2:reuse)" -v b="$(us nginx:tls1_2:new)" 'BEGIN { printf "%.2f×", a / b }') in TLS 1.2," \
  "$(awk -v a="$(us nginx:tls1_3:reuse)" -v b="$(us nginx:tls1_3:new)" 'BEGIN { printf "%.2f×", a / b }') in TLS 1.3"
