#!/usr/bin/env bash
# live-latency.sh — live latency as viewers see it (issue 17): one ffmpeg encodes in real time and pushes the same
# LL-DASH stream (and its HLS playlist) by chunked PUT into Atlas and into nginx set up as a DAV ingest origin, and
# dash.js (low-latency mode) and hls.js in headless Chromium play each origin at the same time.
#
#   bench/live-latency.sh                      # 2 s segments, 20 s measured after a 10 s warm-up (~1 min)
#   bench/live-latency.sh --duration 60s --rounds 3
#   bench/live-latency.sh --help
#
# The encoder: ffmpeg -re (testsrc2 640x360 30 fps, x264 veryfast zerolatency, a keyframe every 2 s) through the tee
# muxer into two dash muxers with the same settings (-ldash 1 -streaming 1 -seg_duration 2 -frag_type every_frame
# -hls_playlist 1 -method PUT -http_persistent 1): one encode, byte-identical segments, two origins.
#   atlas   atlas serve --hot-prefix live/ (segments readable while their PUT arrives)
#   nginx   Debian's nginx: dav_methods PUT DELETE, create_full_put_path, client_max_body_size 0 — the DAV origin
#           users set up; a PUT becomes visible when its body is complete (nginx#237)
# Players, all four at once in one browser: dash.js 5 (liveDelay 1 s, catch-up on, clock sync off: encoder and
# browser share this machine's clock) on manifest.mpd, hls.js on media_0.m3u8 (ffmpeg 5.1 writes no LL-HLS parts).
# Each samples its own live latency (getCurrentLiveLatency(), hls.latency) every 250 ms over --duration and counts
# stalls. Prints per origin and player: latency mean/p50/p90/max, stalls, errors; and dash.js's atlas/nginx ratios
# of the mean and of the p50 latency, against the issue's targets (≤ 2.0 s, ≤ 0.5× nginx). The mean is the one the
# verdict reads: it weighs every moment a viewer watched, so time spent stalled and catching up counts, which a
# median of a player that keeps falling behind and jumping back can hide. With --rounds: median (min–max) of rounds.
# Then, with --viewers N (default 5000), a fresh stream is followed by N viewers of `atlas bench --follow` (DASH:
# each segment once, as soon as the MPD allows; on CPU 1, Atlas on CPU 0 with --cores 1), first on Atlas, then on
# nginx, for --duration each: segments, stalls, the delay from a segment's start to its first byte (p50/p99), and
# for Atlas the bytes read from disk over the bytes sent and the tier's memory against its cap. Issue 17's target
# at 5000 viewers: 0 stalls, p99 first byte ≤ 200 ms, disk reads < 5 % of bytes sent.
# Needs: JDK 25, ffmpeg, nginx (with the DAV module: nginx-light), chromium, node with web/node_modules (npm ci in
# web/), curl, jq.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROG=live-latency

DURATION=20s
WARMUP=10s
ROUNDS=1
VIEWERS=5000
JAR=""
WORKDIR_PARENT="${TMPDIR:-/tmp}"
KEEP=0

usage() {
  cat <<EOF
usage: bench/live-latency.sh [options]
      --duration T      how long the players' latency is sampled (default $DURATION)
      --warmup T        encoding before the players start, at least 6 s (default $WARMUP)
      --rounds N        runs of the whole measurement, each with a fresh stream (default $ROUNDS)
      --viewers N       then N viewers of atlas bench --follow on each origin's MPD in turn, the encoder
                        publishing (default $VIEWERS; 0 skips it)
      --jar PATH        measure this atlas.jar (default: target/atlas.jar, rebuilt by ./atlas when stale)
      --workdir DIR     where the temporary directory goes (default $WORKDIR_PARENT)
      --keep            keep the temporary directory (logs, screenshots, player reports)
  -h, --help            this text
EOF
}

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --rounds) ROUNDS="${2:?}"; shift 2 ;;
    --viewers) VIEWERS="${2:?}"; shift 2 ;;
    --jar) JAR="${2:?}"; shift 2 ;;
    --workdir) WORKDIR_PARENT="${2:?}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done
SECS="$(seconds "$DURATION")"; [[ -n "$SECS" && "$SECS" -gt 0 ]] || die "--duration looks like 20s"
WARM="$(seconds "$WARMUP")"; [[ -n "$WARM" && "$WARM" -ge 6 ]] || die "--warmup looks like 10s (at least 6 s: 3 segments)"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer"
[[ "$VIEWERS" =~ ^[0-9]+$ ]] || die "--viewers must be a number (0 skips the viewers pass)"

missing=()
for t in ffmpeg:ffmpeg nginx:nginx-light chromium:chromium node:nodejs curl:curl jq:jq; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t%%:*} (apt-get install -y ${t#*:})")
done
[[ -d "$ROOT/web/node_modules/dashjs" && -d "$ROOT/web/node_modules/hls.js" ]] \
  || missing+=("web/node_modules (cd web && npm ci)")
if command -v nginx >/dev/null 2>&1 && ! nginx -V 2>&1 | grep -q -- --with-http_dav_module; then
  missing+=("nginx with the DAV module (apt-get install -y nginx-light)")
fi
check_jdk_and_jar
if [[ ${#missing[@]} -gt 0 ]]; then
  for m in "${missing[@]}"; do echo "$PROG: missing: $m" >&2; done
  exit 2
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( VIEWERS > 0 )) && [[ "$(ulimit -n)" != unlimited ]] && (( $(ulimit -n) < VIEWERS + 1024 )); then
  die "--viewers $VIEWERS needs more open files than ulimit -n allows ($(ulimit -n)); raise it or pass fewer"
fi

mkdir -p "$WORKDIR_PARENT"
WORK="$(mktemp -d "$WORKDIR_PARENT/atlas-live-latency.XXXXXX")"
NGINX_PID=""; FFMPEG_PID=""
cleanup() {
  if [[ -n "$FFMPEG_PID" ]]; then kill "$FFMPEG_PID" 2>/dev/null || true; wait "$FFMPEG_PID" 2>/dev/null || true; fi
  if [[ -n "$NGINX_PID" ]]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  atlas_stop
  if [[ "$KEEP" == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
prepare_jar

# ---- the two origins ----------------------------------------------------------------------------------------------
atlas_start "$WORK/atlas.log" 0 --data "$WORK/atlas-data" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
  --no-demo --hot-memory 256m --hot-prefix live/ --cores 1
NGINX_PORT="$(free_port)"
mkdir -p "$WORK/nginx/www/live" "$WORK/nginx/tmp"
chmod a+rx "$WORK"; chmod -R a+rwX "$WORK/nginx" # nginx workers run as nobody; they write the uploads
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile 65536;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 16384; }
http {
  access_log $WORK/nginx/access.log;
  client_body_temp_path $WORK/nginx/tmp;
  types { application/dash+xml mpd; video/mp4 m4s mp4; application/vnd.apple.mpegurl m3u8; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/nginx/www;
    location / {
      dav_methods PUT DELETE;
      create_full_put_path on;
      client_max_body_size 0;
      add_header Access-Control-Allow-Origin * always;
    }
  }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
NGINX_URL="http://127.0.0.1:$NGINX_PORT"
for _ in $(seq 1 50); do curl -s -o /dev/null "$NGINX_URL/" && break; sleep 0.1; done
curl -s -o /dev/null "$NGINX_URL/" || die "nginx did not start (see $WORK/nginx/error.log with --keep)"
note "atlas $ATLAS_URL, nginx $NGINX_URL ($(nginx -v 2>&1 | sed 's|.*/||')), $(ffmpeg -version | head -n 1 | cut -d' ' -f1-3)"

dash_opts="f=dash:ldash=1:streaming=1:seg_duration=2:frag_type=every_frame:use_template=1:use_timeline=0"
dash_opts+=":window_size=6:extra_window_size=2:remove_at_exit=0:hls_playlist=1:method=PUT:http_persistent=1"
tee_output() { # $1 base URL, $2 stream path → one tee output, the URL's ':' escaped for the tee syntax
  printf '[%s]%s' "$dash_opts" "$(printf %s "$1/$2" | sed 's|:|\\:|g')"
}

encode() { # $1 stream path, $2 log → FFMPEG_PID: one real-time encode pushed into both origins
  # -flags +global_header: the tee hands both muxers the codec's extradata (without it the MPD says only "avc1").
  ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc2=size=640x360:rate=30 \
    -c:v libx264 -preset veryfast -tune zerolatency -pix_fmt yuv420p -g 60 -keyint_min 60 -sc_threshold 0 \
    -flags +global_header -map 0:v -f tee "$(tee_output "$ATLAS_URL" "$1")|$(tee_output "$NGINX_URL" "$1")" \
    >"$2" 2>&1 &
  FFMPEG_PID=$!
}

ratios_Mean=(); ratios_P50=(); rows=()
for round in $(seq 1 "$ROUNDS"); do
  stream="live/r$round/manifest.mpd"
  encode "$stream" "$WORK/ffmpeg-$round.log"
  note "round $round/$ROUNDS: encoding; the players start in $WARM s, then $SECS s are sampled"
  sleep "$WARM"
  kill -0 "$FFMPEG_PID" 2>/dev/null || { cat "$WORK/ffmpeg-$round.log" >&2; die "ffmpeg exited"; }
  base="${stream%/manifest.mpd}"
  (cd "$ROOT/web" && node test/live-latency.mjs "$WORK/shots-$round" "$SECS" \
    "atlas-dash,dash,$ATLAS_URL/$base/manifest.mpd" "nginx-dash,dash,$NGINX_URL/$base/manifest.mpd" \
    "atlas-hls,hls,$ATLAS_URL/$base/media_0.m3u8" "nginx-hls,hls,$NGINX_URL/$base/media_0.m3u8") \
    >"$WORK/players-$round.json" 2>"$WORK/players-$round.err" || true
  kill "$FFMPEG_PID" 2>/dev/null || true; wait "$FFMPEG_PID" 2>/dev/null || true; FFMPEG_PID=""
  grep -q '"label"' "$WORK/players-$round.json" \
    || { cat "$WORK/players-$round.err" >&2; die "the players reported nothing"; }
  while read -r line; do
    rows+=("$round"$'\t'"$(jq -r '[.label, (.latencyMean // "-"), (.latencyP50 // "-"), (.latencyP90 // "-"), (.latencyMax // "-"),
      (.stalls // "-"), ((.errors // []) | length),
      (if .ok then "played" else (.error // (.errors // [])[0] // "failed") end)] | @tsv' <<<"$line")")
  done < <(grep '"label"' "$WORK/players-$round.json")
  for stat in Mean P50; do
    a="$(jq -r "select(.label == \"atlas-dash\") | .latency$stat // empty" "$WORK/players-$round.json")"
    n="$(jq -r "select(.label == \"nginx-dash\") | .latency$stat // empty" "$WORK/players-$round.json")"
    if [[ -n "$a" && -n "$n" ]]; then
      declare -n into="ratios_$stat"
      into+=("$(awk -v a="$a" -v n="$n" 'BEGIN { printf "%.3f", a / n }')")
      unset -n into
    fi
  done
done

echo
echo "live latency: ffmpeg -re LL-DASH (2 s segments, a CMAF chunk per frame) into both origins; ${SECS} s sampled"
printf '%-6s %-11s %7s %7s %7s %7s %7s %7s  %s\n' round stream mean_s p50_s p90_s max_s stalls errors outcome
for r in "${rows[@]}"; do
  IFS=$'\t' read -r rnd label mean p50 p90 max stalls errors outcome <<<"$r"
  printf '%-6s %-11s %7s %7s %7s %7s %7s %7s  %s\n' "$rnd" "$label" "$mean" "$p50" "$p90" "$max" "$stalls" \
    "$errors" "${outcome:0:60}"
done
echo
if [[ ${#ratios_Mean[@]} -gt 0 ]]; then
  echo "dash.js live latency atlas/nginx, mean: $(fmt_median "$(median_range "${ratios_Mean[@]}")" "$ROUNDS" '%.3f×' '%.3f')" \
    "(target ≤ 0.5×; atlas ≤ 2.0 s);  p50: $(fmt_median "$(median_range "${ratios_P50[@]}")" "$ROUNDS" '%.3f×' '%.3f')"
else
  echo "dash.js live latency atlas/nginx: not measured (a player reported no latency; --keep keeps players-*.json)"
fi
echo "atlas: $(metric_sum "$ATLAS_ADMIN_URL" atlas_growing_reads_total) GETs streamed while their PUT arrived," \
  "$(metric_sum "$ATLAS_ADMIN_URL" atlas_growing_reads_failed_total) of them ended abnormally"

(( VIEWERS > 0 )) || exit 0
stream="live/viewers/manifest.mpd"
encode "$stream" "$WORK/ffmpeg-viewers.log"
note "viewers: encoding; $VIEWERS viewers follow each origin for $SECS s in turn"
sleep "$WARM"
sent0="$(metric_sum "$ATLAS_ADMIN_URL" atlas_sent_bytes_total)"
disk0="$(metric_sum "$ATLAS_ADMIN_URL" atlas_disk_read_bytes_total)"
vrows=()
for origin in atlas nginx; do
  url="$ATLAS_URL"; [[ "$origin" == nginx ]] && url="$NGINX_URL"
  if ! taskset -c 1 "${JAVA[@]}" bench --follow "$url/$stream" --connections "$VIEWERS" --duration "${SECS}s" \
      --json >"$WORK/follow-$origin.json" 2>"$WORK/follow-$origin.err"; then
    tail -n 5 "$WORK/follow-$origin.err" >&2
  fi
  if [[ "$origin" == atlas ]]; then
    sent1="$(metric_sum "$ATLAS_ADMIN_URL" atlas_sent_bytes_total)"
    disk1="$(metric_sum "$ATLAS_ADMIN_URL" atlas_disk_read_bytes_total)"
    hot="$(metric_sum "$ATLAS_ADMIN_URL" atlas_hot_bytes)"
    cap="$(metric_sum "$ATLAS_ADMIN_URL" atlas_hot_capacity_bytes)"
  fi
  vrows+=("$origin"$'\t'"$(jq -r '[(.segments / .durationSeconds * 10 | round / 10), .missedSegments, .stalls,
    (.startToFirstByteMicros.p50 / 1000 | round), (.startToFirstByteMicros.p99 / 1000 | round),
    .earlyRequests, .errors.http, .errors.io] | @tsv' "$WORK/follow-$origin.json" 2>/dev/null || echo "-")")
done
kill "$FFMPEG_PID" 2>/dev/null || true; wait "$FFMPEG_PID" 2>/dev/null || true; FFMPEG_PID=""

echo
echo "$VIEWERS viewers (atlas bench --follow, DASH, CPU 1) on each origin in turn, ${SECS} s each; atlas on CPU 0"
printf '%-7s %11s %7s %7s %13s %13s %10s %6s %6s\n' origin segments/s missed stalls first_p50_ms first_p99_ms \
  early_404 http io
p99s=()
for r in "${vrows[@]}"; do
  IFS=$'\t' read -r origin segs missed stalls p50 p99 early http io <<<"$r"
  printf '%-7s %11s %7s %7s %13s %13s %10s %6s %6s\n' "$origin" "$segs" "$missed" "$stalls" "$p50" "$p99" "$early" \
    "$http" "$io"
  p99s+=("$p99")
done
if [[ ${#p99s[@]} -eq 2 && "${p99s[0]}" =~ ^[0-9]+$ && "${p99s[1]}" =~ ^[0-9]+$ && "${p99s[1]}" -gt 0 ]]; then
  echo "first byte p99 atlas/nginx: $(awk -v a="${p99s[0]}" -v n="${p99s[1]}" 'BEGIN { printf "%.3f", a / n }')×" \
    "(target: atlas p99 ≤ 200 ms with 0 stalls)"
fi
awk -v s0="$sent0" -v s1="$sent1" -v d0="$disk0" -v d1="$disk1" -v h="$hot" -v c="$cap" 'BEGIN {
  sent = s1 - s0; disk = d1 - d0; share = 0
  if (sent > 0) share = 100 * disk / sent
  printf "atlas: %.1f GB sent, disk reads %.2f %% of it (target < 5 %%); hot tier %.0f MiB held of %.0f MiB\n",
    sent / 1e9, share, h / 1048576, c / 1048576 }'
