#!/usr/bin/env bash
# fleet.sh — the edge fleet of issue 18 on this machine: an origin, an origin shield, N Atlas edges and Debian's
# HAProxy running docs/haproxy.cfg, each node in its own network namespace with its own address on a bridge, the
# clients (wrk, curl) in a namespace of their own. See bench/README.md, "A fleet of edges (fleet.sh)".
#
#   bench/fleet.sh                          # 300 × 1 MiB, edges' disk reads capped at 40 MB/s, N = 1, 2, 3 (≈ 6 min)
#   bench/fleet.sh --quick                  # 120 objects, 5 s passes: a check that everything works (≈ 3 min)
#   bench/fleet.sh --phases scaling --disk-mbps 60 -d 20s
#   bench/fleet.sh --origins nginx          # only the pass with nginx as a plain HTTP origin
#   bench/fleet.sh --help                   # every option
#
# Nodes (10.S.T.0/24; the bridge, in the root namespace, is .1 and is how this script reads every node's metrics):
#   origin .2   atlas serve holding the catalogue (imported), or in the nginx pass nginx serving the same files (.4)
#   shield .3   atlas serve --upstream origin: the edges' first upstream, so each object leaves the origin once
#   lb .5       haproxy -f (docs/haproxy.cfg with this fleet's addresses, a log, and a stats page on :8404)
#   client .6   wrk and curl
#   edgeK .1K   atlas serve --upstream shield --upstream origin --agent-listen --drain-delay 3s, each in a cgroup v1
#               blkio group of its own capping its disk reads at --disk-mbps, so that on this 2-CPU box the disk
#               and not the CPUs is each edge's limit, and an edge's share of the load sets its throughput.
#
# Phases, in this order (--phases picks some; the origin pass is run first with the Atlas origin, then with nginx):
#   scaling  for N = 1 … --edges: HAProxy with N servers; every object read once (the new edges fill their share),
#            a wrk warm-up, then `wrk -cC -dD` of uniformly random objects through HAProxy. Aggregate MB/s and
#            T(N) ÷ (N × T(1)) — issue 18 asks ≥ 0.9. Per edge: bytes sent, bytes read from its disk (blkio).
#   offload  origin egress (its atlas_sent_bytes_total, or nginx's $bytes_sent) over everything read so far,
#            divided by the catalogue's bytes — issue 18 asks ≤ 1.05 — and how many times the clients read it.
#   burst    1000 simultaneous GETs (curl --parallel --parallel-immediate) of an object nobody has read yet:
#            every answer 200 with the whole body; origin requests for it (its access log: 1 is the target),
#            upstream requests per edge and of the shield.
#   loss     (Atlas origin only) under wrk load, kill -9 of edge N; when HAProxy's stats say DOWN, the time it
#            took; requests HAProxy accepted after that and did not answer 200 (HAProxy's log: 0 is the target);
#            bytes the others refetched from the shield ÷ the catalogue, against the lost edge's share (≈ 1/N);
#            then the edge is restarted on its volume and every object read again one at a time: its upstream
#            requests (0: it kept its cache) and objects answered by another edge than before (0).
#   drain    (Atlas origin only) under wrk load, SIGTERM of edge 2 (drain delay 3 s): failed requests (0).
# The nginx pass starts a fresh shield and fresh edges (empty volumes) filling from nginx, and runs the phases
# above that concern the origin: a fill and a wrk pass with all edges (scaling at N = max only), offload, burst.
#
# Every wait is bounded (a node that does not answer health within 60 s, HAProxy's servers not UP within 30 s).
# On exit — normal, error, Ctrl-C or SIGTERM — every process it started is stopped, the namespaces, the bridge and
# the blkio groups deleted, and the work directory removed (--keep keeps it).
# Exit status: 0 when every phase ran without a failed request; 1 when one had failures; 2 on a setup failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROG=fleet

OBJECTS=300
SIZE=1m
DURATION=10s
WARMUP=3s
CONNS=32
EDGES=3
DISK_MBPS=40
EDGE_HOT=8m
ENGINE=uring
ORIGINS="atlas,nginx"
PHASES="scaling,offload,burst,loss,drain"
BURST=1000
WORKDIR_PARENT="${TMPDIR:-/tmp}"
KEEP=0
JAR=""

usage() {
  cat <<EOF
usage: bench/fleet.sh [options]          (run as root)
  -n, --objects N        catalogue size in objects (default $OBJECTS)
  -s, --size SIZE        object size: bytes, or with k/m suffix = KiB/MiB (default $SIZE)
  -d, --duration T       each measured wrk pass: 10s, 1m or seconds (default $DURATION)
  -w, --warmup T         wrk warm-up before a measured pass (default $WARMUP)
  -c, --connections C    wrk connections through HAProxy (default $CONNS)
      --edges N          the largest fleet; scaling runs N = 1 … this (default $EDGES, 2 to 9)
      --disk-mbps N      each edge's disk reads capped at N MB/s by a cgroup v1 blkio group (default $DISK_MBPS;
                         0: not capped — then this box's two CPUs, shared by every node, are the limit)
      --edge-hot-memory S  each edge's --hot-memory (default $EDGE_HOT: well below an edge's share of the catalogue,
                         so its disk serves most of what it sends; 0 turns the tier off)
      --engine E         atlas serve --engine: uring, nio or auto (default $ENGINE)
      --origins LIST     atlas, nginx or both, in that order (default $ORIGINS)
      --phases LIST      some of scaling,offload,burst,loss,drain (default all)
      --burst N          simultaneous requests of the burst phase (default $BURST)
      --quick            -n 120 -d 5s -w 2s: a check that everything works, not a measurement
      --workdir DIR      where the temporary directory goes (default $WORKDIR_PARENT); needs about
                         (2 + edges × 2) × the catalogue
      --keep             keep the temporary directory (catalogue, volumes, every node's log, HAProxy's log)
      --jar PATH         measure this atlas.jar (copied first). Default: ./atlas rebuilds target/atlas.jar if stale
  -h, --help             this text
EOF
}

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

while [[ $# -gt 0 ]]; do
  case "$1" in
    -n|--objects) OBJECTS="${2:?}"; shift 2 ;;
    -s|--size) SIZE="${2:?}"; shift 2 ;;
    -d|--duration) DURATION="${2:?}"; shift 2 ;;
    -w|--warmup) WARMUP="${2:?}"; shift 2 ;;
    -c|--connections) CONNS="${2:?}"; shift 2 ;;
    --edges) EDGES="${2:?}"; shift 2 ;;
    --disk-mbps) DISK_MBPS="${2:?}"; shift 2 ;;
    --edge-hot-memory) EDGE_HOT="${2:?}"; shift 2 ;;
    --engine) ENGINE="${2:?}"; shift 2 ;;
    --origins) ORIGINS="${2:?}"; shift 2 ;;
    --phases) PHASES="${2:?}"; shift 2 ;;
    --burst) BURST="${2:?}"; shift 2 ;;
    --quick) OBJECTS=120; DURATION=5s; WARMUP=2s; shift ;;
    --workdir) WORKDIR_PARENT="${2:?}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --jar) JAR="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done

SECS="$(seconds "$DURATION")"; [[ -n "$SECS" && "$SECS" -gt 0 ]] || die "--duration looks like 10s"
WARM="$(seconds "$WARMUP")"; [[ -n "$WARM" ]] || die "--warmup looks like 3s or 0"
SIZE_B="$(bytes_of "$SIZE")"; [[ -n "$SIZE_B" ]] || die "--size looks like 1m or 1048576"
for v in OBJECTS CONNS EDGES BURST; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "${v,,} must be a positive integer (got '${!v}')"
done
(( EDGES >= 2 && EDGES <= 9 )) || die "--edges must be 2 to 9 (got $EDGES)"
(( OBJECTS <= 99999 )) || die "--objects must be at most 99999 (bench/objects.lua names seg00000 … seg99999)"
[[ "$DISK_MBPS" =~ ^[0-9]+$ ]] || die "--disk-mbps must be a whole number of MB/s (got '$DISK_MBPS')"
[[ "$EDGE_HOT" == 0 || -n "$(bytes_of "$EDGE_HOT")" ]] || die "--edge-hot-memory looks like 8m or 0"
case "$ENGINE" in uring|nio|auto) ;; *) die "unknown engine '$ENGINE' (uring, nio, auto)" ;; esac
IFS=, read -r -a ORIGIN_LIST <<<"$ORIGINS"
for o in "${ORIGIN_LIST[@]}"; do case "$o" in atlas|nginx) ;; *) die "unknown origin '$o' (atlas, nginx)" ;; esac; done
IFS=, read -r -a PHASE_LIST <<<"$PHASES"
for p in "${PHASE_LIST[@]}"; do
  case "$p" in scaling|offload|burst|loss|drain) ;; *) die "unknown phase '$p' (scaling, offload, burst, loss, drain)" ;; esac
done
phase() { [[ ",$PHASES," == *",$1,"* ]]; }

[[ "$(id -u)" -eq 0 ]] || die "must run as root (network namespaces, a bridge, blkio cgroups)"
export PATH="$PATH:/usr/sbin:/sbin"
require_tools ip:iproute2 wrk:wrk curl:curl haproxy:haproxy nginx:nginx-light setsid:util-linux
if (( DISK_MBPS > 0 )); then
  [[ -d /sys/fs/cgroup/blkio ]] || die "--disk-mbps needs the cgroup v1 blkio controller at /sys/fs/cgroup/blkio (or --disk-mbps 0)"
fi

# ---- cleanup (also on Ctrl-C / SIGTERM) ------------------------------------------------------------------------------
TAG="$$"
NS_PREFIX="af$TAG"       # namespaces af<pid>-origin, af<pid>-edge1, …
BRIDGE="afb$TAG"
WORK=""
declare -A PID=()        # node name → pid of its process (atlas serve, haproxy, nginx)
declare -A ADDR=()       # node name → address
declare -A CG=()         # edge name → its blkio group
NAMESPACES=()
CHILD=""
stop_node() { # $1 name, $2 signal (TERM): the signal, then KILL after 15 s
  local name="$1" sig="${2:-TERM}" p="${PID[$1]:-}"
  [[ -n "$p" ]] || return 0
  kill "-$sig" "$p" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  PID[$name]=""
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$CHILD" ]]; then kill "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; fi
  local n
  for n in lb "${!PID[@]}"; do stop_node "$n" TERM; done
  for n in "${NAMESPACES[@]}"; do
    local p; for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$n" 2>/dev/null || note "could not delete namespace $n (ip netns del $n)"
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  for n in "${CG[@]}"; do rmdir "$n" 2>/dev/null || note "could not remove cgroup $n (rmdir it once its processes are gone)"; done
  if [[ -n "$WORK" ]]; then
    if [[ "$KEEP" == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'note "interrupted; cleaning up"; exit 130' INT
trap 'note "terminated; cleaning up"; exit 143' TERM

mkdir -p "$WORKDIR_PARENT"
WORK="$(mktemp -d "$WORKDIR_PARENT/atlas-fleet.XXXXXX")"
chmod 755 "$WORK"   # nginx's workers (nobody) read the catalogue in it
prepare_jar
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) >= BURST * 2 + 512 )) || die "open-file limit $(ulimit -n) is too low for a burst of $BURST (ulimit -Hn)"
# HAProxy wants two descriptors per connection (and a few of its own): its maxconn follows the limit it inherits.
HAPROXY_MAXCONN=$(( ($(ulimit -n) - 100) / 2 ))
(( HAPROXY_MAXCONN <= 10000 )) || HAPROXY_MAXCONN=10000

# ---- the network: a bridge and one namespace per node -------------------------------------------------------------
SUBNET=""
for i in $(seq 0 249); do
  x=$(( (TAG + i) % 250 ))
  if ! ip -o -4 addr show | grep -q " 10\.202\.$x\."; then SUBNET="10.202.$x"; break; fi
done
[[ -n "$SUBNET" ]] || die "no free 10.202.X.0/24 subnet"
ip link add "$BRIDGE" type bridge || die "cannot create the bridge $BRIDGE ('ip link add … type bridge')"
ip addr add "$SUBNET.1/24" dev "$BRIDGE" && ip link set "$BRIDGE" up || die "cannot configure the bridge $BRIDGE"
add_node() { # $1 name, $2 host number
  local name="$1" ns="$NS_PREFIX-$1" veth="afv$TAG${#NAMESPACES[@]}"
  ip netns add "$ns" || die "cannot create namespace $ns"
  NAMESPACES+=("$ns")
  ADDR[$name]="$SUBNET.$2"
  ip link add "$veth" type veth peer name eth0 netns "$ns" && ip link set "$veth" master "$BRIDGE" up \
    && ip -n "$ns" addr add "${ADDR[$name]}/24" dev eth0 && ip -n "$ns" link set eth0 up \
    && ip -n "$ns" link set lo up || die "cannot join namespace $ns to the bridge"
}
# In the foreground only: started in the background, a shell function is a subshell whose $! is not the command's
# pid, and killing it leaves the command running (a second HAProxy would then share the port through SO_REUSEPORT).
# Background commands are written out as `ip netns exec NS CMD &`, which execs CMD: $! is its pid.
in_ns() { local ns="$NS_PREFIX-$1"; shift; ip netns exec "$ns" "$@"; }
add_node origin 2; add_node shield 3; add_node nginx 4; add_node lb 5; add_node client 6
for ((k = 1; k <= EDGES; k++)); do add_node "edge$k" $((10 + k)); done
in_ns client sh -c 'echo "1024 65535" > /proc/sys/net/ipv4/ip_local_port_range'

# ---- the catalogue: random objects as files (the nginx pass serves them), imported into the Atlas origin ----------
CAT="$WORK/catalogue"
mkdir -p "$CAT/v" "$CAT/b"
CAT_BYTES=$(( OBJECTS * SIZE_B ))
note "writing $OBJECTS objects of $SIZE_B B ($(( CAT_BYTES / 1048576 )) MiB) and one burst object per origin pass"
head -c "$CAT_BYTES" /dev/urandom | (cd "$CAT/v" && split -a 5 -d -b "$SIZE_B" --additional-suffix=.ts - seg)
head -c "$SIZE_B" /dev/urandom >"$CAT/b/atlas.ts"
head -c "$SIZE_B" /dev/urandom >"$CAT/b/nginx.ts"
note "importing into the origin's volume"
timeout 600 "${JAVA[@]}" import "$CAT" --data "$WORK/origin" >"$WORK/import.log" 2>&1 \
  || { tail -n 20 "$WORK/import.log" >&2; die "atlas import failed (log tail above)"; }
URLS="$WORK/urls"   # every catalogue object once, as the client namespace reaches it through HAProxy
for ((i = 0; i < OBJECTS; i++)); do printf 'http://%s/v/seg%05d.ts\n' "$SUBNET.5" "$i"; done >"$URLS"

# ---- nodes --------------------------------------------------------------------------------------------------------
DISK_DEV=""
if (( DISK_MBPS > 0 )); then
  dev="$(df -P "$WORK" | awk 'NR == 2 {print $1}')"
  DISK_DEV="$(lsblk -dno MAJ:MIN "$dev" 2>/dev/null | tr -d ' ')"
  [[ -n "$DISK_DEV" ]] || die "--disk-mbps: cannot find the device of $WORK ($dev)"
  for ((k = 1; k <= EDGES; k++)); do
    g="/sys/fs/cgroup/blkio/atlas-fleet-$TAG-edge$k"
    mkdir "$g" || die "--disk-mbps: cannot create the blkio group $g"
    CG[edge$k]="$g"
    echo "$DISK_DEV $((DISK_MBPS * 1000000))" >"$g/blkio.throttle.read_bps_device" \
      || die "--disk-mbps: the kernel refused a read throttle on $DISK_DEV"
  done
fi
admin() { echo "http://${ADDR[$1]}:9180"; }
await_health() { # $1 name: its health answers 200 within 60 s, or the run ends with its log's tail
  local name="$1"
  for _ in $(seq 1 600); do
    curl -fs -o /dev/null --max-time 1 "$(admin "$name")/_atlas/health" && return 0
    kill -0 "${PID[$name]}" 2>/dev/null || { tail -n 20 "$WORK/$name.log" >&2; die "$name exited (log tail above)"; }
    sleep 0.1
  done
  tail -n 20 "$WORK/$name.log" >&2; die "$name did not answer health within 60 s"
}
start_atlas() { # $1 name, then its own serve flags. An edge joins its blkio group before the JVM starts.
  local name="$1" a="${ADDR[$1]}"; shift
  local cg="${CG[$name]:-}"
  (
    [[ -z "$cg" ]] || echo "$BASHPID" >"$cg/cgroup.procs"
    exec ip netns exec "$NS_PREFIX-$name" "${JAVA[@]}" serve --listen "$a:8080" --admin-listen "$a:9180" \
      --engine "$ENGINE" --cores 1 --no-demo --data "$WORK/$name" --access-log "$WORK/$name-access.log" "$@"
  ) >>"$WORK/$name.log" 2>&1 </dev/null &
  PID[$name]=$!
  await_health "$name"
}
UPSTREAM_ORIGIN=""
start_shield() { start_atlas shield --upstream "$UPSTREAM_ORIGIN"; }
start_edge() { # $1 k
  local a="${ADDR[edge$1]}"
  start_atlas "edge$1" --upstream "http://${ADDR[shield]}:8080/" --upstream "$UPSTREAM_ORIGIN" \
    --hot-memory "$EDGE_HOT" --agent-listen "$a:9181" --drain-delay 3s
}

# HAProxy: the shipped config with this fleet's addresses and servers atlas1 … atlasN, a request log on stdout
# (its accept times and statuses are what the loss phase counts) and a stats page (the servers' states).
LB="${ADDR[lb]}"
HAPROXY_LOG=""
start_haproxy() { # $1 N servers; $2 the log's name
  local n="$1" cfg="$WORK/haproxy-$2.cfg" k
  HAPROXY_LOG="$WORK/haproxy-$2.log"
  {
    sed -e "s|^    bind :80\$|    bind $LB:80|" -e "s|^    maxconn 100000\$|    maxconn $HAPROXY_MAXCONN|" \
      -e '/^    server atlas[0-9]/d' \
      -e 's|^global$|global\n    log stdout format raw local0 info|' \
      -e 's|^defaults$|defaults\n    log global\n    option httplog|' "$ROOT/docs/haproxy.cfg"
    for ((k = 1; k <= n; k++)); do echo "    server atlas$k ${ADDR[edge$k]}:8080 agent-port 9181"; done
    printf '\nfrontend stats\n    bind %s:8404\n    stats enable\n    stats uri /stats\n' "$LB"
  } >"$cfg"
  grep -q "bind $LB:80" "$cfg" || die "docs/haproxy.cfg has no 'bind :80' line to point at $LB"
  ip netns exec "$NS_PREFIX-lb" haproxy -db -f "$cfg" >"$HAPROXY_LOG" 2>&1 </dev/null &
  PID[lb]=$!
  for _ in $(seq 1 300); do
    (( $(servers_in UP | wc -w) == n )) && return 0
    kill -0 "${PID[lb]}" 2>/dev/null || { tail -n 20 "$HAPROXY_LOG" >&2; die "haproxy exited (log tail above)"; }
    sleep 0.1
  done
  tail -n 20 "$HAPROXY_LOG" >&2; die "HAProxy's servers were not all UP within 30 s"
}
servers_in() { # $1 a state (UP, DOWN, DRAIN…) → the names of the backend's servers in it, from the stats CSV
  curl -fs --max-time 1 "http://$LB:8404/stats;csv" 2>/dev/null \
    | awk -F, -v s="$1" '$1 == "atlas" && $2 != "BACKEND" && $18 == s { printf "%s ", $2 }' || true
}

# ---- measuring -----------------------------------------------------------------------------------------------------
metric() { metric_sum "$(admin "$1")" "$2" "${3:-}" || true; }   # 0 for a node that is down
disk_read() { # $1 edge: the bytes its blkio group has read so far (0 when not capped)
  local g="${CG[$1]:-}"
  [[ -n "$g" ]] || { echo 0; return 0; }
  awk '$2 == "Read" { s += $3 } END { printf "%.0f\n", s }' "$g/blkio.throttle.io_service_bytes" 2>/dev/null || echo 0
}
LUA="$ROOT/bench/objects.lua"
WRK_LINE=""
run_wrk() { # $1 seconds, $2 output file: wrk through HAProxy from the client namespace → WRK_LINE (its BENCH line)
  local out="$2" rc=0
  ip netns exec "$NS_PREFIX-client" wrk -t1 -c"$CONNS" -d"$1s" --timeout 20s --latency -s "$LUA" "http://$LB" -- "$OBJECTS" uniform \
    >"$out" 2>&1 </dev/null &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  WRK_LINE="$(grep '^BENCH ' "$out" || true)"
  [[ $rc -eq 0 && -n "$WRK_LINE" ]] || { tail -n 5 "$out" >&2; die "wrk failed (see $out)"; }
}
field() { local v; v="$(sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $WRK_LINE")"; echo "${v:-0}"; }
read_all() { # every object once, 8 at a time, through HAProxy → the count of answers that were not a whole 200
  { in_ns client xargs -P 8 -n 1 curl -s -o /dev/null --max-time 60 -w '%{http_code} %{size_download}\n' <"$URLS" || true; } \
    | awk -v b="$SIZE_B" '$1 != 200 || $2 != b { bad++ } END { print bad + 0 }'
}
declare -A HOME_OF=()
map_homes() { # every object once, one at a time (nothing spills): the edge HAProxy sends it to → HOME_OF
  local url node
  HOME_OF=()
  while read -r url; do
    node="$(in_ns client curl -s -o /dev/null -I --max-time 10 -D - "$url" | tr -d '\r' \
      | awk 'tolower($1) == "x-atlas-node:" { print $2 }')"
    HOME_OF[$url]="${node:-?}"
  done <"$URLS"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else printf "n/a" }'; }
mib() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1048576 }'; }
FAILED=0
RESULTS=()   # the summary's lines, printed at the end
say() { RESULTS+=("$*"); note "$*"; }
snapshot() { # $1 a phase: every running Atlas node's metrics into the work directory, for reading after --keep
  local n
  for n in origin shield $(for ((k = 1; k <= EDGES; k++)); do echo "edge$k"; done); do
    [[ -n "${PID[$n]:-}" ]] && curl -fs --max-time 2 "$(admin "$n")/_atlas/metrics" >"$WORK/metrics-$1-$n.txt" 2>/dev/null || true
  done
}

# ---- the phases ------------------------------------------------------------------------------------------------------
scaling() { # $1 origin pass name; $2.. the fleet sizes to measure
  local pass="$1" n k; shift
  local single="" single_disk=""
  for n in "$@"; do
    stop_node lb TERM
    start_haproxy "$n" "$pass-n$n"
    local bad; bad="$(read_all)"
    (( bad == 0 )) || { say "$pass scaling N=$n: $bad of $OBJECTS objects not served whole while filling"; FAILED=1; }
    (( WARM == 0 )) || run_wrk "$WARM" "$WORK/wrk-$pass-n$n-warm.txt"
    local -a sent0=() disk0=() up0=()
    for ((k = 1; k <= n; k++)); do
      sent0[k]="$(metric "edge$k" atlas_sent_bytes_total)"; disk0[k]="$(disk_read "edge$k")"
      up0[k]="$(metric "edge$k" atlas_upstream_requests_total)"
    done
    run_wrk "$SECS" "$WORK/wrk-$pass-n$n.txt"
    local bytes us mbps per="" errors disk_sum=0
    bytes="$(field bytes)"; us="$(field duration_us)"
    errors=$(( $(field non2xx) + $(field sockerr) ))
    mbps="$(awk -v b="$bytes" -v u="$us" 'BEGIN { printf "%.1f", b / u }')"
    for ((k = 1; k <= n; k++)); do
      local s d u
      s=$(( $(metric "edge$k" atlas_sent_bytes_total) - sent0[k] )); d=$(( $(disk_read "edge$k") - disk0[k] ))
      u=$(( $(metric "edge$k" atlas_upstream_requests_total) - up0[k] )); disk_sum=$((disk_sum + d))
      per+="$(printf ' atlas%d sent %s MB/s, disk %s MB/s, %d fills;' "$k" \
        "$(awk -v b="$s" -v u="$us" 'BEGIN { printf "%.1f", b / u }')" \
        "$(awk -v b="$d" -v u="$us" 'BEGIN { printf "%.1f", b / u }')" "$u")"
    done
    local disk_mbps; disk_mbps="$(awk -v b="$disk_sum" -v u="$us" 'BEGIN { printf "%.1f", b / u }')"
    (( n != 1 )) || { single="$mbps"; single_disk="$disk_mbps"; }
    local target="n/a (no N = 1 in this pass)"
    if [[ -n "$single" ]]; then
      target="$(awk -v t="$mbps" -v s="$single" -v n="$n" 'BEGIN { printf "%.2f", t / (n * s) }')"
      # The pass's figure is its worst N.
      if (( n > 1 )) && { [[ -z "$SCALING_LAST" ]] || awk -v a="$target" -v b="$SCALING_LAST" 'BEGIN { exit !(a < b) }'; }; then
        SCALING_LAST="$target"
      fi
    fi
    local disk_ratio="n/a"
    [[ -z "$single_disk" ]] || disk_ratio="$(awk -v t="$disk_mbps" -v s="$single_disk" -v n="$n" 'BEGIN { printf "%.2f", (s > 0 ? t / (n * s) : 0) }')"
    say "$pass scaling N=$n: $mbps MB/s, $(field requests) requests, p99 $(( $(field p99_us) / 1000 )) ms," \
      "$errors failed; T(N) / (N × T(1)) = $target; the edges' disks read $disk_mbps MB/s in all (÷ N × at N = 1:" \
      "$disk_ratio);${per%;}"
    (( errors == 0 )) || FAILED=1
  done
}

offload() { # $1 pass, $2 the origin's egress since the run began, $3 what the clients were sent through HAProxy
  local r; r="$(ratio "$2" "$CAT_BYTES")"
  say "$1 offload: origin egress $(mib "$2") MiB = $r × the catalogue ($(mib "$CAT_BYTES") MiB), while the clients" \
    "read it $(ratio "$3" "$CAT_BYTES") times over; target ≤ 1.05"
  OFFLOAD_LAST="$r"
}

burst() { # $1 pass, $2 the burst object's path, $3 a command printing how many GETs of it the origin logged
  local pass="$1" path="$2" k
  local -a up0=()
  for ((k = 1; k <= EDGES; k++)); do up0[k]="$(metric "edge$k" atlas_upstream_requests_total)"; done
  local shield0; shield0="$(metric shield atlas_upstream_requests_total)"
  # curl runs at most 300 transfers at once, so the burst is ceil(BURST / 250) curls started together, each opening
  # all of its connections at once (--parallel-immediate) rather than waiting to reuse one.
  local procs=$(( (BURST + 249) / 250 )) p j t0 answers bad
  local -a curls=()
  for ((p = 0; p < procs; p++)); do
    for ((j = p; j < BURST; j += procs)); do printf 'url = "http://%s/%s"\noutput = "/dev/null"\n' "$LB" "$path"; done \
      >"$WORK/burst-$pass-$p.curl"
  done
  t0="$(date +%s%N)"
  for ((p = 0; p < procs; p++)); do
    ip netns exec "$NS_PREFIX-client" curl -s --parallel --parallel-immediate --parallel-max 250 --max-time 60 \
      -w '%{http_code} %{size_download}\n' -K "$WORK/burst-$pass-$p.curl" >"$WORK/burst-$pass-$p.out" 2>"$WORK/burst-$pass-$p.err" </dev/null &
    curls+=($!)
  done
  for p in "${curls[@]}"; do wait "$p" || true; done
  answers="$(cat "$WORK"/burst-"$pass"-*.out)"
  # One "STATUS BYTES" line per transfer (curl's parallel progress meter goes to stderr, not counted).
  bad="$(awk -v b="$SIZE_B" '/^[0-9]+ [0-9]+$/ && ($1 != 200 || $2 != b) { bad++ } END { print bad + 0 }' <<<"$answers")"
  local got; got="$(grep -cE '^[0-9]+ [0-9]+$' <<<"$answers" || true)"
  local per=""
  for ((k = 1; k <= EDGES; k++)); do per+="$(( $(metric "edge$k" atlas_upstream_requests_total) - up0[k] )) "; done
  local origin_gets=""
  for _ in $(seq 1 50); do origin_gets="$($3)"; (( origin_gets >= 1 )) && break; sleep 0.1; done
  say "$pass burst: $BURST simultaneous GETs of /$path in $(( ($(date +%s%N) - t0) / 1000000 )) ms: $((got - bad)) whole" \
    "200s, $(( BURST - got + bad )) failed; origin requests $origin_gets (target 1); upstream requests per edge" \
    "[${per% }], of the shield $(( $(metric shield atlas_upstream_requests_total) - shield0 ))"
  (( got == BURST && bad == 0 )) || FAILED=1
  BURST_LAST="$origin_gets"
}

await_served() { # $1 node, $2 n: the load reaches it — it has answered n more requests (15 s at most)
  local r0; r0="$(metric "$1" atlas_requests_total)"
  for _ in $(seq 1 150); do (( $(metric "$1" atlas_requests_total) >= r0 + $2 )) && return 0; sleep 0.1; done
  note "$1 answered fewer than $2 requests in 15 s of load"
}

# HAProxy's request log (option httplog, raw): of the GETs accepted at or after HH:MM:SS.mmm ($1), how many, and how
# many not answered 200. The accept date is %tr, the 2nd field ([04/Dec/2026:18:55:01.234]); the status the 6th.
failed_after() {
  awk -v t="$1" '
    function sec(s,  p) { split(s, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
    $2 ~ /^\[[0-9]+\/[A-Za-z]+\/[0-9]+:/ && $0 ~ /"GET / {
      d = substr($2, 2, length($2) - 2); sub(/^[^:]*:/, "", d)
      if (sec(d) >= sec(t)) { n++; if ($6 != 200) bad++ }
    } END { printf "%d %d\n", n + 0, bad + 0 }' "$HAPROXY_LOG"
}

loss() {
  local lost="edge$EDGES" name="atlas$EDGES" k
  map_homes
  local share=0 url homes=""; for url in "${!HOME_OF[@]}"; do [[ "${HOME_OF[$url]}" == "$name" ]] && share=$((share + 1)); done
  for ((k = 1; k <= EDGES; k++)); do
    homes+="atlas$k $(for url in "${!HOME_OF[@]}"; do echo "${HOME_OF[$url]}"; done | grep -cx "atlas$k" || true), "
  done
  note "loss: objects per edge before the kill (one at a time, nothing spills): ${homes%, }"
  run_wrk 3 "$WORK/wrk-loss-before.txt"   # at the load's concurrency: what bounded loads spill is filled first
  local shield_sent0; shield_sent0="$(metric shield atlas_sent_bytes_total)"
  ip netns exec "$NS_PREFIX-client" wrk -t1 -c"$CONNS" -d"$(( SECS + 8 ))s" --timeout 20s -s "$LUA" "http://$LB" -- "$OBJECTS" uniform \
    >"$WORK/wrk-loss.txt" 2>&1 </dev/null &
  CHILD=$!
  await_served "$lost" 20
  local shield_lines0; shield_lines0="$(wc -l <"$WORK/shield-access.log")"
  local killed; killed="$(date +%s%N)"
  stop_node "$lost" KILL
  local down_at="" down_ms=""
  for _ in $(seq 1 300); do
    if [[ " $(servers_in DOWN) " == *" $name "* ]]; then
      down_at="$(date +%H:%M:%S.%3N)"; down_ms=$(( ($(date +%s%N) - killed) / 1000000 )); break
    fi
    sleep 0.05
  done
  wait "$CHILD" || true; CHILD=""
  WRK_LINE="$(grep '^BENCH ' "$WORK/wrk-loss.txt" || true)"
  [[ -n "$down_at" ]] || { say "loss: HAProxy did not mark $name DOWN within 15 s"; FAILED=1; return 0; }
  local after bad; read -r after bad <<<"$(failed_after "$down_at")"
  local before_failed=$(( $(field non2xx) + $(field sockerr) ))
  # The lost edge's objects once more, one at a time, so each is fetched (once) by its new home.
  local moved_bad; moved_bad="$(read_all)"
  local refetched=$(( $(metric shield atlas_sent_bytes_total) - shield_sent0 ))
  # What the shield sent since the kill, by whose object it was: its access log past the lines it had then (one
  # core: lines in the order the answers completed), once it holds a line for each request it counted.
  local served; served="$(metric shield atlas_requests_total)"
  for _ in $(seq 1 100); do (( $(wc -l <"$WORK/shield-access.log") >= served - 2 )) && break; sleep 0.1; done
  local moved=0 others=0 path
  while read -r path; do
    if [[ "${HOME_OF[http://$LB/$path]:-}" == "$name" ]]; then moved=$((moved + 1)); elif [[ -n "${HOME_OF[http://$LB/$path]:-}" ]]; then others=$((others + 1)); fi
  done < <(tail -n +"$((shield_lines0 + 1))" "$WORK/shield-access.log" | sed -n 's|.*"GET /\([^ ]*\) HTTP/1.1" 20[06] .*|\1|p')
  say "loss: kill -9 of $name ($share of $OBJECTS objects its own) under $CONNS connections: DOWN after $down_ms ms;" \
    "of $after requests accepted after that, $bad not answered 200 (target 0; wrk saw $before_failed failed in all);" \
    "refetched $(ratio "$refetched" "$CAT_BYTES") × the catalogue (its share $(ratio "$share" "$OBJECTS")): its objects" \
    "$(ratio "$moved" "$share") × over, the others' $(ratio "$others" "$((OBJECTS - share))") ×"
  (( bad == 0 )) || FAILED=1
  (( moved_bad == 0 )) || { say "loss: $moved_bad of $OBJECTS objects not served whole when read again after it"; FAILED=1; }
  # Back on its volume: it must answer its share from its cache.
  k="$EDGES"
  start_edge "$k"
  for _ in $(seq 1 300); do [[ " $(servers_in UP) " == *" $name "* ]] && break; sleep 0.1; done
  local up0; up0="$(metric "$lost" atlas_upstream_requests_total)"
  declare -A before=(); for url in "${!HOME_OF[@]}"; do before[$url]="${HOME_OF[$url]}"; done
  map_homes
  local elsewhere=0; for url in "${!HOME_OF[@]}"; do [[ "${HOME_OF[$url]}" == "${before[$url]}" ]] || elsewhere=$((elsewhere + 1)); done
  say "loss: $name restarted on its volume: $(( $(metric "$lost" atlas_upstream_requests_total) - up0 )) upstream" \
    "requests while every object was read again (target 0), $elsewhere objects answered by another edge than before"
}

drain() {
  local k=2 name=atlas2
  ip netns exec "$NS_PREFIX-client" wrk -t1 -c"$CONNS" -d"$(( SECS + 6 ))s" --timeout 20s -s "$LUA" "http://$LB" -- "$OBJECTS" uniform \
    >"$WORK/wrk-drain.txt" 2>&1 </dev/null &
  CHILD=$!
  await_served "edge$k" 20
  local t0; t0="$(date +%s%N)"
  stop_node "edge$k" TERM
  local stopped_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  wait "$CHILD" || true; CHILD=""
  WRK_LINE="$(grep '^BENCH ' "$WORK/wrk-drain.txt" || true)"
  local failed=$(( $(field non2xx) + $(field sockerr) ))
  say "drain: SIGTERM of $name under $CONNS connections (drain delay 3 s, exited after $stopped_ms ms):" \
    "$(field requests) requests, $failed failed (target 0)"
  (( failed == 0 )) || FAILED=1
  start_edge "$k"
  for _ in $(seq 1 300); do [[ " $(servers_in UP) " == *" $name "* ]] && break; sleep 0.1; done
}

lb_sent() { awk '$6 ~ /^[0-9]+$/ && $7 ~ /^[0-9]+$/ && $0 ~ /"GET / { s += $7 } END { printf "%.0f\n", s }' "$WORK"/haproxy-"$1"-*.log; }
gets_in() { awk -v p="\"GET /$2 " 'index($0, p) { n++ } END { print n + 0 }' "$1" 2>/dev/null || echo 0; }
atlas_origin_gets() { gets_in "$WORK/origin-access.log" "$1"; }
nginx_origin_gets() { gets_in "$WORK/nginx-access.log" "$1"; }

# ---- the Atlas origin pass -------------------------------------------------------------------------------------------
SCALING_LAST=""; OFFLOAD_LAST=""; BURST_LAST=""
declare -A SUMMARY=()
sizes=(); for ((n = 1; n <= EDGES; n++)); do sizes+=("$n"); done
if [[ ",$ORIGINS," == *",atlas,"* ]]; then
  note "starting the Atlas origin, the shield and $EDGES edges"
  start_atlas origin
  UPSTREAM_ORIGIN="http://${ADDR[origin]}:8080/"
  start_shield
  for ((k = 1; k <= EDGES; k++)); do start_edge "$k"; done
  origin0="$(metric origin atlas_sent_bytes_total)"
  if phase scaling; then scaling atlas "${sizes[@]}"; else start_haproxy "$EDGES" "atlas-n$EDGES"; read_all >/dev/null; fi
  snapshot atlas-scaling
  phase offload && offload atlas $(( $(metric origin atlas_sent_bytes_total) - origin0 )) "$(lb_sent atlas)"
  phase burst && { burst atlas b/atlas.ts "atlas_origin_gets b/atlas.ts"; snapshot atlas-burst; }
  phase loss && { loss; snapshot atlas-loss; }
  phase drain && { drain; snapshot atlas-drain; }
  SUMMARY[atlas]="scaling (worst N) ${SCALING_LAST:-n/a}, offload ${OFFLOAD_LAST:-n/a}, burst origin requests ${BURST_LAST:-n/a}"
  note "stopping the Atlas fleet"
  stop_node lb
  for ((k = 1; k <= EDGES; k++)); do stop_node "edge$k"; rm -rf "$WORK/edge$k"; done
  stop_node shield; rm -rf "$WORK/shield"
  stop_node origin
fi

# ---- the nginx origin pass: fresh shield and edges filling from nginx ---------------------------------------------
if [[ ",$ORIGINS," == *",nginx,"* ]]; then
  SCALING_LAST=""; OFFLOAD_LAST=""; BURST_LAST=""
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
    log_format bytes '\$remote_addr [\$time_local] "\$request" \$status \$bytes_sent';
    access_log $WORK/nginx-access.log bytes;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    server {
        listen ${ADDR[nginx]}:8080;
        root $CAT;
    }
}
EOF
  ip netns exec "$NS_PREFIX-nginx" nginx -c "$WORK/nginx.conf" -p "$WORK/nginx" >"$WORK/nginx.log" 2>&1 </dev/null &
  PID[nginx]=$!
  for _ in $(seq 1 100); do curl -fs -o /dev/null --max-time 1 "http://${ADDR[nginx]}:8080/b/nginx.ts" && break; sleep 0.1; done
  curl -fs -o /dev/null --max-time 2 "http://${ADDR[nginx]}:8080/b/nginx.ts" || { cat "$WORK/nginx.log" >&2; die "nginx did not serve"; }
  : >"$WORK/nginx-access.log"   # the readiness probe above is not the fleet's
  note "starting a fresh shield and $EDGES fresh edges filling from nginx"
  UPSTREAM_ORIGIN="http://${ADDR[nginx]}:8080/"
  start_shield
  for ((k = 1; k <= EDGES; k++)); do start_edge "$k"; done
  if phase scaling || phase offload; then scaling nginx "$EDGES"; else start_haproxy "$EDGES" "nginx-n$EDGES"; fi
  nginx_sent="$(awk '{ s += $NF } END { printf "%.0f\n", s }' "$WORK/nginx-access.log")"
  phase offload && offload nginx "$nginx_sent" "$(lb_sent nginx)"
  snapshot nginx-scaling
  phase burst && { burst nginx b/nginx.ts "nginx_origin_gets b/nginx.ts"; snapshot nginx-burst; }
  SUMMARY[nginx]="scaling at N=$EDGES only, offload ${OFFLOAD_LAST:-n/a}, burst origin requests ${BURST_LAST:-n/a}"
fi

# ---- the summary ---------------------------------------------------------------------------------------------------
echo
echo "Edge fleet — $OBJECTS objects × $SIZE_B B ($(mib "$CAT_BYTES") MiB), $EDGES edges (atlas serve --engine $ENGINE" \
  "--cores 1 --hot-memory $EDGE_HOT), shield, HAProxy $(haproxy -v 2>/dev/null | awk 'NR == 1 { print $3 }')" \
  "with docs/haproxy.cfg, wrk -t1 -c$CONNS -d${SECS}s, uniform objects"
echo "edges' disk reads: $( (( DISK_MBPS > 0 )) && echo "capped at $DISK_MBPS MB/s each (blkio, device $DISK_DEV)" || echo "not capped")"
echo "jar $JAR_DESC"
for line in "${RESULTS[@]}"; do echo "  $line"; done
for o in "${ORIGIN_LIST[@]}"; do [[ -n "${SUMMARY[$o]:-}" ]] && echo "$o origin: ${SUMMARY[$o]}"; done
echo "Issue 18 targets: scaling T(N) ≥ 0.9 × N × T(1); origin egress ≤ 1.05 × the catalogue; 1 origin request per burst;"
echo "  0 failed requests after HAProxy marks a killed edge down and during a drain; refetch ≈ the lost edge's share."
exit "$FAILED"
