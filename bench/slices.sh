#!/usr/bin/env bash
# slices.sh — chooses the edge's --fill-slice by measurement (issue 18): a cold Atlas edge filling a large object
# from nginx, whole (--fill-slice 0) and in slices of each size asked for, in one run. See bench/README.md,
# "Fill slices (issue 18)", and docs/fill-slices.md for what the figures chose.
#
#   bench/slices.sh                               # 256 MiB object, slices off,1m,2m,4m,8m,16m,32m, 50 MB/s upstream
#   bench/slices.sh --size 128m --slices off,4m,8m --rate 25m --seeks 6
#   bench/slices.sh --help
#
# What it does (nothing leaves this machine):
#   1. writes one random object of --size and serves it from Debian's nginx on loopback with `limit_rate` --rate
#      per connection (an upstream link: a fill is one connection, a sliced fill at most two — the slice being sent
#      and the next one, prefetched); every name under /o/ is that same file, so each request below can ask for an
#      object the edge has never seen;
#   2. for each slice size, a fresh edge (its own empty volume, one core) and
#        full    one GET of a new name, timed to its last byte (curl), checked byte for byte (sha256);
#        seek    --seeks GETs, each of a new name, of 256 KiB at an offset spread over the object (the same offsets
#                for every size), timed to the last byte: how long a player's seek waits on a miss;
#      with the origin's body bytes (its access log) and the edge's upstream requests for each phase;
#   3. prints one table: per size the full fill's MB/s and its ratio to the whole-object fill, the seeks' median and
#      largest wait and their ratio to the whole-object fill's, the origin bytes per seek, and upstream requests.
# Exit status: 0 clean; 1 when a response was wrong; 2 on a setup failure (one line saying why).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROG=slices
SIZE=256m
SLICES="off,1m,2m,4m,8m,16m,32m"
RATE=50m
SEEKS=8
SEEK_BYTES=262144
JAR=""
KEEP=0

usage() {
  cat <<EOF
usage: bench/slices.sh [options]
  --size SIZE         the object (default $SIZE)
  --slices LIST       slice sizes to measure, "off" for whole-object fills (default $SLICES)
  --rate RATE         nginx limit_rate per connection, bytes/s with k/m/g (default $RATE)
  --seeks N           range requests per size (default $SEEKS)
  --jar PATH          measure this jar instead of target/atlas.jar
  --keep              keep the work directory (logs) and say where it is
  -h, --help          this text
EOF
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) SIZE="${2:?}"; shift 2 ;;
    --slices) SLICES="${2:?}"; shift 2 ;;
    --rate) RATE="${2:?}"; shift 2 ;;
    --seeks) SEEKS="${2:?}"; shift 2 ;;
    --jar) JAR="${2:?}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$PROG: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

source "$ROOT/bench/lib.sh"
SIZE_BYTES="$(bytes_of "$SIZE")"; [[ -n "$SIZE_BYTES" ]] || die "--size: not a size: $SIZE"
RATE_BYTES="$(bytes_of "$RATE")"; [[ -n "$RATE_BYTES" ]] || die "--rate: not a size: $RATE"
[[ "$SEEKS" =~ ^[1-9][0-9]*$ ]] || die "--seeks: not a positive number: $SEEKS"
(( SIZE_BYTES > 2 * SEEK_BYTES )) || die "--size must be larger than $((2 * SEEK_BYTES)) bytes"
IFS=, read -r -a SIZES <<<"$SLICES"
for s in "${SIZES[@]}"; do
  [[ "$s" == off ]] || [[ -n "$(bytes_of "$s")" ]] || die "--slices: not a size: $s"
done
require_tools nginx:nginx curl:curl sha256sum:coreutils

WORK="$(mktemp -d /tmp/atlas-slices.XXXXXX)"
NGINX_PID=""; ATLAS_PID=""
cleanup() {
  atlas_stop
  [[ -n "$NGINX_PID" ]] && { kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; }
  if [[ "$KEEP" == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
prepare_jar

note "writing a $SIZE object"
mkdir -p "$WORK/root" "$WORK/nginx-tmp"
head -c "$SIZE_BYTES" /dev/urandom >"$WORK/root/movie.mp4"
SHA="$(sha256sum "$WORK/root/movie.mp4" | cut -d' ' -f1)"
ORIGIN_PORT="$(free_port)"
cat >"$WORK/nginx.conf" <<EOF
$( [[ "$(id -u)" == 0 ]] && echo "user root;" )
master_process off;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log $WORK/origin-access.log;
    client_body_temp_path $WORK/nginx-tmp/body;
    proxy_temp_path $WORK/nginx-tmp/proxy;
    fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
    scgi_temp_path $WORK/nginx-tmp/scgi;
    server {
        listen 127.0.0.1:$ORIGIN_PORT;
        root $WORK/root;
        location /o/ { limit_rate $RATE_BYTES; rewrite ^ /movie.mp4 break; }
    }
}
EOF
PATH="$PATH:/usr/sbin" nginx -c "$WORK/nginx.conf" >"$WORK/nginx.out" 2>&1 &
NGINX_PID=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null -r 0-0 "http://127.0.0.1:$ORIGIN_PORT/o/x" && break; sleep 0.1; done
curl -fs -o /dev/null -r 0-0 "http://127.0.0.1:$ORIGIN_PORT/o/x" || die "nginx did not start (see $WORK/nginx.out)"
: >"$WORK/origin-access.log"

origin_bytes() { awk '{ s += $10 } END { printf "%.0f\n", s }' "$WORK/origin-access.log"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }

# The same offsets for every size: uniformly random over the object (a fixed seed), as a player's seeks fall.
mapfile -t OFFSETS < <(awk -v n="$SEEKS" -v max="$((SIZE_BYTES - SEEK_BYTES))" \
  'BEGIN { srand(18); for (i = 0; i < n; i++) printf "%d\n", int(rand() * max) }')

FAILED=0
ROWS=()
RUN=0
for s in "${SIZES[@]}"; do
  RUN=$((RUN + 1))
  slice_flag=0; [[ "$s" != off ]] && slice_flag="$s"
  note "fill slice $s: a fresh edge"
  atlas_start "$WORK/edge-$s.log" "" --data "$WORK/edge-$s" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    --no-demo --cores 1 --upstream "http://127.0.0.1:$ORIGIN_PORT/" --fill-slice "$slice_flag" \
    --upstream-timeout 30s
  before="$(origin_bytes)"
  read -r total code <<<"$(curl -s -o "$WORK/full.bin" -w '%{time_total} %{http_code}' "$ATLAS_URL/o/full-$RUN.mp4")"
  if [[ "$code" != 200 || "$(sha256sum "$WORK/full.bin" | cut -d' ' -f1)" != "$SHA" ]]; then
    note "fill slice $s: the full GET was wrong (status $code)"; FAILED=1
  fi
  rm -f "$WORK/full.bin"
  full_mbs="$(awk -v b="$SIZE_BYTES" -v t="$total" 'BEGIN { printf "%.1f", b / t / 1e6 }')"
  full_requests="$(metric_sum "$ATLAS_ADMIN_URL" atlas_upstream_requests_total)"
  mid="$(origin_bytes)"
  waits=()
  for i in "${!OFFSETS[@]}"; do
    o="${OFFSETS[$i]}"
    read -r t code got <<<"$(curl -s -o /dev/null -w '%{time_total} %{http_code} %{size_download}' \
      -r "$o-$((o + SEEK_BYTES - 1))" "$ATLAS_URL/o/seek-$RUN-$i.mp4")"
    if [[ "$code" != 206 || "$got" != "$SEEK_BYTES" ]]; then
      note "fill slice $s: seek $i answered $code with $got bytes"; FAILED=1
    fi
    waits+=("$t")
  done
  seek_requests=$(( $(metric_sum "$ATLAS_ADMIN_URL" atlas_upstream_requests_total) - full_requests ))
  # Seek fills still running (whole-object fills go on after their range was sent) count once they are done.
  for _ in $(seq 1 600); do
    [[ "$(metric_sum "$ATLAS_ADMIN_URL" atlas_fills_in_flight)" == 0 ]] && break
    sleep 0.1
  done
  after="$(origin_bytes)"
  atlas_stop
  read -r median lo hi _ <<<"$(median_range "${waits[@]}")"
  ROWS+=("$s $full_mbs $total $median $hi $(( (after - mid) / SEEKS )) $full_requests $seek_requests $((mid - before))")
  note "fill slice $s: full $full_mbs MB/s; seeks median $(ms "$median") ms, max $(ms "$hi") ms"
done

base_full=""; base_seek=""
for r in "${ROWS[@]}"; do
  read -r s mbs _ median _ _ _ _ _ <<<"$r"
  [[ "$s" == off ]] && { base_full="$mbs"; base_seek="$median"; }
done
echo
echo "Cold edge, one $(awk -v b="$SIZE_BYTES" 'BEGIN { printf "%.0f MiB", b / 1048576 }') object from nginx at $(awk -v b="$RATE_BYTES" 'BEGIN { printf "%.0f MB/s", b / 1e6 }') per connection; $SEEKS seeks of $((SEEK_BYTES / 1024)) KiB"
echo "jar: $JAR_DESC"
echo
echo "| --fill-slice | full fill MB/s | ÷ whole | upstream requests | seek median ms | seek max ms | ÷ whole (median) | origin MiB per seek | seek upstream requests |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in "${ROWS[@]}"; do
  read -r s mbs _ median hi per_seek full_req seek_req _ <<<"$r"
  rf="n/a"; rs="n/a"
  [[ -n "$base_full" ]] && rf="$(awk -v a="$mbs" -v b="$base_full" 'BEGIN { printf "%.2f", a / b }')"
  [[ -n "$base_seek" ]] && rs="$(awk -v a="$median" -v b="$base_seek" 'BEGIN { printf "%.3f", a / b }')"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$s" "$mbs" "$rf" "$full_req" "$(ms "$median")" \
    "$(ms "$hi")" "$rs" "$(awk -v b="$per_seek" 'BEGIN { printf "%.1f", b / 1048576 }')" "$seek_req"
done
exit "$FAILED"
