#!/usr/bin/env bash
# netem.sh — the real-round-trip-time mode of the read-path benchmark (DESIGN.md §5, issue 4 point 4): Atlas with
# its clients in a network namespace behind a veth pair that delays every flow by 10–40 ms, against the same run
# with no delay, at thousands of connections. See bench/README.md, "Real round-trip times (netem)".
#
#   bench/netem.sh                                  # 2000 × 300 KiB, -c 1000,5000, 10 s passes (≈ 3 min)
#   bench/netem.sh --10k                            # adds 10 000 connections
#   bench/netem.sh -n 500 -d 5s -c 1000 --jar /tmp/x/atlas.jar
#   bench/netem.sh -c 1000 --rounds 3 --disk-mbps 300  # 3 pairs; the disk held at 300 MB/s, so only the RTT differs
#   bench/netem.sh --help                           # every option
#
# What it does (as root; nothing leaves this machine):
#   1. writes a catalogue of N random objects and imports it into a fresh Atlas volume (as wrk-vs-nginx.sh does);
#   2. creates a network namespace atlas-cli-<pid> and a veth pair, 10.201.X.1/24 on the root side (the server
#      listens there) and 10.201.X.2/24 in the namespace (the clients); no routes, no forwarding: the traffic only
#      goes between the two ends of the pair;
#   3. for every connection count C, two passes on a freshly started server: "no delay", then "delay"
#      (the order alternates between rounds; --rounds R repeats the pair R times per C, still alternating).
#      The delay is on the client side of the pair, on the client → server direction (requests and ACKs),
#      so RTT = the delay. Two ways to add it (--delay-mode):
#        netem    `tc qdisc add dev <client veth> root netem delay MEANms JITms distribution normal limit L`
#                 (MEAN = middle of --delay, JIT = a quarter of its width; the no-delay pass has no qdisc);
#        nfqueue  when the kernel has no sch_netem (CONFIG_NET_SCH_NETEM unset, as in the dev sandbox): iptables
#                 NFQUEUE rules in the namespace hand each packet's metadata to a small C delayer (written into the
#                 work directory and compiled with cc) that holds its verdict; flows fall into --delay-classes
#                 classes by client port bits, each with its own queue and one fixed delay, evenly spread over --delay,
#                 so each connection keeps one RTT, is never reordered, and a queue's packets leave in arrival
#                 order (batch verdicts). Each queue (netem's `limit`) holds L packets. The no-delay pass goes through the same delayer with
#                 0 ms, so both passes pay the same per-packet cost and only the RTT differs (--direct-baseline:
#                 no queue at all in that pass).
#      L (default) is 2 × the bandwidth-delay product at --link-gbit and the largest delay, in 1500-byte packets.
#      Each pass: start the server, check it serves the catalogue (from the namespace), short wrk warm-up, drop
#      the page cache, then `wrk -t1 -cC -dD --latency` inside the namespace with a Lua script asking for a random
#      object per request over persistent connections, while sampling /metrics and the server's VmRSS every second.
#   4. prints one table and, per C, delayed / no-delay throughput and issue 4's target (≥ 0.9×, buffers ≤ the cap);
#      with --rounds R > 1 the ratio is the median over the rounds of each pair's ratio, with the min–max.
#   --disk-mbps N puts the server in a cgroup v1 blkio group capping its reads of the volume's device at N MB/s.
# On exit — normal, error, Ctrl-C or SIGTERM — it stops the server, wrk, the delayer and the sampler, deletes the
# namespace (which takes the veth pair, the qdisc and the iptables rule with it), the blkio cgroup (--disk-mbps)
# and the work directory.
# Exit status: 0 clean; 1 when a pass failed or had errors; 2 on a setup failure (one line saying why).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROG=netem

OBJECTS=2000
SIZE=300k
DURATION=10s
WARMUP=2s
CONNS="1000,5000"
THREADS=1
ENGINE=uring
ATLAS_CORES=1
DELAY="10-40"
DELAY_MODE=auto
DELAY_CLASSES=8
LINK_GBIT=10
LIMIT=""
DIRECT_BASELINE=0
BUF_CAP_MIB=""
WORKDIR_PARENT="${TMPDIR:-/tmp}"
KEEP=0
DROP=1
JAR=""
ROUNDS=1
DISK_MBPS=""

usage() {
  cat <<EOF
usage: bench/netem.sh [options]          (run as root)
  -n, --objects N          catalogue size in objects (default $OBJECTS)
  -s, --size SIZE          object size: bytes, or with k/m suffix = KiB/MiB (default $SIZE)
  -d, --duration T         measured time per pass: 10s, 1m or seconds (default $DURATION)
  -w, --warmup T           wrk warm-up before the cache drop, 0 to skip (default $WARMUP)
  -c, --connections LIST   connection counts, comma-separated; each is a round of two passes (default $CONNS)
      --10k                add 10000 to the connection counts
      --rounds N           run each connection count's pair of passes N times (order alternating); the target then
                           uses the median over the rounds of each pair's delayed / no-delay, with the min–max
                           (default $ROUNDS)
  -t, --threads N          wrk threads (default $THREADS)
      --engine E           atlas serve --engine: uring, nio or auto (default $ENGINE)
      --cores N            atlas serve --cores (default $ATLAS_CORES)
      --delay MIN-MAX      one-way delay added to the client → server direction, in ms (= the RTT added);
                           netem: mean and jitter from it; nfqueue: per flow, uniform in it (default $DELAY)
      --delay-mode M       auto (netem if the kernel has it, else nfqueue), netem or nfqueue (default $DELAY_MODE)
      --delay-classes N    nfqueue: the flows' delays are N fixed values spread evenly over --delay, by client
                           port bits, one queue each (a power of two up to 64; default $DELAY_CLASSES)
      --link-gbit G        link rate for the bandwidth-delay product that sizes the queue (default $LINK_GBIT)
      --limit L            the queue's limit in packets (netem limit / NFQUEUE maxlen); default 2 × BDP
      --buffer-cap-mib M   the server's I/O buffer cap per core (atlas serve --buffer-memory Mm), also checked
                           against the sampled buffers (default: Atlas's own, read back from its log). Zero-copy
                           sends hold a buffer until the peer acknowledges it, so the cap bounds the bytes in
                           flight: for throughput T at round trip R it must exceed about T × R
      --disk-mbps N        cap the server's disk reads at N MB/s (cgroup v1 blkio throttle on the volume's device):
                           the disk is then the bottleneck at a known rate in both passes, so their ratio shows the
                           effect of the round trip, not of this VM's disk, whose throughput grows with the bytes
                           held outstanding (and zero-copy sends hold buffers for a round trip)
      --direct-baseline    nfqueue mode: the no-delay pass bypasses the delayer (default: through it at 0 ms)
      --no-drop            do not drop the page cache before passes
      --workdir DIR        where the temporary directory goes (default $WORKDIR_PARENT); needs 2 × N × SIZE + 300 MiB
      --keep               keep the temporary directory (catalogue, volume, logs, wrk outputs, samples)
      --jar PATH           measure this atlas.jar (copied first). Default: ./atlas rebuilds target/atlas.jar if stale
  -h, --help               this text
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
    -c|--connections|--conns) CONNS="${2:?}"; shift 2 ;;
    --10k) CONNS="$CONNS,10000"; shift ;;
    --rounds) ROUNDS="${2:?}"; shift 2 ;;
    --disk-mbps) DISK_MBPS="${2:?}"; shift 2 ;;
    -t|--threads) THREADS="${2:?}"; shift 2 ;;
    --engine) ENGINE="${2:?}"; shift 2 ;;
    --cores) ATLAS_CORES="${2:?}"; shift 2 ;;
    --delay) DELAY="${2:?}"; shift 2 ;;
    --delay-mode) DELAY_MODE="${2:?}"; shift 2 ;;
    --link-gbit) LINK_GBIT="${2:?}"; shift 2 ;;
    --delay-classes) DELAY_CLASSES="${2:?}"; shift 2 ;;
    --limit) LIMIT="${2:?}"; shift 2 ;;
    --direct-baseline) DIRECT_BASELINE=1; shift ;;
    --buffer-cap-mib) BUF_CAP_MIB="${2:?}"; shift 2 ;;
    --no-drop) DROP=0; shift ;;
    --workdir) WORKDIR_PARENT="${2:?}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --jar) JAR="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done


SECS="$(seconds "$DURATION")"; [[ -n "$SECS" && "$SECS" -gt 0 ]] || die "--duration looks like 10s"
WARM="$(seconds "$WARMUP")"; [[ -n "$WARM" ]] || die "--warmup looks like 2s or 0"
SIZE_B="$(bytes_of "$SIZE")"; [[ -n "$SIZE_B" ]] || die "--size looks like 300k or 307200"
for v in OBJECTS THREADS ATLAS_CORES LINK_GBIT ROUNDS DELAY_CLASSES; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
(( DELAY_CLASSES <= 64 && (DELAY_CLASSES & (DELAY_CLASSES - 1)) == 0 )) || die "--delay-classes must be 1, 2, 4, … 64"
[[ -z "$BUF_CAP_MIB" || "$BUF_CAP_MIB" =~ ^[1-9][0-9]*$ ]] || die "--buffer-cap-mib must be a positive integer"
[[ -z "$LIMIT" || "$LIMIT" =~ ^[1-9][0-9]*$ ]] || die "--limit must be a positive integer"
if [[ -n "$DISK_MBPS" ]]; then
  [[ "$DISK_MBPS" =~ ^[1-9][0-9]*$ ]] || die "--disk-mbps must be a positive integer"
  [[ -d /sys/fs/cgroup/blkio ]] || die "--disk-mbps needs the cgroup v1 blkio controller at /sys/fs/cgroup/blkio"
fi
[[ "$DELAY" =~ ^([0-9]+)-([0-9]+)$ ]] || die "--delay looks like 10-40 (ms)"
D_MIN="${BASH_REMATCH[1]}"; D_MAX="${BASH_REMATCH[2]}"
(( D_MIN <= D_MAX && D_MAX > 0 && D_MAX <= 1000 )) || die "--delay: need MIN ≤ MAX, 0 < MAX ≤ 1000 ms"
case "$ENGINE" in uring|nio|auto) ;; *) die "unknown engine '$ENGINE' (uring, nio, auto)" ;; esac
case "$DELAY_MODE" in auto|netem|nfqueue) ;; *) die "unknown --delay-mode '$DELAY_MODE' (auto, netem, nfqueue)" ;; esac
IFS=, read -r -a CONN_LIST <<<"$CONNS"
for c in "${CONN_LIST[@]}"; do [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "bad connection count '$c'"; done
max_conn=0; for c in "${CONN_LIST[@]}"; do (( c > max_conn )) && max_conn=$c; done
(( THREADS <= max_conn )) || die "--threads is larger than the largest connection count"
# Queue limit: 2 × bandwidth-delay product in 1500-byte packets at --link-gbit and the largest delay (netem counts
# packets; with GSO a queued packet is often bigger, so this is generous).
BDP_PKTS=$(( LINK_GBIT * 1000000000 / 8 * D_MAX / 1000 / 1500 ))
[[ -n "$LIMIT" ]] || LIMIT=$(( BDP_PKTS * 2 > 10000 ? BDP_PKTS * 2 : 10000 ))
(( LIMIT > BDP_PKTS )) || note "warning: --limit $LIMIT is not above the bandwidth-delay product ($BDP_PKTS packets)"

# ---- privileges and namespaces: one line each when missing ------------------------------------------------------
[[ "$(id -u)" -eq 0 ]] || { echo "$PROG: must run as root (network namespace, veth, tc, drop_caches)" >&2; exit 2; }
export PATH="$PATH:/usr/sbin:/sbin"
command -v ip >/dev/null 2>&1 || die "missing: ip (apt-get install -y iproute2)"
NS="atlas-cli-$$"
NS_MADE=0

# ---- tools ----------------------------------------------------------------------------------------------------------
missing=()
for t in wrk:wrk jq:jq curl:curl tc:iproute2 setsid:util-linux; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t%%:*} (apt-get install -y ${t#*:})")
done
check_jdk_and_jar

# ---- cleanup (also on Ctrl-C / SIGTERM) ------------------------------------------------------------------------------
WORK=""
SERVER_PID=""   # the server (own session, setsid)
CHILD=""        # wrk running now
DELAYER_PID=""  # the nfqueue delayer
SAMPLER_PID=""  # the /metrics + RSS sampler
VETH_H="ach$$"; VETH_C="acc$$"   # root (host) side, client side; ≤ 15 characters
stop_pid() { # $1 pid → TERM, KILL after 3 s
  local p="$1"
  [[ -n "$p" ]] || return 0
  kill -TERM "$p" 2>/dev/null || return 0
  for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  # Atlas is stopped with SIGTERM and killed after 3 s: the bench only reads, and the graceful drain takes ~10 s.
  kill -TERM -- "-$SERVER_PID" 2>/dev/null || kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$SERVER_PID" 2>/dev/null || kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
stop_sampler() { [[ -n "$SAMPLER_PID" ]] && { kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; }; SAMPLER_PID=""; }
stop_delayer() { stop_pid "$DELAYER_PID"; DELAYER_PID=""; }
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$CHILD" ]]; then kill "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; CHILD=""; fi
  stop_sampler
  stop_delayer
  stop_server
  disk_throttle_remove
  if [[ "${NS_MADE:-0}" == 1 ]]; then
    # Whatever still runs inside the namespace was started by this script (wrk, curl, the delayer).
    local p
    for p in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip link del "$VETH_H" 2>/dev/null || true          # also removes the peer and its qdisc
    ip netns del "$NS" 2>/dev/null || note "could not delete namespace $NS (ip netns del $NS)"
  fi
  if [[ -n "$WORK" ]]; then
    if [[ "$KEEP" == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'note "interrupted; cleaning up"; exit 130' INT
trap 'note "terminated; cleaning up"; exit 143' TERM

if [[ ${#missing[@]} -gt 0 ]]; then
  for m in "${missing[@]}"; do echo "$PROG: missing: $m" >&2; done
  exit 2
fi

ip netns add "$NS" 2>/dev/null || { echo "$PROG: 'ip netns add' is not permitted here (needs CAP_SYS_ADMIN and a writable /run/netns)" >&2; exit 2; }
NS_MADE=1

run_child() { # $1 output file, then the command; in the background so a signal interrupts the wait
  local out="$1" rc=0; shift
  "$@" >"$out" 2>&1 </dev/null &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  return "$rc"
}
in_ns() { ip netns exec "$NS" "$@"; }

# ---- descriptors and ports -------------------------------------------------------------------------------------------
want_fds=$(( max_conn * 2 + 1024 ))
(( want_fds < 65536 )) && want_fds=65536
ulimit -n "$want_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) >= max_conn + 256 )) \
  || die "open-file limit $(ulimit -n) is too low for $max_conn connections (raise the hard limit: ulimit -Hn)"

# ---- the veth pair ------------------------------------------------------------------------------------------------------
SUBNET=""
for i in $(seq 0 253); do
  x=$(( ($$ + i) % 254 + 1 ))
  if ! ip -o -4 addr show | grep -q " 10\.201\.$x\."; then SUBNET="10.201.$x"; break; fi
done
[[ -n "$SUBNET" ]] || die "no free 10.201.X.0/24 subnet"
SRV_IP="$SUBNET.1"; CLI_IP="$SUBNET.2"
ip link add "$VETH_H" type veth peer name "$VETH_C" || die "cannot create the veth pair $VETH_H/$VETH_C"
ip link set "$VETH_C" netns "$NS" || die "cannot move $VETH_C into $NS"
ip addr add "$SRV_IP/24" dev "$VETH_H" && ip link set "$VETH_H" up || die "cannot configure $VETH_H"
in_ns ip addr add "$CLI_IP/24" dev "$VETH_C" && in_ns ip link set "$VETH_C" up && in_ns ip link set lo up \
  || die "cannot configure $VETH_C in $NS"
PORT_RANGE="$(in_ns cat /proc/sys/net/ipv4/ip_local_port_range | awk '{print $1 "-" $2}')"
ports=$(( ${PORT_RANGE#*-} - ${PORT_RANGE%-*} + 1 ))
if (( ports < max_conn + 1000 )); then
  in_ns sh -c 'echo "1024 65535" > /proc/sys/net/ipv4/ip_local_port_range' \
    || die "ip_local_port_range $PORT_RANGE in $NS has $ports ports, too few for $max_conn connections"
  PORT_RANGE="1024-65535"
fi

# The client → server rules of the NFQUEUE delayer: a flow's class is bits 1.. of its client port (the kernel hands
# out ephemeral ports two apart, so bit 0 rarely changes), class q → queue q, which the delayer holds for its q-th
# delay. Consecutive connections thus cycle through the classes. $1: -A add, -D delete, -C check.
nfq_rules() {
  local q mask=$(( (DELAY_CLASSES - 1) << 1 ))
  for ((q = 0; q < DELAY_CLASSES; q++)); do
    # u32: the TCP header starts at IHL × 4 (0>>22&0x3C); its first 16 bits are the source port.
    in_ns "$IPT" -t mangle "$1" OUTPUT -o "$VETH_C" -p tcp -d "$SRV_IP" \
      -m u32 --u32 "0>>22&0x3C@0>>16&$mask=$(( q << 1 ))" -j NFQUEUE --queue-num "$q" || return 1
  done
}

# ---- the delay: netem if the kernel has it, else the NFQUEUE delayer ---------------------------------------------------
MEAN=$(( (D_MIN + D_MAX) / 2 )); JIT=$(( (D_MAX - D_MIN) / 4 ))
NETEM_ARGS=(delay "${MEAN}ms" "${JIT}ms" distribution normal limit "$LIMIT")
(( JIT > 0 )) || NETEM_ARGS=(delay "${MEAN}ms" limit "$LIMIT")
netem_ok=0
if [[ "$DELAY_MODE" != nfqueue ]]; then
  if in_ns tc qdisc add dev "$VETH_C" root netem "${NETEM_ARGS[@]}" 2>/dev/null; then
    netem_ok=1; in_ns tc qdisc del dev "$VETH_C" root
  fi
fi
if (( netem_ok )); then
  DELAY_MODE=netem
elif [[ "$DELAY_MODE" == netem ]]; then
  die "tc netem is not available in this kernel (CONFIG_NET_SCH_NETEM); use --delay-mode nfqueue"
else
  [[ "$DELAY_MODE" == auto ]] && note "this kernel has no tc netem (sch_netem): using the NFQUEUE delayer instead"
  DELAY_MODE=nfqueue
  IPT=""
  for t in iptables iptables-legacy iptables-nft; do command -v "$t" >/dev/null 2>&1 && { IPT="$t"; break; }; done
  [[ -n "$IPT" ]] || die "missing: iptables (apt-get install -y iptables), needed for the NFQUEUE delayer without netem"
  command -v cc >/dev/null 2>&1 || die "missing: a C compiler (cc), needed for the NFQUEUE delayer without netem"
  if ! nfq_rules -A 2>/dev/null; then
    nfq_rules -D 2>/dev/null || true
    IPT=iptables-legacy
    command -v "$IPT" >/dev/null 2>&1 && nfq_rules -A \
      || die "cannot add NFQUEUE rules in $NS (xt_NFQUEUE / nfnetlink_queue missing?)"
  fi
fi

# ---- work directory, jar ----------------------------------------------------------------------------------------------
mkdir -p "$WORKDIR_PARENT"
WORK="$(mktemp -d "$WORKDIR_PARENT/atlas-netem.XXXXXX")"
CAT="$WORK/catalogue"
VOL="$WORK/atlas-volume"
need_kb=$(( (OBJECTS * SIZE_B * 2 + 300 * 1048576) / 1024 ))
avail_kb="$(df -Pk "$WORK" | awk 'NR == 2 {print $4}')"
(( avail_kb > need_kb )) \
  || die "needs ~$((need_kb / 1024)) MiB free under $WORKDIR_PARENT, has $((avail_kb / 1024)) MiB (use -n, -s or --workdir)"
prepare_jar

# ---- the NFQUEUE delayer (only without netem) ------------------------------------------------------------------------
# Flows fall into DELAY_CLASSES classes by client port bits (nfq_rules), one iptables NFQUEUE rule and queue each, and
# queue q holds every packet for the same delay, MIN + (MAX - MIN) × (q + ½) / classes. So a flow keeps one RTT and
# is never reordered, and within a queue packets leave in arrival order: one batch verdict ("accept every packet up
# to id N") releases a whole tick's worth. (Per-flow delays in one queue release out of order, and the kernel finds
# each single verdict's packet by walking the queue: at thousands of packets held that walk was the delayer's
# whole CPU.) Only metadata and the first 48 bytes come to user space; GSO packets are queued whole.
if [[ "$DELAY_MODE" == nfqueue ]]; then
  cat >"$WORK/delayer.c" <<'CEOF'
/* NFQUEUE delayer: queues 0..n-1, queue q delays every packet by d_q; batch verdicts release in arrival order. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#define MAXQ 64
typedef struct { uint64_t due; uint32_t id; } item;
typedef struct { item *ring; size_t cap, head, n; uint64_t delay_ns; } fifo;
static fifo q[MAXQ];
static int nq, fd;
static void push(fifo *f, item x) {
  if (f->n == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 4096; item *r = malloc(cap * sizeof *r);
    for (size_t i = 0; i < f->n; i++) r[i] = f->ring[(f->head + i) % f->cap];
    free(f->ring); f->ring = r; f->cap = cap; f->head = 0;
  }
  f->ring[(f->head + f->n++) % f->cap] = x;
}
static uint64_t now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000ull + t.tv_nsec; }
static volatile sig_atomic_t stop;
static void on_term(int s) { (void) s; stop = 1; }
static size_t put_attr(char *b, uint16_t type, const void *p, uint16_t len) {
  struct nlattr *a = (void *) b; a->nla_len = 4 + len; a->nla_type = type; memcpy(b + 4, p, len);
  size_t t = (4 + len + 3) & ~3u; memset(b + 4 + len, 0, t - 4 - len); return t; }
/* nlmsghdr + nfgenmsg {family, version, res_id = queue number (big endian)} */
static size_t put_head(char *b, uint16_t type, uint16_t flags, uint16_t queue) {
  struct nlmsghdr *h = (void *) b; memset(h, 0, 16); h->nlmsg_type = (3 << 8) | type; h->nlmsg_flags = flags;
  b[16] = 0; b[17] = 0; uint16_t qn = htons(queue); memcpy(b + 18, &qn, 2); return 20; }
static void config(uint16_t queue, const char *body, size_t blen) {
  char b[256]; size_t l = put_head(b, 2, NLM_F_REQUEST | NLM_F_ACK, queue); memcpy(b + l, body, blen); l += blen;
  ((struct nlmsghdr *) b)->nlmsg_len = l;
  if (send(fd, b, l, 0) < 0) { perror("delayer: send"); exit(1); }
  char r[8192]; ssize_t k = recv(fd, r, sizeof r, 0); struct nlmsghdr *h = (void *) r;
  if (k >= 20 && h->nlmsg_type == NLMSG_ERROR && *(int *) (r + 16)) {
    fprintf(stderr, "delayer: config of queue %u: %s\n", queue, strerror(-*(int *) (r + 16))); exit(1); } }
int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: delayer QUEUES MIN_MS MAX_MS MAXLEN STATS\n"); return 2; }
  nq = atoi(argv[1]); double dmin = atof(argv[2]), dmax = atof(argv[3]); uint32_t maxlen = atoi(argv[4]);
  if (nq < 1 || nq > MAXQ) { fprintf(stderr, "delayer: 1-%d queues\n", MAXQ); return 2; }
  fd = socket(AF_NETLINK, SOCK_RAW, 12); if (fd < 0) { perror("delayer: socket"); return 1; }
  int big = 64 << 20, one = 1; setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  setsockopt(fd, 270, 5, &one, sizeof one); /* SOL_NETLINK, NETLINK_NO_ENOBUFS */
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK }; if (bind(fd, (void *) &sa, sizeof sa)) { perror("delayer: bind"); return 1; }
  for (int i = 0; i < nq; i++) {
    q[i].delay_ns = (uint64_t) ((dmin + (dmax - dmin) * (i + 0.5) / nq) * 1e6);
    char b[256]; size_t l; unsigned char cmd[4] = { 1, 0, 0, 0 }; /* NFQNL_CFG_CMD_BIND */
    l = put_attr(b, 1, cmd, 4); config(i, b, l);
    unsigned char params[5]; uint32_t range = htonl(48); memcpy(params, &range, 4); params[4] = 2; /* COPY_PACKET */
    uint32_t ml = htonl(maxlen), gso = htonl(4); /* NFQA_CFG_F_GSO: whole GSO packets */
    l = put_attr(b, 2, params, 5); l += put_attr(b + l, 3, &ml, 4); l += put_attr(b + l, 4, &gso, 4); l += put_attr(b + l, 5, &gso, 4);
    config(i, b, l);
  }
  signal(SIGTERM, on_term); signal(SIGINT, on_term);
  printf("delayer: bound to queues 0-%d, %g-%g ms (%d fixed delays), maxlen %u\n", nq - 1, dmin, dmax, nq, maxlen); fflush(stdout);
  static char rb[1 << 16], out[1 << 14];
  uint64_t packets = 0, late_sum = 0, late_max = 0; size_t max_held = 0, held = 0;
  while (!stop) {
    uint64_t t = now_ns(), wait = 500000000; size_t ol = 0;
    for (int i = 0; i < nq; i++) {
      fifo *f = &q[i]; uint32_t last = 0; int any = 0;
      while (f->n && f->ring[f->head].due <= t + 500000) {
        item x = f->ring[f->head]; f->head = (f->head + 1) % f->cap; f->n--; held--;
        if (t > x.due) { uint64_t d = t - x.due; late_sum += d; if (d > late_max) late_max = d; }
        last = x.id; any = 1;
      }
      if (any) { /* NFQNL_MSG_VERDICT_BATCH: NF_ACCEPT for every packet of queue i with id <= last */
        size_t s0 = ol; ol += put_head(out + ol, 3, NLM_F_REQUEST, i); uint32_t v[2] = { htonl(1), htonl(last) };
        ol += put_attr(out + ol, 2, v, 8); ((struct nlmsghdr *) (out + s0))->nlmsg_len = ol - s0;
      }
      if (f->n) { uint64_t w = f->ring[f->head].due > t ? f->ring[f->head].due - t : 0; if (w < wait) wait = w; }
    }
    if (ol && send(fd, out, ol, 0) < 0) perror("delayer: verdict");
    if (wait < 200000) wait = 200000;
    struct timespec to = { wait / 1000000000, wait % 1000000000 };
    struct pollfd p = { fd, POLLIN, 0 }; if (ppoll(&p, 1, &to, NULL) <= 0) continue;
    t = now_ns();
    for (;;) {
      ssize_t k = recv(fd, rb, sizeof rb, MSG_DONTWAIT); if (k <= 0) break;
      for (struct nlmsghdr *h = (void *) rb; NLMSG_OK(h, (size_t) k); h = NLMSG_NEXT(h, k)) {
        if (h->nlmsg_type != (3 << 8)) continue;
        uint16_t qn; memcpy(&qn, (char *) h + 18, 2); qn = ntohs(qn); if (qn >= nq) continue;
        char *a = (char *) h + 20, *end = (char *) h + h->nlmsg_len; int have = 0; uint32_t id = 0;
        while (a + 4 <= end) { struct nlattr *na = (void *) a; if (na->nla_len < 4) break;
          if ((na->nla_type & 0x3fff) == 1) { memcpy(&id, a + 4, 4); id = ntohl(id); have = 1; } /* NFQA_PACKET_HDR */
          a += (na->nla_len + 3) & ~3; }
        if (!have) continue;
        push(&q[qn], (item) { t + q[qn].delay_ns, id }); packets++; held++;
      }
    }
    if (held > max_held) max_held = held;
  }
  FILE *s = fopen(argv[5], "w");
  if (s) { fprintf(s, "packets=%llu max_held=%zu lag_mean_ms=%.2f lag_max_ms=%.1f\n", (unsigned long long) packets, max_held,
                   packets ? late_sum / 1e6 / packets : 0.0, late_max / 1e6); fclose(s); }
  return 0;
}
CEOF
  cc -O2 -o "$WORK/delayer" "$WORK/delayer.c" 2>"$WORK/delayer-cc.log" \
    || { cat "$WORK/delayer-cc.log" >&2; die "compiling the NFQUEUE delayer failed (log above)"; }
fi
DELAYER_CMD=("$WORK/delayer")

# ---- 1. catalogue and Atlas volume ----------------------------------------------------------------------------------
T0=$SECONDS
mkdir -p "$CAT/v"
note "writing $OBJECTS × $SIZE_B B random objects into $CAT"
head -c $((OBJECTS * SIZE_B)) /dev/urandom | (cd "$CAT/v" && split -a 5 -d -b "$SIZE_B" --additional-suffix=.ts - seg)
[[ "$(find "$CAT/v" -type f | wc -l)" -eq "$OBJECTS" ]] || die "catalogue has the wrong number of files (-n above 100000?)"
note "importing into a fresh Atlas volume"
if ! timeout 600 "${JAVA[@]}" import "$CAT" --data "$VOL" >"$WORK/import.log" 2>&1; then
  tail -n 30 "$WORK/import.log" >&2
  die "atlas import failed (log tail above)"
fi
LAST_OBJ="v/seg$(printf %05d $((OBJECTS - 1))).ts"
[[ -z "$DISK_MBPS" ]] || disk_throttle_setup "$DISK_MBPS" "$VOL" "the server's"

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
  io.write(string.format("BENCH requests=%d bytes=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d sockerr=%d\n",
    summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
EOF

# ---- measurement helpers ------------------------------------------------------------------------------------------------
DROP_NOTE=""
drop_caches() {
  [[ "$DROP" == 1 ]] || { DROP_NOTE="page cache not dropped (--no-drop)"; return 0; }
  sync
  (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null \
    || DROP_NOTE="page cache NOT dropped: writing /proc/sys/vm/drop_caches is not permitted here"
}
# Every second: max of the sums over cores of atlas_connections_active, atlas_io_buffers_in_use and
# atlas_io_buffer_bytes_in_use, and the server's VmRSS; one line per sample. /metrics is fetched in the root
# namespace (the server's own address is local there), so it never goes through the delay.
sampler() { # $1 out file
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    local rss m
    rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)"
    m="$(curl -fs --max-time 1 "$METRICS_URL/metrics" 2>/dev/null | awk '
          /^atlas_connections_active[{ ]/ { c += $NF } /^atlas_io_buffers_in_use[{ ]/ { b += $NF }
          /^atlas_io_buffer_bytes_in_use[{ ]/ { y += $NF } /^atlas_io_buffer_bytes_limit[{ ]/ { l += $NF }
          END { printf "%d %d %d", c, b, y; if (l > 0) printf "%d\n", l > "/dev/stderr" }' 2>"$WORK/buffer-limit.tmp")" || m=""
    [[ -s "$WORK/buffer-limit.tmp" ]] && mv -f "$WORK/buffer-limit.tmp" "$WORK/buffer-limit"
    echo "${rss:-0} ${m:--1 -1 -1}" >>"$1"
    sleep 1
  done
}
delayer_cpu_s() { # utime+stime of the delayer, seconds
  [[ -n "$DELAYER_PID" ]] || { echo 0; return; }
  local p="$DELAYER_PID"
  sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($12 + $13) / hz}' || echo 0
}
queue_drops() { # kernel's NFQUEUE drop counters in the namespace: queue full + socket buffer full
  in_ns cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null | awk '{d += $6 + $7} END {print d + 0}'
}
netem_drops() { in_ns tc -s qdisc show dev "$VETH_C" 2>/dev/null | awk '/dropped/ {gsub(",", ""); print $7; exit}'; }

set_delay() { # $1 0|1 (no delay | delay) → DELAY_DESC; starts the delayer in nfqueue mode
  if [[ "$DELAY_MODE" == netem ]]; then
    in_ns tc qdisc del dev "$VETH_C" root 2>/dev/null || true
    if [[ "$1" == 1 ]]; then
      in_ns tc qdisc add dev "$VETH_C" root netem "${NETEM_ARGS[@]}" || return 1
      DELAY_DESC="netem ${NETEM_ARGS[*]}"
    else DELAY_DESC="no qdisc"; fi
    return 0
  fi
  local lo=0 hi=0
  [[ "$1" == 1 ]] && { lo=$D_MIN; hi=$D_MAX; }
  if [[ "$1" == 0 && "$DIRECT_BASELINE" == 1 ]]; then
    nfq_rules -D 2>/dev/null || true
    DELAY_DESC="no queue"; return 0
  fi
  if [[ "$DIRECT_BASELINE" == 1 ]]; then
    nfq_rules -C 2>/dev/null || nfq_rules -A
  fi
  DELAYER_LOG="$WORK/delayer-$PASS_TAG.log"
  ip netns exec "$NS" "${DELAYER_CMD[@]}" "$DELAY_CLASSES" "$lo" "$hi" "$LIMIT" "$WORK/delayer-$PASS_TAG.stats" >"$DELAYER_LOG" 2>&1 </dev/null &
  DELAYER_PID=$!
  for _ in $(seq 1 50); do grep -q '^delayer: bound' "$DELAYER_LOG" 2>/dev/null && break; kill -0 "$DELAYER_PID" 2>/dev/null || break; sleep 0.1; done
  grep -q '^delayer: bound' "$DELAYER_LOG" 2>/dev/null || { cat "$DELAYER_LOG" >&2; return 1; }
  DELAY_DESC="NFQUEUE delayer, ${lo}-${hi} ms in $DELAY_CLASSES fixed delays by client port bits, maxlen $LIMIT per queue"
}

connect_ms() { # min-max TCP connect time (ms) of 8 fresh connections from the namespace
  local i t out=()
  for i in $(seq 1 8); do
    t="$(in_ns curl -s -o /dev/null --max-time 5 -w '%{time_connect}' "$URL/v/seg00000.ts" 2>/dev/null || echo "")"
    [[ -n "$t" ]] && out+=("$t")
  done
  printf '%s\n' "${out[@]}" | awk 'NR == 1 {lo = hi = $1} {if ($1 < lo) lo = $1; if ($1 > hi) hi = $1}
    END {if (NR) printf "%.1f-%.1f", lo * 1000, hi * 1000; else print "-"}'
}

FAIL_WHY=""
start_server() { # → SERVER_PID, URL, LOG; 1 with FAIL_WHY on failure
  LOG="$WORK/$PASS_TAG-server.log"
  local admin_args=()
  "${JAVA[@]}" serve --help 2>/dev/null | grep -q -- --admin-listen && admin_args=(--admin-listen 127.0.0.1:0)
  setsid "${JAVA[@]}" serve --data "$VOL" --listen "$SRV_IP:0" --no-demo --cores "$ATLAS_CORES" --engine "$ENGINE" "${admin_args[@]}" \
    ${BUF_CAP_MIB:+--buffer-memory "${BUF_CAP_MIB}m"} >"$LOG" 2>&1 </dev/null &
  SERVER_PID=$!
  URL=""
  for _ in $(seq 1 300); do
    URL="$(grep -o "http://${SRV_IP//./\\.}:[0-9]*/" "$LOG" | head -n 1 || true)"
    [[ -n "$URL" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { FAIL_WHY="atlas serve exited before listening"; return 1; }
    sleep 0.1
  done
  [[ -n "$URL" ]] || { FAIL_WHY="atlas printed no URL within 30 s"; return 1; }
  URL="${URL%/}"
  # /metrics lives on the admin listener (issue 15) when the jar has one; it prints it right after the public URL.
  METRICS_URL="$URL"
  if (( ${#admin_args[@]} )); then
    for _ in $(seq 1 50); do
      METRICS_URL="$(grep -o '^atlas: admin http://[0-9.]*:[0-9]*/' "$LOG" | grep -o 'http://.*' | head -n 1 || true)"
      [[ -n "$METRICS_URL" ]] && break
      sleep 0.1
    done
    METRICS_URL="${METRICS_URL%/}"
  fi
  disk_throttle_add "$SERVER_PID"   # (--disk-mbps) the JVM's threads, and the io-wq workers it starts later
  [[ -n "${CAP_LINE:-}" ]] || CAP_LINE="$(grep -m1 'engine' "$LOG" | sed 's/^atlas: //' || true)"
  # The catalogue's bytes, fetched from the namespace through the pair (and the delay, when on).
  in_ns curl -fs --max-time 10 "$URL/$LAST_OBJ" 2>/dev/null | cmp -s - "$CAT/$LAST_OBJ" \
    || { FAIL_WHY="no or wrong bytes for /$LAST_OBJ from the namespace"; return 1; }
}

# ---- results ------------------------------------------------------------------------------------------------------------
declare -A R=() LABEL=()
declare -a KEYS=()
BAD=0
FLAGS=()
PASS_W=9; (( ROUNDS == 1 )) || PASS_W=$(( ${#ROUNDS} + 10 ))   # "r12 no-delay"
row_fmt="%-6s %-${PASS_W}s"' %9s %7s %8s %8s %8s %8s %8s %9s %6s %8s %10s %7s %s\n'
hdr() { printf "$row_fmt" conns pass "RTT ms" Gbit/s req/s "p50 ms" "p99 ms" "RSS MiB" "max bufs" "bufs MiB" "conns" "dly CPU" "late ms" "q drops" errors; }

pass() { # $1 conns, $2 0|1 delay; ROUND
  local c="$1" d="$2" name key out line flag="" rtt="-"
  name=$([[ "$d" == 1 ]] && echo delay || echo no-delay)
  key="$c|$ROUND|$name"; KEYS+=("$key")
  # With one round, names and files are what they were before --rounds ("no-delay", c1000-no-delay.wrk).
  if (( ROUNDS > 1 )); then name="r$ROUND $name"; PASS_TAG="c$c-r$ROUND-${name#r* }"; else PASS_TAG="c$c-$name"; fi
  LABEL[$key]="$name"
  note "c=$c $name: starting"
  DELAY_DESC=""
  if ! set_delay "$d"; then
    R[$key]="FAILED: could not set up the delay"; FLAGS+=("c=$c $name: could not set up the delay"); BAD=1; return 0
  fi
  if ! start_server; then
    note "c=$c $name: server FAILED — $FAIL_WHY"; tail -n 20 "$LOG" 2>/dev/null | sed 's/^/    | /' >&2
    stop_server; stop_delayer
    R[$key]="START FAILED: $FAIL_WHY"; FLAGS+=("c=$c $name: $FAIL_WHY"); BAD=1; return 0
  fi
  rtt="$(connect_ms)"
  note "c=$c $name: $DELAY_DESC; TCP connect from the namespace $rtt ms"
  if (( WARM > 0 )); then
    run_child "$WORK/$PASS_TAG.warmup" timeout $((WARM + 60)) \
      ip netns exec "$NS" wrk -t"$THREADS" -c"$c" -d"${WARM}s" --timeout 10s -s "$LUA" "$URL" \
      || note "c=$c $name: warm-up wrk failed (continuing)"
  fi
  drop_caches
  local drops0=0 samples="$WORK/$PASS_TAG.samples"
  [[ "$DELAY_MODE" == nfqueue ]] && drops0="$(queue_drops)"
  : >"$samples"
  sampler "$samples" & SAMPLER_PID=$!
  out="$WORK/$PASS_TAG.wrk"
  if ! run_child "$out" timeout $((SECS + 60)) \
       ip netns exec "$NS" wrk -t"$THREADS" -c"$c" -d"${SECS}s" --timeout 10s --latency -s "$LUA" "$URL"; then
    flag="wrk failed"; tail -n 20 "$out" | sed 's/^/    | /' >&2
  fi
  local hwm dcpu drops
  hwm="$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)"
  kill -0 "$SERVER_PID" 2>/dev/null || flag="${flag:+$flag; }SERVER DIED during the pass"
  stop_sampler
  if [[ "$DELAY_MODE" == nfqueue ]]; then
    dcpu="$(delayer_cpu_s)"; drops=$(( $(queue_drops) - drops0 ))
  else
    dcpu="-"; drops="$(netem_drops)"; drops="${drops:-0}"
  fi
  stop_server; stop_delayer
  local late="-" st="$WORK/delayer-$PASS_TAG.stats"
  if [[ "$DELAY_MODE" == nfqueue && -s "$st" ]]; then
    late="$(tr ' ' '\n' <"$st" | awk -F= '$1 == "lag_mean_ms" {m = $2} $1 == "lag_max_ms" {x = $2} END {printf "%.2f/%.0f", m, x}')"
  fi
  line="$(grep '^BENCH ' "$out" || true)"
  if [[ -z "$line" ]]; then
    R[$key]="${flag:-no result from wrk}"; FLAGS+=("c=$c $name: ${R[$key]}"); BAD=1; return 0
  fi
  local requests bytes duration_us p50_us p99_us non2xx sockerr
  eval "$(sed 's/^BENCH //' <<<"$line")"
  if (( non2xx > 0 || sockerr > 0 )); then flag="${flag:+$flag; }ERRORS: $non2xx non-2xx, $sockerr socket"; fi
  [[ -z "$flag" ]] || { FLAGS+=("c=$c $name: $flag"); BAD=1; }
  # samples: rss_kb conns bufs buf_bytes
  local maxes
  maxes="$(awk '{ if ($1 > r) r = $1; if ($2 > c) c = $2; if ($3 > b) b = $3; if ($4 > y) y = $4 }
                END { printf "%d %d %d %d", r, c, b, y }' "$samples")"
  local mrss mconn mbuf mbytes
  read -r mrss mconn mbuf mbytes <<<"$maxes"
  (( hwm > mrss )) || hwm=$mrss
  R[$key]="$(awk -v c="$c" -v n="$name" -v rtt="$rtt" -v r="$requests" -v b="$bytes" -v d="$duration_us" \
      -v p50="$p50_us" -v p99="$p99_us" -v h="$hwm" -v mb="$mbuf" -v my="$mbytes" -v mc="$mconn" -v dc="$dcpu" -v lt="$late" \
      -v dr="$drops" -v e="$non2xx/$sockerr" -v f="$flag" -v fmt="$row_fmt" 'BEGIN {
        s = d / 1e6
        printf fmt, c, n, rtt, sprintf("%.2f", b * 8 / s / 1e9), sprintf("%.0f", r / s), sprintf("%.1f", p50 / 1000),
          sprintf("%.1f", p99 / 1000), sprintf("%.0f", h / 1024), mb, sprintf("%.1f", my / 1048576), mc, dc, lt, dr,
          e (f != "" ? "  " f : "") }')"
  R["$key|gbit"]="$(awk -v b="$bytes" -v d="$duration_us" 'BEGIN { printf "%.4f", b * 8 / (d / 1e6) / 1e9 }')"
  R["$key|bufbytes"]="$mbytes"; R["$key|rss"]="$hwm"
  note "${R[$key]}"
}

# ---- 2. the rounds ----------------------------------------------------------------------------------------------------
est=$(( ${#CONN_LIST[@]} * ROUNDS * 2 * (SECS + WARM + 10) ))
note "namespace $NS: server $SRV_IP ($VETH_H), clients $CLI_IP ($VETH_C); delay: $DELAY_MODE, ${D_MIN}-${D_MAX} ms, limit $LIMIT packets (BDP at $LINK_GBIT Gbit/s and $D_MAX ms: $BDP_PKTS)"
note "rounds at -c $CONNS$( (( ROUNDS == 1 )) || echo " ($ROUNDS pairs each)"); wrk -t$THREADS -d${SECS}s (warm-up ${WARM}s); atlas --engine $ENGINE --cores $ATLAS_CORES; about $(( est / 60 )) min $(( est % 60 )) s of passes"
round=0   # counts every pair, so the order keeps alternating across rounds and connection counts
for c in "${CONN_LIST[@]}"; do
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    if (( round % 2 == 0 )); then pass "$c" 0; pass "$c" 1; else pass "$c" 1; pass "$c" 0; fi
    round=$((round + 1))
  done
done

# ---- 3. table ---------------------------------------------------------------------------------------------------------
echo
echo "Atlas with real round-trip times — $OBJECTS objects × $SIZE_B B ($(( OBJECTS * SIZE_B / 1048576 )) MiB), random object per request, wrk -t$THREADS -d${SECS}s in netns $NS$( (( ROUNDS == 1 )) || echo "; $ROUNDS rounds (pairs) per connection count, r1 … r$ROUNDS")"
echo "$(date -u '+%F %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r); ${DROP_NOTE:-page cache dropped before every pass}; jar $JAR_DESC"
echo "atlas: ${CAP_LINE:-?}"
[[ -z "$DISK_MBPS" ]] || echo "disk: the server's reads capped at $DISK_MBPS MB/s on $THROTTLE_DEV by a cgroup v1 blkio throttle (both passes; wrk and the delayer not)"
if [[ "$DELAY_MODE" == netem ]]; then
  echo "delay: tc qdisc add dev $VETH_C root netem ${NETEM_ARGS[*]} (client → server; the no-delay pass has no qdisc)"
else
  echo "delay: no sch_netem in this kernel → iptables NFQUEUE + user-space delayer, client → server, per flow one of $DELAY_CLASSES fixed delays spread evenly over ${D_MIN}-${D_MAX} ms (by client port bits), queue maxlen $LIMIT;"
  echo "       the no-delay pass $([[ "$DIRECT_BASELINE" == 1 ]] && echo "bypasses the queue" || echo "goes through the same delayer at 0 ms")"
fi
echo "RTT ms = TCP connect time of 8 connections from the namespace (min-max); RSS = server VmHWM; bufs/conns = max of /metrics sampled every second;"
echo "dly CPU = delayer CPU s; late ms = mean/max time packets were held beyond their delay (delayer saturation); q drops = packets dropped by the queue (limit) during the pass; errors = wrk non-2xx/socket errors"
hdr
for k in "${KEYS[@]}"; do
  if [[ "${R[$k]}" == "${k%%|*} "* ]]; then printf '%s\n' "${R[$k]}"; else printf "%-6s %-${PASS_W}s %s\n" "${k%%|*}" "${LABEL[$k]}" "${R[$k]}"; fi
done
# The server's own limit (atlas_io_buffer_bytes_limit summed over cores, as sampled), in MiB: the cap it enforces.
CAP_BYTES="$(cat "$WORK/buffer-limit" 2>/dev/null || true)"
CAP_MIB="$(awk '{ printf "%.1f", $1 / 1048576 }' <<<"${CAP_BYTES:-0}")"; [[ -n "$CAP_BYTES" ]] || CAP_MIB=""
echo
echo "Issue 4 target (stated for 10–40 ms RTT and 10 000 connections): delayed ≥ 0.9 × no-delay Gbit/s, I/O buffers within the cap (${CAP_MIB:-?} MiB over $ATLAS_CORES core(s)${BUF_CAP_MIB:+, --buffer-memory ${BUF_CAP_MIB}m}):"
(( ROUNDS == 1 )) || echo "(the median over the $ROUNDS rounds of each round's delayed / no-delay, min–max of the rounds; buffers: the largest of the delayed passes)"
for c in "${CONN_LIST[@]}"; do
  if (( ROUNDS > 1 )); then
    vals=(); nd=(); dl=(); y=""
    for ((r = 1; r <= ROUNDS; r++)); do
      a="${R["$c|$r|no-delay|gbit"]:-}"; b="${R["$c|$r|delay|gbit"]:-}"; yb="${R["$c|$r|delay|bufbytes"]:-}"
      if [[ -n "$yb" ]] && (( yb > ${y:--1} )); then y="$yb"; fi
      if [[ -n "$a" && -n "$b" ]] && awk -v a="$a" 'BEGIN { exit !(a > 0) }'; then
        vals+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.17g", b / a }')"); nd+=("$a"); dl+=("$b")
      fi
    done
    st="$(median_range "${vals[@]}")"
    if [[ -z "$st" ]]; then printf '  c=%-6s delayed / no-delay: n/a (a pass failed in every round)\n' "$c"; continue; fi
    shown="$(fmt_median "$st" "$ROUNDS" '%.2f×' '%.2f')"
    mdl="$(median_range "${dl[@]}")"; mnd="$(median_range "${nd[@]}")"
    awk -v c="$c" -v s="${shown%)}" -v r="${st%% *}" -v b="${mdl%% *}" -v a="${mnd%% *}" -v y="${y:-0}" -v cap="${CAP_MIB:-0}" -v capb="${CAP_BYTES:-0}" 'BEGIN {
      printf "  c=%-6s delayed / no-delay = %s; medians %.2f / %.2f Gbit/s) %s", c, s, b, a, (r >= 0.9 ? "ok" : "MISSED")
      if (cap > 0) printf ", buffers %.1f MiB ≤ %.1f MiB %s", y / 1048576, cap, (y <= capb ? "ok" : "MISSED")
      printf "\n" }'
    continue
  fi
  a="${R["$c|1|no-delay|gbit"]:-}"; b="${R["$c|1|delay|gbit"]:-}"; y="${R["$c|1|delay|bufbytes"]:-}"
  awk -v c="$c" -v a="$a" -v b="$b" -v y="$y" -v cap="${CAP_MIB:-0}" -v capb="${CAP_BYTES:-0}" 'BEGIN {
    if (a == "" || b == "" || a <= 0) { printf "  c=%-6s delayed / no-delay: n/a (a pass failed)\n", c; exit }
    r = b / a
    printf "  c=%-6s delayed / no-delay = %.2f× (%.2f / %.2f Gbit/s) %s", c, r, b, a, (r >= 0.9 ? "ok" : "MISSED")
    if (cap > 0) printf ", buffers %.1f MiB ≤ %.1f MiB %s", y / 1048576, cap, (y <= capb ? "ok" : "MISSED")
    printf "\n" }'
done
note "total $(( SECONDS - T0 )) s"
if (( BAD )); then
  echo
  echo "FLAGGED:"
  for f in "${FLAGS[@]}"; do echo "  $f"; done
  exit 1
fi
exit 0
