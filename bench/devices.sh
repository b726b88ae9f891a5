#!/usr/bin/env bash
# devices.sh — issue 19's read benchmark: one Atlas volume over N raw block devices against fio over the same N
# devices and against nginx over the same N devices as users set it up without Atlas, in one run, for each N.
#
#   bench/devices.sh                          # N = 1,2,4; 600 × 256 KiB; each device capped at 80 MB/s; 10 s passes
#   bench/devices.sh --devices 1,2 -d 5s      # quicker
#   bench/wrk-vs-nginx.sh --devices 1,2,4     # the same (the read benchmark hands --devices over to this script)
#
# Drives are loop devices (`losetup --direct-io=on` over sparse files in the work directory, so the backing file's
# page cache holds nothing either), each with its reads capped by a cgroup v1 blkio throttle of --device-mbps on
# that loop device — a stand-in for N identical drives whose sum the servers must reach. For each N:
#   atlas   `atlas serve --device L0 … --device LN-1 --hot-memory 0 --cores 1` (every read from a device), the
#           catalogue uploaded with `atlas put`; wrk -c C over uniformly random objects (bench/objects.lua)
#   fio     the device limit: one job per device, O_DIRECT random reads of 256 KiB (what Atlas reads), io_uring,
#           iodepth 16 per device, same caps
#   nginx   the same N devices each with an ext4 file system (mkfs after the Atlas pass), the catalogue spread
#           over them by `split_clients $uri` (a JBOD as nginx users build one: no RAID layer here, see below),
#           `directio 4k; aio threads; output_buffers 2 256k;` (no page cache, as Atlas), same caps, same wrk
# Reported per N: MB/s of each, Atlas over N × Atlas(N=1) (target ≥ 0.9), Atlas over fio (≥ 0.85), Atlas over nginx.
# RAID-0 (mdadm) or LVM striping under nginx need the md or device-mapper driver; this kernel has neither
# (/proc/mdstat and /dev/mapper are absent), so the script says so and compares with the JBOD above.
# Exit status: 0 done (targets PASS or MISS are printed); 2 on a setup failure. Needs root, losetup, mkfs.ext4,
# mount, wrk, fio, nginx, curl, and JDK 25.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROG=devices
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

DEVICE_COUNTS="1,2,4"
OBJECTS=600
SIZE=256k
DURATION=10s
CONNS=64
DEVICE_MBPS=80
DEVICE_SIZE=512m
JAR=""
KEEP=""

usage() {
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
  cat <<EOF

Options:
  --devices LIST       device counts to measure, comma-separated (default $DEVICE_COUNTS; at most 8)
  -n, --objects N      catalogue objects (default $OBJECTS)
  --size SIZE          bytes per object (default $SIZE)
  -d, --duration D     wrk and fio time per pass (default $DURATION)
  -c, --connections C  wrk connections (default $CONNS)
  --device-mbps MB     read cap of each device (default $DEVICE_MBPS)
  --device-size SIZE   size of each (sparse) device (default $DEVICE_SIZE)
  --jar PATH           measure this jar instead of building target/atlas.jar
  --keep               keep the work directory
EOF
}

while (( $# > 0 )); do
  case "$1" in
    --devices) DEVICE_COUNTS="$2"; shift 2 ;;
    -n|--objects) OBJECTS="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    -d|--duration) DURATION="$2"; shift 2 ;;
    -c|--connections) CONNS="$2"; shift 2 ;;
    --device-mbps) DEVICE_MBPS="$2"; shift 2 ;;
    --device-size) DEVICE_SIZE="$2"; shift 2 ;;
    --jar) JAR="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

SECS="$(seconds "$DURATION")"; [[ -n "$SECS" && "$SECS" -gt 0 ]] || die "--duration: not a duration: $DURATION"
SIZE_B="$(bytes_of "$SIZE")"; [[ -n "$SIZE_B" ]] || die "--size: not a size: $SIZE"
DEV_B="$(bytes_of "$DEVICE_SIZE")"; [[ -n "$DEV_B" ]] || die "--device-size: not a size: $DEVICE_SIZE"
[[ "$OBJECTS" =~ ^[1-9][0-9]*$ ]] || die "--objects must be a positive integer"
[[ "$CONNS" =~ ^[1-9][0-9]*$ ]] || die "--connections must be a positive integer"
[[ "$DEVICE_MBPS" =~ ^[1-9][0-9]*$ ]] || die "--device-mbps must be a positive integer"
IFS=, read -r -a COUNTS <<<"$DEVICE_COUNTS"
MAX_N=0
for n in "${COUNTS[@]}"; do
  [[ "$n" =~ ^[1-8]$ ]] || die "--devices: each count must be 1-8, not '$n'"
  (( n > MAX_N )) && MAX_N=$n
done
(( OBJECTS * SIZE_B * 2 < DEV_B * COUNTS[0] )) || die "--device-size too small: the catalogue must fit on ${COUNTS[0]} device(s) twice"

missing=()
[[ "$(id -u)" -eq 0 ]] || missing+=("root (losetup, mount, cgroups)")
for tool in losetup mkfs.ext4 mount wrk fio nginx curl jq; do
  command -v "$tool" >/dev/null 2>&1 || [[ -x "/usr/sbin/$tool" ]] || missing+=("$tool")
done
[[ -d /sys/fs/cgroup/blkio ]] || missing+=("the cgroup v1 blkio controller at /sys/fs/cgroup/blkio")
check_jdk_and_jar
(( ${#missing[@]} == 0 )) || die "missing: ${missing[*]}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

WORK="$(mktemp -d /tmp/atlas-devices.XXXXXX)"
LOOPS=(); MOUNTS=(); CG=""; NGINX_PID=""
cleanup() {
  atlas_stop
  [[ -n "$NGINX_PID" ]] && { kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; }
  local m; for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || true; done
  local l; for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  [[ -n "$CG" ]] && rmdir "$CG" 2>/dev/null
  [[ -n "$KEEP" ]] && note "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
prepare_jar

note "catalogue: $OBJECTS × $SIZE_B bytes"
mkdir -p "$WORK/cat/v"
for ((i = 0; i < OBJECTS; i++)); do
  head -c "$SIZE_B" /dev/urandom >"$WORK/cat/v/$(printf 'seg%05d.ts' "$i")"
done

for ((d = 0; d < MAX_N; d++)); do
  truncate -s "$DEV_B" "$WORK/drive$d.img"
  LOOPS+=("$(losetup -f --show --direct-io=on "$WORK/drive$d.img")") || die "losetup failed (no free loop device?)"
done
# One blkio group for whichever server runs: each loop device's reads capped at --device-mbps.
CG="/sys/fs/cgroup/blkio/atlas-devices-$$"
mkdir "$CG" || die "cannot create the blkio cgroup $CG"
for l in "${LOOPS[@]}"; do
  echo "$(lsblk -dno MAJ:MIN "$l" | tr -d ' ') $((DEVICE_MBPS * 1000000))" >"$CG/blkio.throttle.read_bps_device" \
    || die "the kernel refused a read throttle on $l"
done
capped() { echo "$1" >"$CG/cgroup.procs"; }

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }

WRK_MBS=""
wrk_pass() { # $1 base URL, $2 out file → WRK_MBS; non-2xx or socket errors abort the run
  local line requests bytes duration_us non2xx sockerr p50_us p99_us
  wrk -t1 -c"$CONNS" -d2s -s "$ROOT/bench/objects.lua" "$1" -- "$OBJECTS" >/dev/null 2>&1 || true
  drop_caches
  wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/objects.lua" "$1" -- "$OBJECTS" >"$2" 2>&1 || true
  line="$(grep '^BENCH ' "$2" || true)"
  [[ -n "$line" ]] || die "wrk printed no totals (see $2)"
  eval "$(sed 's/^BENCH //' <<<"$line")"
  (( non2xx == 0 && sockerr == 0 )) || die "wrk saw $non2xx non-2xx answers and $sockerr socket errors (see $2)"
  WRK_MBS="$(awk -v b="$bytes" -v u="$duration_us" 'BEGIN { printf "%.1f", b / u }')"
}

declare -A ATLAS FIO NGINX_MBS
for n in "${COUNTS[@]}"; do
  devs=("${LOOPS[@]:0:n}")
  # ---- atlas: a fresh volume over the first n devices
  for l in "${devs[@]}"; do dd if=/dev/zero of="$l" bs=1M count=2 oflag=direct status=none; done
  args=(--data "$WORK/atlas-$n" --listen "127.0.0.1:$(free_port)" --admin-listen "127.0.0.1:$(free_port)"
        --no-demo --access-log off --hot-memory 0 --cores 1)
  for l in "${devs[@]}"; do args+=(--device "$l"); done
  atlas_start "$WORK/atlas-$n.log" "0" "${args[@]}"
  capped "$ATLAS_PID"
  "${JAVA[@]}" put --server "$ATLAS_URL/" --parallel 8 "$WORK/cat" >/dev/null 2>"$WORK/put-$n.log" \
    || die "atlas put failed (see $WORK/put-$n.log)"
  curl -fs "$ATLAS_URL/v/seg00000.ts" | cmp -s - "$WORK/cat/v/seg00000.ts" || die "atlas serves wrong bytes"
  note "N=$n atlas: wrk -c$CONNS -d${SECS}s"
  wrk_pass "$ATLAS_URL" "$WORK/wrk-atlas-$n.txt"
  ATLAS[$n]="$WRK_MBS"
  spread="$(curl -fs "$ATLAS_ADMIN_URL/_atlas/metrics" | awk '/^atlas_device_read_bytes_total/ { printf "%s%.0f", sep, $2 / 1048576; sep = "/" }')"
  atlas_stop
  # ---- fio: the same n devices, the device limit under the same caps
  fio_args=(--rw=randread --bs=256k --direct=1 --ioengine=io_uring --iodepth=16 --time_based
            "--runtime=${SECS}" --size="$(( OBJECTS * SIZE_B * 2 / n / 1048576 ))m" --group_reporting --output-format=json)
  for ((d = 0; d < n; d++)); do fio_args+=("--name=dev$d" "--filename=${devs[$d]}"); done
  ( capped "$BASHPID"; exec fio "${fio_args[@]}" ) >"$WORK/fio-$n.json" 2>&1 || die "fio failed (see $WORK/fio-$n.json)"
  FIO[$n]="$(jq '[.jobs[].read.bw_bytes] | add / 1000000 | . * 10 | round / 10' "$WORK/fio-$n.json")"
  # ---- nginx: n ext4 file systems, the catalogue split over them by URI hash
  roots=()
  for ((d = 0; d < n; d++)); do
    mkfs.ext4 -q -F "${devs[$d]}"
    mkdir -p "$WORK/mnt$d"
    mount "${devs[$d]}" "$WORK/mnt$d"; MOUNTS+=("$WORK/mnt$d")
    mkdir -p "$WORK/mnt$d/v"; roots+=("$WORK/mnt$d")
  done
  for f in "$WORK"/cat/v/*.ts; do
    # Drive = object number modulo n, and an nginx map from URI to drive says where each file is: an even spread,
    # as split_clients would give, with a placement the script can reproduce.
    num="$(basename "$f" .ts)"; num=$((10#${num#seg}))
    cp "$f" "${roots[$(( num % n ))]}/v/"
  done
  sync
  port="$(free_port)"
  mkdir -p "$WORK/nginx-$n/tmp"
  cat >"$WORK/nginx-$n/nginx.conf" <<EOF
user root;
worker_processes 1;
worker_rlimit_nofile 8192;
daemon off;
pid $WORK/nginx-$n/nginx.pid;
error_log $WORK/nginx-$n/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type application/octet-stream;
    keepalive_requests 10000000;
    map_hash_max_size 65536;
    map_hash_bucket_size 256;
    client_body_temp_path $WORK/nginx-$n/tmp/body;
    proxy_temp_path $WORK/nginx-$n/tmp/proxy;
    fastcgi_temp_path $WORK/nginx-$n/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx-$n/tmp/uwsgi;
    scgi_temp_path $WORK/nginx-$n/tmp/scgi;
    # Which drive holds /v/segNNNNN.ts: NNNNN modulo the drive count, as the files were placed.
    map \$uri \$drive {
        default ${roots[0]};
$(for ((d = 0; d < n; d++)); do
    for ((k = d; k < OBJECTS; k += n)); do printf '        /v/seg%05d.ts %s;\n' "$k" "${roots[$d]}"; done
  done)
    }
    server {
        listen 127.0.0.1:$port backlog=4096;
        root \$drive;
        location / { sendfile off; directio 4k; directio_alignment 4k; aio threads; output_buffers 2 256k; }
    }
}
EOF
  # Into the capped group before it starts: its workers and their aio threads are born there.
  ( capped "$BASHPID"; exec taskset -c 0 "$NGINX" -c "$WORK/nginx-$n/nginx.conf" ) >"$WORK/nginx-$n/out.log" 2>&1 &
  NGINX_PID=$!
  for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/v/seg00000.ts" && break; sleep 0.1; done
  curl -fs "http://127.0.0.1:$port/v/seg00001.ts" | cmp -s - "$WORK/cat/v/seg00001.ts" || die "nginx serves wrong bytes"
  note "N=$n nginx: wrk -c$CONNS -d${SECS}s"
  wrk_pass "http://127.0.0.1:$port" "$WORK/wrk-nginx-$n.txt"
  NGINX_MBS[$n]="$WRK_MBS"
  kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""
  for ((d = 0; d < n; d++)); do umount "$WORK/mnt$d"; done
  MOUNTS=()
  note "N=$n: atlas ${ATLAS[$n]} MB/s (MiB read per device $spread), fio ${FIO[$n]} MB/s, nginx ${NGINX_MBS[$n]} MB/s"
done

echo
echo "devices.sh: $OBJECTS × $SIZE_B B, each loop device capped at $DEVICE_MBPS MB/s (blkio), wrk -t1 -c$CONNS -d${SECS}s, server on CPU 0"
echo "RAID-0 (mdadm/LVM) under nginx: not possible here (no md or device-mapper in this kernel); nginx reads a JBOD of ext4 file systems"
printf '%-3s %12s %12s %12s %14s %12s %12s\n' N "atlas MB/s" "fio MB/s" "nginx MB/s" "atlas/(N×1)" "atlas/fio" "atlas/nginx"
one="${ATLAS[${COUNTS[0]}]}"; one_n="${COUNTS[0]}"
for n in "${COUNTS[@]}"; do
  awk -v n="$n" -v a="${ATLAS[$n]}" -v f="${FIO[$n]}" -v g="${NGINX_MBS[$n]}" -v one="$one" -v on="$one_n" 'BEGIN {
    scale = a / (one / on * n)
    printf "%-3d %12.1f %12.1f %12.1f %13.2f%s %11.2f%s %11.2f×\n", n, a, f, g, scale, (scale >= 0.9 ? "✓" : "✗"),
      a / f, (a / f >= 0.85 ? "✓" : "✗"), a / g }'
done
echo "targets: atlas/(N×1) ≥ 0.90 (scaling with the devices), atlas/fio ≥ 0.85 (the devices' limit); ✓ met, ✗ missed"
