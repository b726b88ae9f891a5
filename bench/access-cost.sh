#!/usr/bin/env bash
# access-cost.sh — what access control costs (issue 15): signed-URL GETs against open GETs of the same objects on
# the same server, and authenticated PUTs (HTTP Basic, Bearer) against open ones, alternating, in one run.
#
#   bench/access-cost.sh                                # 1 KiB objects, 50 connections, 10 s a pass, 3 rounds (~4 min)
#   bench/access-cost.sh --size 300k --conns 200 --rounds 1
#   bench/access-cost.sh --help
#
# Every pass is `wrk -t1 -cN --latency` (pinned to CPU 1) against `atlas serve --cores 1` (pinned to CPU 0), both on
# 127.0.0.1, after a warm-up, over NAMES rotating objects:
#   get-open    GET /open/obj-<n>                   on a server with --protect secure/ --token-keys (same process as
#   get-signed  GET /hdnts=<token>/secure/obj-<n>   get-signed: the only difference is the token check)
#   put-open    PUT /ingest/<n>                     a server without --auth-file (loopback may write)
#   put-basic   the same with Authorization: Basic  a server with an auth file holding a bcrypt user (htpasswd -B)
#   put-bearer  the same with Authorization: Bearer and a bearer token's SHA-256
# A pass fails the run when wrk saw a non-2xx answer or a socket error. The table gives req/s and p50/p99 of each
# pass (medians over the rounds) and the ratios signed/open, basic/open and bearer/open (the median of the rounds'
# ratios, with their range): the issue asks for each within 5 % (≥ 0.95×). Needs: JDK 25, wrk, curl, htpasswd
# (apache2-utils), taskset (util-linux); Maven only when target/atlas.jar must be (re)built.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROG=access-cost

SIZE=1k
CONNS=50
DURATION=10s
WARMUP=3s
ROUNDS=3
NAMES=100
ENGINE=uring
SERVER_CPU=0
CLIENT_CPU=1
JAR=""
WORKDIR_PARENT="${TMPDIR:-/tmp}"
KEEP=0

usage() {
  cat <<EOF
usage: bench/access-cost.sh [options]
      --size SIZE       object and PUT body size: bytes, or with k or m suffix (default $SIZE)
      --conns N         wrk connections (default $CONNS)
      --duration T      measured time per pass (default $DURATION)
      --warmup T        wrk warm-up before each pass, 0 to skip (default $WARMUP)
      --rounds N        rounds of the five passes, the order rotating (default $ROUNDS)
      --names N         objects the passes rotate over (default $NAMES)
      --engine E        atlas serve --engine uring|nio|auto (default $ENGINE)
      --server-cpu C    CPU for atlas serve (default $SERVER_CPU); --client-cpu C for wrk (default $CLIENT_CPU)
      --jar PATH        measure this atlas.jar (default: target/atlas.jar, rebuilt by ./atlas when stale)
      --workdir DIR     where the temporary directory goes (default $WORKDIR_PARENT)
      --keep            keep the temporary directory (logs, Lua scripts, wrk outputs)
  -h, --help            this text
EOF
}

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) SIZE="${2:?}"; shift 2 ;;
    --conns) CONNS="${2:?}"; shift 2 ;;
    --duration) DURATION="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --rounds) ROUNDS="${2:?}"; shift 2 ;;
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

SIZE_B="$(bytes_of "$SIZE")"; [[ -n "$SIZE_B" ]] || die "--size looks like 1024, 1k or 300k"
SECS="$(seconds "$DURATION")"; [[ -n "$SECS" && "$SECS" -gt 0 ]] || die "--duration looks like 10s"
WARM="$(seconds "$WARMUP")"; [[ -n "$WARM" ]] || die "--warmup looks like 3s or 0"
for v in CONNS ROUNDS NAMES; do [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--${v,,} must be a positive integer"; done
case "$ENGINE" in uring|nio|auto) ;; *) die "--engine is uring, nio or auto" ;; esac

missing=()
for t in wrk:wrk curl:curl htpasswd:apache2-utils taskset:util-linux sha256sum:coreutils; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t%%:*} (apt-get install -y ${t#*:})")
done
check_jdk_and_jar
if [[ ${#missing[@]} -gt 0 ]]; then
  for m in "${missing[@]}"; do echo "$PROG: missing: $m" >&2; done
  exit 2
fi
ulimit -n 65536 2>/dev/null || true

mkdir -p "$WORKDIR_PARENT"
WORK="$(mktemp -d "$WORKDIR_PARENT/atlas-access.XXXXXX")"
cleanup() {
  atlas_stop
  if [[ "$KEEP" == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
prepare_jar

# ---- credentials and keys: what an operator would write -----------------------------------------------------------
KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$KEY" >"$WORK/keys"
PASSWORD="bench-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BEARER="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
htpasswd -nbB bench "$PASSWORD" >"$WORK/auth" 2>/dev/null || die "htpasswd -B failed"
echo "bot:{SHA256}$(printf %s "$BEARER" | sha256sum | cut -d' ' -f1)" >>"$WORK/auth"
BASIC="Basic $(printf %s "bench:$PASSWORD" | base64 -w0)"
head -c "$SIZE_B" /dev/urandom >"$WORK/body"

write_lua() { # $1 method, $2 path prefix, $3 Authorization value or "" → path of the script
  local lua="$WORK/$1-$RANDOM.lua"
  cat >"$lua" <<EOF
local method, prefix, names, auth = "$1", "$2", $NAMES, "$3"
local f = io.open("$WORK/body", "rb"); local body = f:read("*a"); f:close()
local headers = {}
if auth ~= "" then headers["Authorization"] = auth end
if method == "PUT" then headers["Content-Type"] = "application/octet-stream" else body = nil end
local n = 0
request = function()
  n = n + 1
  return wrk.format(method, prefix .. (n % names), headers, body)
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

run_wrk() { # $1 pass, $2 url, $3 lua → RES_OPS RES_P50 RES_P99 (ms); dies on a non-2xx answer or a socket error
  local out line requests duration_us p50_us p99_us non2xx sockerr
  if (( WARM > 0 )); then
    timeout $((WARM + 60)) taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${WARM}s" -s "$3" "$2" >/dev/null 2>&1 \
      || note "$1: warm-up failed (continuing)"
  fi
  out="$(timeout $((SECS + 60)) taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$3" "$2" 2>&1)" \
    || { echo "$out" >&2; die "wrk failed in $1"; }
  echo "$out" >>"$WORK/$1.wrk"
  line="$(grep '^BENCH ' <<<"$out" || true)"
  [[ -n "$line" ]] || { echo "$out" >&2; die "no result line from wrk in $1"; }
  eval "$(sed 's/^BENCH //' <<<"$line")"
  (( non2xx == 0 && sockerr == 0 )) || die "$1: $non2xx non-2xx answers, $sockerr socket errors (see $WORK/$1.wrk)"
  RES_OPS="$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')"
  RES_P50="$(awk -v v="$p50_us" 'BEGIN { printf "%.3f", v / 1000 }')"
  RES_P99="$(awk -v v="$p99_us" 'BEGIN { printf "%.3f", v / 1000 }')"
}

serve() { # $1 name, serve args… → a fresh volume; ATLAS_URL
  local name="$1"; shift
  rm -rf "$WORK/data-$name"
  atlas_start "$WORK/$name.log" "$SERVER_CPU" --data "$WORK/data-$name" --listen 127.0.0.1:0 \
    --admin-listen 127.0.0.1:0 --no-demo --cores 1 --engine "$ENGINE" "$@"
}

# ---- the GET server: NAMES objects under open/ and the same under secure/ (protected) ------------------------------
GET_LOG_NAME=get
serve "$GET_LOG_NAME" --protect secure/ --token-keys "$WORK/keys" --access-log off
for i in $(seq 0 $((NAMES - 1))); do
  for prefix in open secure; do
    code="$(curl -s -o /dev/null -w '%{http_code}' -T "$WORK/body" "$ATLAS_URL/$prefix/obj-$i")"
    [[ "$code" == 201 || "$code" == 204 ]] || die "seeding $prefix/obj-$i: HTTP $code (see $WORK/get.log)"
  done
done
SIGNED="$("${JAVA[@]}" sign --key "$KEY" --acl '/secure/*' --expires 6h --base "$ATLAS_URL/" secure/obj-0 | sed -n 3p)"
TOKEN_SEGMENT="$(sed -E 's|^https?://[^/]+/([^/]+)/.*|\1|' <<<"$SIGNED")"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$ATLAS_URL/$TOKEN_SEGMENT/secure/obj-1")" == 200 ]] \
  || die "the signed URL $ATLAS_URL/$TOKEN_SEGMENT/secure/obj-1 is not served"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$ATLAS_URL/secure/obj-1")" == 403 ]] \
  || die "secure/obj-1 is served without a token: --protect is not in force"
GET_URL="$ATLAS_URL"; GET_PID="$ATLAS_PID"; ATLAS_PID=""
LUA_GET_OPEN="$(write_lua GET /open/obj- "")"
LUA_GET_SIGNED="$(write_lua GET "/$TOKEN_SEGMENT/secure/obj-" "")"
LUA_PUT_OPEN="$(write_lua PUT /ingest/ "")"
LUA_PUT_BASIC="$(write_lua PUT /ingest/ "$BASIC")"
LUA_PUT_BEARER="$(write_lua PUT /ingest/ "Bearer $BEARER")"

declare -A OPS P50 P99
pass() { # $1 pass name → appends to OPS[$1] P50[$1] P99[$1]
  case "$1" in
    get-open) run_wrk "$1" "$GET_URL" "$LUA_GET_OPEN" ;;
    get-signed) run_wrk "$1" "$GET_URL" "$LUA_GET_SIGNED" ;;
    put-open) serve put-open; run_wrk "$1" "$ATLAS_URL" "$LUA_PUT_OPEN"; atlas_stop ;;
    put-basic) serve put-basic --auth-file "$WORK/auth"; run_wrk "$1" "$ATLAS_URL" "$LUA_PUT_BASIC"; atlas_stop ;;
    put-bearer) serve put-bearer --auth-file "$WORK/auth"; run_wrk "$1" "$ATLAS_URL" "$LUA_PUT_BEARER"; atlas_stop ;;
  esac
  OPS[$1]+="$RES_OPS "; P50[$1]+="$RES_P50 "; P99[$1]+="$RES_P99 "
  note "round $r: $1 $RES_OPS req/s, p50 $RES_P50 ms, p99 $RES_P99 ms"
}

last() { local a=(${OPS[$1]}); echo "${a[-1]}"; } # the latest round's req/s of a pass
PASSES=(get-open get-signed put-open put-basic put-bearer)
declare -a R_SIGNED=() R_BASIC=() R_BEARER=()
for r in $(seq 1 "$ROUNDS"); do
  # Rotate within each pair so neither side always goes first (warm caches, drifting clocks).
  if (( r % 2 )); then order=(get-open get-signed put-open put-basic put-bearer)
  else order=(get-signed get-open put-bearer put-basic put-open); fi
  for p in "${order[@]}"; do pass "$p"; done
  R_SIGNED+=("$(awk -v a="$(last get-signed)" -v b="$(last get-open)" 'BEGIN { print a / b }')")
  R_BASIC+=("$(awk -v a="$(last put-basic)" -v b="$(last put-open)" 'BEGIN { print a / b }')")
  R_BEARER+=("$(awk -v a="$(last put-bearer)" -v b="$(last put-open)" 'BEGIN { print a / b }')")
done
kill "$GET_PID" 2>/dev/null || true; wait "$GET_PID" 2>/dev/null || true

med() { local st; st="$(median_range "$@")"; echo "${st%% *}"; }
echo
echo "access-cost: $SIZE objects and bodies, $CONNS connections, ${SECS}s a pass, $ROUNDS round(s), engine $ENGINE,"
echo "  server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU; $JAR_DESC"
printf '%-11s %10s %9s %9s\n' pass 'req/s' 'p50 ms' 'p99 ms'
for p in "${PASSES[@]}"; do
  # shellcheck disable=SC2086  # the per-round values are space-separated on purpose
  printf '%-11s %10.0f %9.3f %9.3f\n' "$p" "$(med ${OPS[$p]})" "$(med ${P50[$p]})" "$(med ${P99[$p]})"
done
echo
verdict() { awk -v m="$1" 'BEGIN { print (m >= 0.95 ? "within 5 %" : "MORE than 5 %") }'; }
for row in "signed GET / open GET:R_SIGNED" "Basic PUT / open PUT:R_BASIC" "Bearer PUT / open PUT:R_BEARER"; do
  arr="${row#*:}[@]"; st="$(median_range "${!arr}")"
  printf '%-24s %s  (%s)\n' "${row%%:*}" "$(fmt_median "$st" "$ROUNDS" '%.3f×' '%.3f' short)" "$(verdict "${st%% *}")"
done
