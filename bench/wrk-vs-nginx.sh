#!/usr/bin/env bash
# wrk-vs-nginx.sh — the read-path benchmark: Atlas (io_uring and NIO engines) against nginx and against the
# device limit (fio), same catalogue, in one run, alternating (DESIGN.md §5, issues 3 and 4). See bench/README.md.
#
#   bench/wrk-vs-nginx.sh                              # 2000 × 300 KiB, -c 100,1000, 10 s passes (≈ 4 min)
#   bench/wrk-vs-nginx.sh -n 1000 -d 5s -c 100         # smaller and quicker
#   bench/wrk-vs-nginx.sh --engines uring --cores 2 --nginx-workers 2
#   bench/wrk-vs-nginx.sh --https                      # issue 5: HTTPS (TLS 1.3) vs nginx HTTPS, and vs our plaintext
#   bench/wrk-vs-nginx.sh -c 1000 --rounds 3           # each round 3 times: ratios as median (min–max) of the rounds
#   bench/wrk-vs-nginx.sh --workload live|small|vod    # issue 14's shapes (hot tier vs tier off vs nginx sendfile)
#   bench/wrk-vs-nginx.sh --devices 1,2,4              # issue 19: N raw devices vs fio and nginx (bench/devices.sh)
#   bench/wrk-vs-nginx.sh --help                       # every option
#
# What it does, all on 127.0.0.1, in a fresh temporary directory (removed on exit, also on Ctrl-C, unless --keep):
#   1. writes a catalogue of N random objects (v/seg00000.ts …, SIZE bytes each) as plain files, and imports it
#      offline into a fresh Atlas volume (`atlas import`);
#   2. for every connection count C of -c, runs the passes in this order (default):
#        atlas-uring     `atlas serve --engine uring --cores K` (READ_FIXED from O_DIRECT into registered buffers)
#        atlas-nio       `atlas serve --engine nio --cores K`
#        nginx-sendfile  Debian nginx, `sendfile on` (what a user would run; the page cache does the work)
#        nginx-directio  nginx, `directio 4k; aio threads; output_buffers 2 256k;` (no page cache, like Atlas)
#        fio             the device limit: O_DIRECT, ioengine=io_uring (fixedbufs, registerfiles), random reads of
#                        256 KiB (the block Atlas reads) over Atlas's volume.dat — the catalogue's bytes, same file
#                        system — once at iodepth 64 and once at iodepth C
#        atlas-uring     again (the first engine of --engines), to see drift within the run
#      With --https the round is: atlas-E-tls, atlas-E (plaintext, for the HTTPS/plaintext ratio), nginx-sendfile-tls,
#      nginx-directio-tls (nginx `listen ssl`, TLS 1.3 only, same self-signed P-256 certificate as Atlas), fio,
#      atlas-E-tls again; wrk speaks TLS 1.3 to all of them (AES-128-GCM, as negotiated by OpenSSL by default).
#      Each server pass: start, check it serves the catalogue's bytes, wrk warm-up, drop the page cache
#      (`sync; echo 3 > /proc/sys/vm/drop_caches`), then `wrk -t1 -cC -dD --latency` with a Lua script asking
#      (bench/objects.lua) for uniformly random objects (or Zipf-popular ones: --popularity) over persistent
#      connections, while sampling the server's CPU time (utime+stime of its processes), `Cached` in /proc/meminfo,
#      the server's peak RSS (VmHWM) and the bytes it read from the disk (its blkio cgroup, else /proc/PID/io).
#      On a machine with enough CPUs the server runs under `taskset -c 0` and wrk under `taskset -c 1` (--pin).
#      With --rounds R the round is run R times back to back for each C (same order every time).
#   3. prints one table (rows flagged when wrk saw non-2xx answers or socket errors, or the server failed) and, per
#      C, the ratios of each Atlas engine (mean of its passes) to nginx-sendfile, nginx-directio and fio (MB/s),
#      uring to nio, hot tier to tier off and to nginx-sendfile, and issue 4's targets (issue 14's with --workload,
#      PASS/MISS; the disk/sent column is what the hot tier's "reads < 5 % of bytes sent" is judged on). With
#      --rounds R > 1 every ratio is computed per round (from that round's passes) and printed as the median over
#      the rounds with the min–max: 1.62× (1.41–1.88, 3 rounds).
# Exit status: 0 clean; 1 when a pass failed or had errors (the table is still printed); 2 on a setup failure.
# Needs: JDK 25 (JAVA_HOME or /usr/lib/jvm/*25*), wrk, nginx (with threads), fio, jq, curl, fincore (util-linux);
# Maven only when target/atlas.jar must be built. Root to drop caches and raise `ulimit -n`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROG=wrk-vs-nginx

# --devices LIST: the read benchmark over N raw devices (issue 19) is its own script; hand everything over to it.
for arg in "$@"; do
  [[ "$arg" == --devices ]] && exec "$ROOT/bench/devices.sh" "$@"
done

OBJECTS=2000
SIZE=300k
DURATION=10s
WARMUP=2s
CONNS="100,1000"
THREADS=1
ENGINES="uring,nio"
ATLAS_CORES=1
NGINX_WORKERS=1
FIO_BS=256k
FIO_QD=64
PASSES=""
WORKDIR_PARENT="${TMPDIR:-/tmp}"
KEEP=0
DROP=1
JAR=""
HTTPS=0
DISK_MBPS=""
MEMORY_LIMIT=""
ROUNDS=1
ATLAS_BUFFER_MEMORY=""
POPULARITY=uniform
ATLAS_ARGS=""
HOT_MEMORY=256m
HOT_PREFIX=""
PIN=auto
WORKLOAD=""

usage() {
  cat <<EOF
usage: bench/wrk-vs-nginx.sh [options]
  -n, --objects N          catalogue size in objects (default $OBJECTS)
  -s, --size SIZE          object size: bytes, or with k/m suffix = KiB/MiB (default $SIZE)
  -d, --duration T         measured time per pass: 10s, 1m or seconds (default $DURATION)
  -w, --warmup T           wrk warm-up of each server before the cache drop, 0 to skip (default $WARMUP)
  -c, --connections LIST   wrk connection counts, comma-separated; each is a full round of passes
                           (default $CONNS)
      --rounds N           run each connection count's round N times back to back; the ratios and targets are
                           then the median over the rounds of each round's ratio, with the min–max (default $ROUNDS)
  -t, --threads N          wrk threads (default $THREADS)
      --engines LIST       Atlas engines to measure, in order: uring, nio, auto (default $ENGINES); the first
                           one is measured again at the end of every round
      --cores N            atlas serve --cores (default $ATLAS_CORES)
      --atlas-buffer-memory SIZE
                           atlas serve --buffer-memory SIZE (its I/O buffer cap per core, 256 KiB buffers; it bounds
                           the disk reads in flight: cap / 256 KiB per core). Default: not passed, Atlas's own
                           default (the header's --engine lines show the cap in effect)
      --atlas-args "ARGS"  extra arguments appended to every \`atlas serve\` (split at white space), e.g.
                           --atlas-args "--hot-memory 256m --idle-timeout 2m"
      --hot-memory SIZE    the hot tier of the passes atlas-ENGINE-hot: atlas serve --hot-memory SIZE (default
                           $HOT_MEMORY); with such passes in the round and a jar that has the flag, the plain
                           atlas-ENGINE passes get --hot-memory 0 (the tier off)
      --hot-prefix PREFIX  also pass --hot-prefix PREFIX to the atlas-ENGINE-hot passes (default: not passed)
      --popularity P       which object each request asks for: uniform, or zipf:ALPHA (object k-1 has rank k and
                           probability ∝ k^-ALPHA; object 0 is the most popular) (default $POPULARITY)
      --pin, --no-pin      run the servers (nginx workers, Atlas, fio) under taskset on CPUs 0..S-1 (S = the larger
                           of --cores and --nginx-workers) and wrk on the next -t CPUs. Default: on when the machine
                           has that many CPUs (on the 2-CPU box: servers on CPU 0, wrk on CPU 1)
      --workload W         issue 14's presets; options given explicitly (anywhere) override the preset's:
                             live   -n 40 -s 300k -c 1000 --disk-mbps 400
                                    --passes atlas-uring-hot,atlas-uring,nginx-sendfile
                             small  -n 2000 -s 1k -c 100
                                    --passes atlas-uring-hot,atlas-uring,atlas-nio-hot,nginx-sendfile
                             vod    -n 4000 -s 300k -c 1000 --memory-limit 256m --popularity zipf:0.8
                                    --atlas-buffer-memory 64m --hot-memory 128m (Atlas must fit the cgroup)
                                    --passes atlas-uring-hot,atlas-uring,nginx-sendfile
                           and the summary judges issue 14's targets for it (PASS/MISS) instead of issue 4's
      --nginx-workers N    nginx worker_processes (default $NGINX_WORKERS)
      --fio-bs SIZE        fio block size (default $FIO_BS: the read size of Atlas's transmit window)
      --fio-qd N           fio's fixed queue depth; it also runs at the round's connection count (default $FIO_QD)
      --passes LIST        override the pass order of a round: atlas-ENGINE, atlas-ENGINE-hot (with --hot-memory),
                           nginx-sendfile, nginx-directio, fio
                           (default: atlas-<each engine>, nginx-sendfile, nginx-directio, fio, atlas-<first>)
      --https              HTTPS mode (issue 5): Atlas over TLS vs nginx over TLS 1.3, plus Atlas plaintext; passes
                           may also be named atlas-ENGINE-tls, nginx-sendfile-tls, nginx-directio-tls
      --disk-mbps N        cap every server's disk reads at N MB/s (cgroup v1 blkio throttle on the data's device):
                           makes the disk the bottleneck, the case issue 5's HTTPS ≥ 0.85 × plaintext target is about
                           (0: no cap, e.g. to drop a preset's)
      --memory-limit SIZE  hold every server (processes, and the page cache they fault in) to SIZE with a cgroup v1
                           memory limit: a catalogue larger than that behaves as a video library larger than RAM
                           does, where sendfile's page cache must evict and read again (fio not limited); 0: none
      --no-drop            do not drop the page cache before passes
      --workdir DIR        where the temporary directory goes (default $WORKDIR_PARENT); it is the file system
                           measured, and needs about 2 × N × SIZE + 300 MiB free
      --keep               keep the temporary directory (catalogue, volume, configs, logs, wrk/fio outputs)
      --jar PATH           measure this atlas.jar (copied into the work directory first). Default: build
                           target/atlas.jar with ./atlas if the sources are newer, then copy and measure that
  -h, --help               this text
EOF
}

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# --workload sets a preset first, so that every option given explicitly overrides it, wherever it stands.
prev=""
for a in "$@"; do [[ "$prev" == --workload ]] && WORKLOAD="$a"; prev="$a"; done
case "$WORKLOAD" in
  '') ;;
  live) OBJECTS=40; SIZE=300k; CONNS=1000; DISK_MBPS=400; PASSES=atlas-uring-hot,atlas-uring,nginx-sendfile ;;
  small) OBJECTS=2000; SIZE=1k; CONNS=100; PASSES=atlas-uring-hot,atlas-uring,atlas-nio-hot,nginx-sendfile ;;
  vod) OBJECTS=4000; SIZE=300k; CONNS=1000; MEMORY_LIMIT=256m; POPULARITY=zipf:0.8
       PASSES=atlas-uring-hot,atlas-uring,nginx-sendfile
       # Atlas must fit in the cgroup with its buffers and its tier: its default cap (255 MiB here) alone gets it
       # OOM-killed under a 256m limit at 1000 connections.
       ATLAS_BUFFER_MEMORY=64m; HOT_MEMORY=128m ;;
  *) die "unknown --workload '$WORKLOAD' (live, small, vod)" ;;
esac

while [[ $# -gt 0 ]]; do
  case "$1" in
    -n|--objects) OBJECTS="${2:?}"; shift 2 ;;
    -s|--size) SIZE="${2:?}"; shift 2 ;;
    -d|--duration) DURATION="${2:?}"; shift 2 ;;
    -w|--warmup) WARMUP="${2:?}"; shift 2 ;;
    -c|--connections|--conns) CONNS="${2:?}"; shift 2 ;;
    -t|--threads) THREADS="${2:?}"; shift 2 ;;
    --engines|--engine) ENGINES="${2:?}"; shift 2 ;;
    --cores|--atlas-cores) ATLAS_CORES="${2:?}"; shift 2 ;;
    --atlas-buffer-memory) ATLAS_BUFFER_MEMORY="${2:?}"; shift 2 ;;
    --atlas-args) ATLAS_ARGS="${2?}"; shift 2 ;;
    --hot-memory) HOT_MEMORY="${2:?}"; shift 2 ;;
    --hot-prefix) HOT_PREFIX="${2:?}"; shift 2 ;;
    --popularity) POPULARITY="${2:?}"; shift 2 ;;
    --pin) PIN=1; shift ;;
    --no-pin) PIN=0; shift ;;
    --workload) : "${2:?}"; shift 2 ;;   # applied above
    --rounds) ROUNDS="${2:?}"; shift 2 ;;
    --nginx-workers) NGINX_WORKERS="${2:?}"; shift 2 ;;
    --fio-bs) FIO_BS="${2:?}"; shift 2 ;;
    --fio-qd) FIO_QD="${2:?}"; shift 2 ;;
    --passes) PASSES="${2:?}"; shift 2 ;;
    --no-drop) DROP=0; shift ;;
    --https) HTTPS=1; shift ;;
    --disk-mbps) DISK_MBPS="${2:?}"; shift 2 ;;
    --memory-limit) MEMORY_LIMIT="${2:?}"; shift 2 ;;
    --workdir) WORKDIR_PARENT="${2:?}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --jar) JAR="${2:?}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done


# 0 turns a preset's --disk-mbps / --memory-limit off.
[[ "$DISK_MBPS" != 0 ]] || DISK_MBPS=""
[[ "$MEMORY_LIMIT" != 0 ]] || MEMORY_LIMIT=""
SECS="$(seconds "$DURATION")"; [[ -n "$SECS" && "$SECS" -gt 0 ]] || die "--duration looks like 10s"
WARM="$(seconds "$WARMUP")"; [[ -n "$WARM" ]] || die "--warmup looks like 2s or 0"
SIZE_B="$(bytes_of "$SIZE")"; [[ -n "$SIZE_B" ]] || die "--size looks like 300k or 307200"
FIO_BS_B="$(bytes_of "$FIO_BS")"; [[ -n "$FIO_BS_B" ]] && (( FIO_BS_B % 4096 == 0 )) || die "--fio-bs must be a multiple of 4 KiB"
for v in OBJECTS THREADS ATLAS_CORES NGINX_WORKERS FIO_QD ROUNDS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
ATLAS_BUF_ARGS=()
if [[ -n "$ATLAS_BUFFER_MEMORY" ]]; then
  b="$(bytes_of "$ATLAS_BUFFER_MEMORY")"
  [[ -n "$b" ]] && (( b >= 1048576 && b <= 64 * 1073741824 )) \
    || die "--atlas-buffer-memory looks like 32m, 256m or 1g (Atlas takes 1m to 64g)"
  ATLAS_BUF_ARGS=(--buffer-memory "$ATLAS_BUFFER_MEMORY")
fi
IFS=, read -r -a CONN_LIST <<<"$CONNS"
for c in "${CONN_LIST[@]}"; do [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "bad connection count '$c'"; done
IFS=, read -r -a ENGINE_LIST <<<"$ENGINES"
for e in "${ENGINE_LIST[@]}"; do case "$e" in uring|nio|auto) ;; *) die "unknown engine '$e' (uring, nio, auto)" ;; esac; done
[[ ${#ENGINE_LIST[@]} -gt 0 ]] || die "--engines is empty"
if [[ -z "$PASSES" && "$HTTPS" == 1 ]]; then
  PASSES="$(printf 'atlas-%s-tls,atlas-%s,' "${ENGINE_LIST[0]}" "${ENGINE_LIST[0]}")nginx-sendfile-tls,nginx-directio-tls,fio,atlas-${ENGINE_LIST[0]}-tls"
elif [[ -z "$PASSES" ]]; then
  PASSES="$(printf 'atlas-%s,' "${ENGINE_LIST[@]}")nginx-sendfile,nginx-directio,fio,atlas-${ENGINE_LIST[0]}"
fi
IFS=, read -r -a PASS_LIST <<<"$PASSES"
HOT_PASSES=0
for p in "${PASS_LIST[@]}"; do
  b="${p%-tls}"
  if [[ "$b" == atlas-*-hot ]]; then b="${b%-hot}"; HOT_PASSES=1; fi
  case "$b" in atlas-uring|atlas-nio|atlas-auto|nginx-sendfile|nginx-directio) ;;
    fio) [[ "$p" == fio ]] || die "unknown pass '$p'" ;;
    *) die "unknown pass '$p'" ;;
  esac
done
is_hot() { [[ "${1%-tls}" == atlas-*-hot ]]; }
# --atlas-args: appended to every atlas serve. A --hot-memory there is the user's own; then the script adds none.
read -r -a ATLAS_EXTRA <<<"$ATLAS_ARGS"
ARGS_HOT=0
for a in "${ATLAS_EXTRA[@]}"; do [[ "$a" == --hot-memory* ]] && ARGS_HOT=1; done
(( ARGS_HOT && HOT_PASSES )) \
  && die "--atlas-args has a --hot-memory and the passes have atlas-*-hot: give the hot passes' size with --hot-memory SIZE"
[[ "$HOT_MEMORY" == 0 || -n "$(bytes_of "$HOT_MEMORY")" ]] || die "--hot-memory looks like 256m, 1g or 0"
case "$POPULARITY" in
  uniform) ;;
  zipf:*)
    if ! [[ "${POPULARITY#zipf:}" =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ ]] || ! awk -v a="${POPULARITY#zipf:}" 'BEGIN { exit !(a > 0) }'; then
      die "--popularity zipf:ALPHA needs a positive number, e.g. zipf:0.8"
    fi ;;
  *) die "--popularity is uniform or zipf:ALPHA (e.g. zipf:0.8)" ;;
esac
max_conn=0; for c in "${CONN_LIST[@]}"; do (( c > max_conn )) && max_conn=$c; done
(( THREADS <= max_conn )) || die "--threads is larger than the smallest useful connection count"

# --pin: servers on CPUs 0..S-1, wrk on the next THREADS. From CPU 0 because Atlas pins its event loop i to CPU i
# (modulo the CPUs it may use), so a server set starting elsewhere would be left by Atlas's own loops.
SRV_PIN=(); CLI_PIN=(); PIN_NOTE="not pinned"
srv_n=$(( ATLAS_CORES > NGINX_WORKERS ? ATLAS_CORES : NGINX_WORKERS ))
cpu_range() { if (( $2 == 1 )); then echo "$1"; else echo "$1-$(( $1 + $2 - 1 ))"; fi; }
SRV_CPUS="$(cpu_range 0 "$srv_n")"; CLI_CPUS="$(cpu_range "$srv_n" "$THREADS")"
if [[ "$PIN" != 0 ]]; then
  if command -v taskset >/dev/null 2>&1 && taskset -c "$SRV_CPUS" true 2>/dev/null && taskset -c "$CLI_CPUS" true 2>/dev/null; then
    PIN=1; SRV_PIN=(taskset -c "$SRV_CPUS"); CLI_PIN=(taskset -c "$CLI_CPUS")
    PIN_NOTE="servers pinned to CPU $SRV_CPUS, wrk to CPU $CLI_CPUS (taskset)"
  elif [[ "$PIN" == 1 ]]; then
    die "--pin: cannot run servers on CPU $SRV_CPUS and wrk on CPU $CLI_CPUS ($(nproc) CPUs usable; taskset from util-linux)"
  else
    PIN=0; (( $(nproc) < 2 )) || note "not pinning: $srv_n server CPU(s) + $THREADS wrk thread(s) need $(( srv_n + THREADS )) CPUs, $(nproc) usable"
  fi
fi

# ---- tools: say everything that is missing at once ------------------------------------------------------------
NGINX="$(PATH="$PATH:/usr/sbin:/sbin" command -v nginx || true)"
missing=()
for t in wrk:wrk fio:fio jq:jq curl:curl fincore:util-linux setsid:util-linux; do
  command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t%%:*} (apt-get install -y ${t#*:})")
done
[[ -n "$NGINX" ]] || missing+=("nginx (apt-get install -y nginx-light)")
check_jdk_and_jar
if [[ ${#missing[@]} -gt 0 ]]; then
  for m in "${missing[@]}"; do echo "$PROG: missing: $m" >&2; done
  exit 2
fi
"$NGINX" -V 2>&1 | grep -q -- '--with-threads' || note "this nginx has no thread pools: 'aio threads' will fail"

# Enough descriptors for wrk's connections and for the servers (which inherit the limit).
want_fds=$(( max_conn * 2 + 1024 ))
(( want_fds < 65536 )) && want_fds=65536
ulimit -n "$want_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) >= max_conn + 256 )) \
  || die "open-file limit $(ulimit -n) is too low for $max_conn connections (raise the hard limit: ulimit -Hn)"
CLK_TCK="$(getconf CLK_TCK)"

# ---- work directory, processes, cleanup (also on Ctrl-C / SIGTERM) ------------------------------------------------
mkdir -p "$WORKDIR_PARENT"
WORK="$(mktemp -d "$WORKDIR_PARENT/atlas-bench.XXXXXX")"
CAT="$WORK/catalogue"
VOL="$WORK/atlas-volume"
SERVER_PID=""   # leader of the server's own session / process group (setsid), so workers die with it
CHILD=""        # the wrk or fio running now
kill_server_group() { # $1 signal
  [[ -n "$SERVER_PID" ]] || return 0
  kill "-$1" -- "-$SERVER_PID" 2>/dev/null || kill "-$1" "$SERVER_PID" 2>/dev/null || true
}
# SIGTERM to the group (nginx: fast shutdown; Atlas: graceful stop), SIGKILL after STOP_GRACE_S. The bench only
# reads, so a kill loses nothing; Atlas's graceful stop can take ~10 s after a load run (its drain period), which
# would add a minute of idle time to a default run.
STOP_GRACE_S=3
stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  kill_server_group TERM
  for _ in $(seq 1 $((STOP_GRACE_S * 10))); do
    kill -0 -- "-$SERVER_PID" 2>/dev/null || kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill_server_group KILL
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$CHILD" ]]; then kill "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; CHILD=""; fi
  stop_server
  if [[ "$KEEP" == 1 ]]; then note "kept $WORK"; else rm -rf "$WORK"; fi
  disk_throttle_remove
  [[ -n "${MEMORY_CG:-}" ]] && rmdir "$MEMORY_CG" 2>/dev/null
  exit "$rc"
}
trap cleanup EXIT
trap 'note "interrupted; cleaning up"; exit 130' INT
trap 'note "terminated; cleaning up"; exit 143' TERM

run_child() { # $1 output file, then the command; runs it in the background so a signal interrupts the wait
  local out="$1" rc=0; shift
  "$@" >"$out" 2>&1 </dev/null &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  return "$rc"
}

need_kb=$(( (OBJECTS * SIZE_B * 2 + 300 * 1048576) / 1024 ))
avail_kb="$(df -Pk "$WORK" | awk 'NR == 2 {print $4}')"
(( avail_kb > need_kb )) \
  || die "needs ~$((need_kb / 1024)) MiB free under $WORKDIR_PARENT, has $((avail_kb / 1024)) MiB (use -n, -s or --workdir)"

# ---- the jar: build if stale (./atlas does that), then measure a private copy -------------------------------------
prepare_jar
# Issue 14's hot tier: does this jar take --hot-memory (and --hot-prefix)? Asked once, from its serve --help.
"${JAVA[@]}" serve --help >"$WORK/serve-help.txt" 2>&1 || true
JAR_HOT=0; grep -q -- --hot-memory "$WORK/serve-help.txt" && JAR_HOT=1
NO_HOT_WHY="this jar has no --hot-memory (issue 14)"
# Issue 15's admin listener (default 127.0.0.1:9180): a free port each start, so back-to-back servers never collide.
ADMIN_ARGS=(); grep -q -- --admin-listen "$WORK/serve-help.txt" && ADMIN_ARGS=(--admin-listen 127.0.0.1:0)
if (( HOT_PASSES && ! JAR_HOT )); then
  note "$NO_HOT_WHY: the atlas-*-hot passes will be flagged as not started"
fi
if [[ -n "$HOT_PREFIX" ]] && (( JAR_HOT )) && ! grep -q -- --hot-prefix "$WORK/serve-help.txt"; then
  die "--hot-prefix: this jar's atlas serve has no --hot-prefix"
fi

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
[[ -z "$DISK_MBPS" ]] || disk_throttle_setup "$DISK_MBPS" "$VOL" "servers'"
MEMORY_CG=""
if [[ -n "$MEMORY_LIMIT" ]]; then
  MEMORY_LIMIT_B="$(bytes_of "$MEMORY_LIMIT")"; [[ -n "$MEMORY_LIMIT_B" ]] || die "--memory-limit looks like 512m or 2g"
  (( MEMORY_LIMIT_B >= 64 * 1048576 )) || die "--memory-limit must be at least 64m"
  [[ -d /sys/fs/cgroup/memory ]] || die "--memory-limit needs the cgroup v1 memory controller at /sys/fs/cgroup/memory"
  MEMORY_CG="/sys/fs/cgroup/memory/atlas-bench-$$"
  mkdir -p "$MEMORY_CG"
  echo "$MEMORY_LIMIT_B" >"$MEMORY_CG/memory.limit_in_bytes" || die "--memory-limit: the kernel refused the limit"
  note "servers (and their page cache) held to $MEMORY_LIMIT by cgroup $MEMORY_CG; catalogue $(( OBJECTS * SIZE_B >> 20 )) MiB"
  # Atlas's I/O buffers (and its hot tier) are charged to that cgroup: when they alone reach the limit, the kernel
  # kills Atlas under load. Its default cap is a quarter of the machine's memory over the cores, within 16m–256m
  # per core (it is moved into the cgroup after it started, so it sizes itself for the machine).
  if [[ -n "$ATLAS_BUFFER_MEMORY" ]]; then
    buf_b=$(( $(bytes_of "$ATLAS_BUFFER_MEMORY") * ATLAS_CORES ))
  else
    buf_b=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024 / 4 / ATLAS_CORES ))
    (( buf_b <= 256 * 1048576 )) || buf_b=$(( 256 * 1048576 )); (( buf_b >= 16 * 1048576 )) || buf_b=$(( 16 * 1048576 ))
    buf_b=$(( buf_b * ATLAS_CORES ))
  fi
  hot_b=0; hot_what=""
  if (( HOT_PASSES )); then hot_b="$(bytes_of "$HOT_MEMORY")"; hot_what=" and hot tier ($HOT_MEMORY)"; fi
  if [[ " ${PASS_LIST[*]}" == *" atlas-"* ]] && (( buf_b + ${hot_b:-0} >= MEMORY_LIMIT_B )); then
    note "warning: Atlas's I/O buffers (up to $(( buf_b >> 20 )) MiB)$hot_what reach --memory-limit $MEMORY_LIMIT: the cgroup may kill it under load (lower --atlas-buffer-memory / --hot-memory)"
  fi
fi
# One certificate for every HTTPS server (P-256, localhost): the handshake costs the same on both sides.
TLS_CERT="$WORK/tls-cert.pem"; TLS_KEY="$WORK/tls-key.pem"
if [[ "$HTTPS" == 1 || "$PASSES" == *-tls* ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$TLS_KEY" -out "$TLS_CERT" >"$WORK/openssl.log" 2>&1 \
    || { cat "$WORK/openssl.log" >&2; die "openssl could not make the benchmark certificate"; }
else
  TLS_CERT=/dev/null  # curl --cacert is harmless for plain http
fi
# fio reads the volume's data region: the catalogue's bytes, where Atlas reads them, in the same file system.
FIO_SIZE=$(( (OBJECTS * SIZE_B) / FIO_BS_B * FIO_BS_B ))
(( FIO_SIZE >= FIO_BS_B )) || FIO_SIZE=$FIO_BS_B
(( $(stat -c %s "$VOL/volume.dat") >= FIO_SIZE )) || die "volume.dat is smaller than the catalogue?"

# ---- nginx configs -------------------------------------------------------------------------------------------------
nginx_conf() { # $1 variant, $2 port, $3 connections → path of the config
  local dir="$WORK/$1" user_line="" serving
  mkdir -p "$dir/tmp"
  [[ "$(id -u)" -eq 0 ]] && user_line="user root;"  # the worker must read the private temp directory
  local listen="listen 127.0.0.1:$2 backlog=4096;"
  if [[ "${1%-tls}" == nginx-sendfile ]]; then
    serving="sendfile on; tcp_nopush on;"
  else
    serving="sendfile off; directio 4k; directio_alignment 4k; aio threads; output_buffers 2 256k;"
  fi
  if [[ "$1" == *-tls ]]; then
    # The same certificate Atlas serves; TLS 1.3 only, so both sides negotiate the same AES-GCM suite.
    listen="listen 127.0.0.1:$2 ssl backlog=4096; ssl_certificate $TLS_CERT; ssl_certificate_key $TLS_KEY;
        ssl_protocols TLSv1.3; ssl_session_cache off; ssl_session_tickets off;"
  fi
  cat >"$dir/nginx.conf" <<EOF
$user_line
worker_processes $NGINX_WORKERS;
worker_rlimit_nofile $(( $3 * 2 + 1024 ));
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $(( $3 + 1024 )); }
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
        $listen
        root $CAT;
        location / { $serving }
    }
}
EOF
  echo "$dir/nginx.conf"
}

# ---- wrk script ------------------------------------------------------------------------------------------------------
# bench/objects.lua (copied: edits during the run do not matter), given the catalogue size and the popularity:
# wrk … -s objects.lua URL -- N uniform|zipf:ALPHA. It ends with one "BENCH key=value …" line of wrk's totals.
LUA="$WORK/objects.lua"
cp "$ROOT/bench/objects.lua" "$LUA"
LUA_ARGS=(-- "$OBJECTS" "$POPULARITY")

# ---- measurement helpers ----------------------------------------------------------------------------------------------
server_pids() { # the server's processes: its process group (setsid), else the pid and its children
  local p; p="$(pgrep -g "$SERVER_PID" 2>/dev/null || true)"
  [[ -n "$p" ]] && echo "$p" || { echo "$SERVER_PID"; pgrep -P "$SERVER_PID" 2>/dev/null || true; }
}
cpu_ticks() { # utime+stime of the server's processes, in clock ticks
  local total=0 pid t
  for pid in $(server_pids); do
    t="$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}')" || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
peak_rss_kb() { # sum of VmHWM of the server's processes
  local total=0 pid t
  for pid in $(server_pids); do
    t="$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
# Page cache of files: Cached minus Shmem, so that shared memory (Atlas's hot tier is a memfd) does not count.
cached_kb() { awk '/^Cached:/ {c = $2} /^Shmem:/ {s = $2} END {print c - s}' /proc/meminfo; }
# Bytes the server has read from the disk so far: the Read bytes of the blkio cgroup it sits in when --disk-mbps made
# one (every thread and kernel worker of the server, whatever it started), else the sum of read_bytes in
# /proc/PID/io over its processes (bytes the storage layer fetched for them: O_DIRECT reads, page-cache misses and
# readahead; not what came from the page cache). Sampled before and after the measured window.
if [[ -n "$DISK_MBPS" ]]; then
  DISK_SRC="blkio cgroup Read bytes (blkio.throttle.io_service_bytes)"
else
  DISK_SRC="read_bytes in /proc/PID/io summed over the server's processes"
fi
disk_read_bytes() {
  if [[ -n "$THROTTLE_CG" ]]; then
    awk '$2 == "Read" { s += $3 } END { printf "%.0f\n", s }' "$THROTTLE_CG/blkio.throttle.io_service_bytes" 2>/dev/null || echo 0
    return 0
  fi
  local total=0 pid t
  for pid in $(server_pids); do
    t="$(awk '/^read_bytes:/ {print $2}' "/proc/$pid/io" 2>/dev/null)" || t=0
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
# Page-cache bytes of the files this pass served (volume.dat, or the catalogue for nginx), via fincore;
# unlike Cached in /proc/meminfo this is not disturbed by anything else running on the machine.
served_resident_bytes() {
  if [[ "$1" == atlas-* || "$1" == fio ]]; then
    fincore --bytes --noheadings --output RES "$VOL/volume.dat" 2>/dev/null | awk '{s += $1} END {print s + 0}'
  else
    find "$CAT" -type f -print0 | xargs -0 fincore --bytes --noheadings --output RES 2>/dev/null | awk '{s += $1} END {print s + 0}'
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

FAIL_WHY=""
start_failed() { # $1 reason, $2 log → 1 (and FAIL_WHY); shows the log tail
  FAIL_WHY="$1"
  note "$PASS_LABEL: FAILED TO START — $1"
  if [[ -n "${2:-}" && -s "$2" ]]; then
    note "last lines of $2:"
    tail -n 25 "$2" | sed 's/^/    | /' >&2
  fi
  stop_server
  return 1
}
server_exit_status() { local rc=0; wait "$SERVER_PID" 2>/dev/null || rc=$?; echo "$rc"; }

# In the subshell that then execs the server (setsid execs in place: the subshell is no group leader, so its pid is
# the server's): the server starts inside its memory and blkio groups. Added after its start, as before, the JVM had
# already sized its heap and Atlas its hot tier for the whole machine, and a 256 MiB limit got Atlas OOM-killed.
join_cgroups() {
  [[ -z "$MEMORY_CG" ]] || echo "$BASHPID" >"$MEMORY_CG/cgroup.procs"
  [[ -z "$THROTTLE_CG" ]] || echo "$BASHPID" >"$THROTTLE_CG/cgroup.procs"
}
start_server() { # $1 pass, $2 connections → SERVER_PID, URL, LOG; returns 1 (FAIL_WHY set) on failure
  local pass="$1" conns="$2" port conf
  case "$pass" in
    atlas-*)
      LOG="$WORK/$PASS_TAG-$pass.log"
      local engine="${pass#atlas-}" tls_args=() hot_args=() url_re='http://127\.0\.0\.1:[0-9]*/'
      if [[ "$pass" == *-tls ]]; then
        engine="${engine%-tls}"; tls_args=(--tls-listen 127.0.0.1:0 --cert "$TLS_CERT" --key "$TLS_KEY")
        url_re='https://localhost:[0-9]*/'
      fi
      if is_hot "$pass"; then
        # atlas-ENGINE-hot: the hot tier on. A jar without it would reject the flag: say so in one line instead.
        engine="${engine%-hot}"
        (( JAR_HOT )) || { FAIL_WHY="$NO_HOT_WHY"; return 1; }   # nothing started; the row says it
        hot_args=(--hot-memory "$HOT_MEMORY")
        [[ -z "$HOT_PREFIX" ]] || hot_args+=(--hot-prefix "$HOT_PREFIX")
      elif (( HOT_PASSES && JAR_HOT && ! ARGS_HOT )); then
        hot_args=(--hot-memory 0)   # against hot passes the plain one is the tier off, whatever the jar's default
      fi
      ( join_cgroups; exec setsid "${SRV_PIN[@]}" "${JAVA[@]}" serve --data "$VOL" --listen 127.0.0.1:0 --no-demo \
        --cores "$ATLAS_CORES" "${ATLAS_BUF_ARGS[@]}" --engine "$engine" "${tls_args[@]}" "${hot_args[@]}" \
        "${ADMIN_ARGS[@]}" "${ATLAS_EXTRA[@]}" ) >"$LOG" 2>&1 </dev/null &
      SERVER_PID=$!
      URL=""
      for _ in $(seq 1 300); do
        URL="$(grep -o "$url_re" "$LOG" | head -n 1 || true)"
        [[ -n "$URL" ]] && break
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
          local rc; rc="$(server_exit_status)"; SERVER_PID=""
          if grep -q -- "unknown option: '--hot-" "$LOG"; then start_failed "$NO_HOT_WHY" "$LOG"; return 1; fi
          start_failed "atlas serve exited with status $rc before listening" "$LOG"; return 1
        fi
        sleep 0.1
      done
      [[ -n "$URL" ]] || { start_failed "atlas printed no URL within 30 s" "$LOG"; return 1; }
      URL="${URL%/}"
      ATLAS_LINE["$engine"]="$(grep -m1 -i 'engine' "$LOG" | sed 's/^atlas: //' || true)"
      if is_hot "$pass"; then HOT_LINE="$(grep -m1 -i '^atlas: .*hot' "$LOG" | sed 's/^atlas: //' || true)"; fi
      ;;
    nginx-*)
      port="$(free_port)"
      conf="$(nginx_conf "$pass" "$port" "$conns")"
      LOG="$WORK/$pass/error.log"
      if ! "$NGINX" -t -q -c "$conf" -p "$WORK/$pass" >"$WORK/$pass/test.log" 2>&1; then
        start_failed "nginx rejected $conf" "$WORK/$pass/test.log"; return 1
      fi
      ( join_cgroups; exec setsid "${SRV_PIN[@]}" "$NGINX" -c "$conf" -p "$WORK/$pass" ) \
        >"$WORK/$pass/stdout.log" 2>&1 </dev/null &
      SERVER_PID=$!   # the master; the workers are in its process group
      URL="http://127.0.0.1:$port"
      [[ "$pass" == *-tls ]] && URL="https://localhost:$port"
      ;;
  esac
  local ok=0
  for _ in $(seq 1 300); do
    curl -fs --cacert "$TLS_CERT" -o /dev/null "$URL/v/seg00000.ts" 2>/dev/null && { ok=1; break; }
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      local rc; rc="$(server_exit_status)"; SERVER_PID=""
      cat "$WORK/$pass/stdout.log" >>"$LOG" 2>/dev/null || true
      start_failed "$pass exited with status $rc" "$LOG"; return 1
    fi
    sleep 0.1
  done
  (( ok )) || { start_failed "no 200 from $URL/v/seg00000.ts within 30 s" "$LOG"; return 1; }
  # Already in their groups from the start (join_cgroups); this catches anything the server forked outside them.
  # shellcheck disable=SC2046  # one pid per word
  disk_throttle_add $(server_pids)
  if [[ -n "$MEMORY_CG" ]]; then
    local q; for q in $(server_pids); do echo "$q" >"$MEMORY_CG/cgroup.procs" 2>/dev/null || true; done
  fi
  # Same bytes as the catalogue: compare one object with its file.
  curl -fs --cacert "$TLS_CERT" "$URL/$LAST_OBJ" | cmp -s - "$CAT/$LAST_OBJ" \
    || { start_failed "serves different bytes than the catalogue for /$LAST_OBJ" "$LOG"; return 1; }
  return 0
}

# ---- results ------------------------------------------------------------------------------------------------------------
# Per row key "C|round|idx": label, req/s, MB/s, p50, p99 (ms), CPU s/GB, Cached +MiB, files' MiB, RSS MiB, errors, flag,
# disk/sent % (bytes the server read from the disk during the measured window, per 100 bytes wrk received)
declare -A R_ROUND=() R_LABEL=() R_REQ=() R_MBS=() R_P50=() R_P99=() R_CPG=() R_CACHED=() R_FILES=() R_RSS=() R_ERR=() R_FLAG=()
declare -A R_DPCT=()
declare -A ATLAS_LINE=()
HOT_LINE=""
declare -a ROW_KEYS=() TARGETS=()
BAD=0

add_row() { # key label req mbs p50 p99 cpg cached files rss err flag [disk/sent %]
  ROW_KEYS+=("$1"); R_ROUND[$1]="$ROUND"
  R_LABEL[$1]="$2"; R_REQ[$1]="$3"; R_MBS[$1]="$4"; R_P50[$1]="$5"; R_P99[$1]="$6"; R_CPG[$1]="$7"
  R_CACHED[$1]="$8"; R_FILES[$1]="$9"; R_RSS[$1]="${10}"; R_ERR[$1]="${11}"; R_FLAG[$1]="${12}"; R_DPCT[$1]="${13:--}"
  [[ -z "${12}" ]] || BAD=1
  note "$(printf '%-16s %s' "$2" "$(format_row "$1")")"
}

format_row() {
  local k="$1"
  if [[ "${R_MBS[$k]}" == - ]]; then printf '%s' "${R_FLAG[$k]}"; return; fi
  awk -v r="${R_REQ[$k]}" -v m="${R_MBS[$k]}" -v a="${R_P50[$k]}" -v b="${R_P99[$k]}" -v c="${R_CPG[$k]}" \
      -v g="${R_CACHED[$k]}" -v f="${R_FILES[$k]}" -v s="${R_RSS[$k]}" -v e="${R_ERR[$k]}" -v fl="${R_FLAG[$k]}" \
      -v d="${R_DPCT[$k]}" \
    'BEGIN { if (d != "-") d = sprintf("%.1f", d)
             printf "%9.0f %8.1f %8.2f %8.2f %9.2f %11.0f %10s %8s %11s %11s  %s", r, m, a, b, c, g, f, s, d, e, fl }'
}

pass_server() { # $1 pass, $2 conns
  local pass="$1" conns="$2" key="$2|$ROUND|$PASS_IDX" out cpu0 cpu1 cached0 cached1 disk0 disk1 resident rss line flag=""
  if ! start_server "$pass" "$conns"; then
    add_row "$key" "$PASS_LABEL" - - - - - - - - - "START FAILED: $FAIL_WHY"
    return 0
  fi
  if (( WARM > 0 )) && [[ "$pass" == *-tls ]]; then
    # Handshakes first: a JVM compiles BouncyCastle's handshake code only after a few thousand of them, nginx
    # has OpenSSL's compiled code from the start. wrk's measured pass opens C fresh connections, so without this
    # it would time our JIT warm-up, not a steady server. Same for every HTTPS server.
    local hostport="${URL#https://}"
    run_child "$WORK/$PASS_TAG-$pass.handshakes" timeout 60 "${CLI_PIN[@]}" \
      openssl s_time -connect "127.0.0.1:${hostport##*:}" -new -time $((WARM * 4)) \
      || note "$PASS_LABEL: handshake warm-up failed (continuing)"
  fi
  if (( WARM > 0 )); then
    run_child "$WORK/$PASS_TAG-$pass.warmup" timeout $((WARM + 60)) "${CLI_PIN[@]}" \
      wrk -t"$THREADS" -c"$conns" -d"${WARM}s" --timeout 10s -s "$LUA" "$URL" "${LUA_ARGS[@]}" || note "$PASS_LABEL: warm-up wrk failed (continuing)"
  fi
  drop_caches
  cpu0="$(cpu_ticks)"; cached0="$(cached_kb)"; disk0="$(disk_read_bytes)"
  out="$WORK/$PASS_TAG-$pass.wrk"
  if ! run_child "$out" timeout $((SECS + 60)) "${CLI_PIN[@]}" \
       wrk -t"$THREADS" -c"$conns" -d"${SECS}s" --timeout 10s --latency -s "$LUA" "$URL" "${LUA_ARGS[@]}"; then
    flag="wrk failed (see below)"; tail -n 20 "$out" | sed 's/^/    | /' >&2
  fi
  disk1="$(disk_read_bytes)"; cpu1="$(cpu_ticks)"; cached1="$(cached_kb)"; rss="$(peak_rss_kb)"
  resident="$(served_resident_bytes "$pass")"
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    flag="SERVER DIED during the pass"; note "$PASS_LABEL: $flag; last lines of $LOG:"; tail -n 25 "$LOG" | sed 's/^/    | /' >&2
  fi
  stop_server
  line="$(grep '^BENCH ' "$out" || true)"
  if [[ -z "$line" ]]; then
    add_row "$key" "$PASS_LABEL" - - - - - - - - - "${flag:-no result from wrk}"
    return 0
  fi
  local requests bytes duration_us p50_us p99_us non2xx sockerr
  eval "$(sed 's/^BENCH //' <<<"$line")"
  if (( non2xx > 0 || sockerr > 0 )); then flag="${flag:+$flag; }ERRORS: $non2xx non-2xx, $sockerr socket"; fi
  add_row "$key" "$PASS_LABEL" \
    "$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.1f", r / (d / 1e6) }')" \
    "$(awk -v b="$bytes" -v d="$duration_us" 'BEGIN { printf "%.3f", b / (d / 1e6) / 1e6 }')" \
    "$(awk -v v="$p50_us" 'BEGIN { printf "%.3f", v / 1000 }')" \
    "$(awk -v v="$p99_us" 'BEGIN { printf "%.3f", v / 1000 }')" \
    "$(awk -v b="$bytes" -v cpu=$((cpu1 - cpu0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.4f", (b > 0 ? cpu / hz / (b / 1e9) : 0) }')" \
    "$(( (cached1 - cached0) / 1024 ))" \
    "$(awk -v r="$resident" 'BEGIN { printf "%.1f", r / 1048576 }')" \
    "$(( rss / 1024 ))" "$non2xx/$sockerr" "$flag" \
    "$(awk -v d=$((disk1 - disk0)) -v b="$bytes" 'BEGIN { if (b > 0) printf "%.4f", 100 * d / b; else print "-" }')"
}

pass_fio() { # $1 conns: iodepth FIO_QD, then iodepth = conns (when different)
  local conns="$1" qd json err cached0 cached1 resident
  local depths=("$FIO_QD")
  if (( conns != FIO_QD )); then depths+=("$conns"); fi
  for qd in "${depths[@]}"; do
    local key="$conns|$ROUND|$PASS_IDX.qd$qd" label="$PASS_LABEL qd$qd"
    json="$WORK/$PASS_TAG-fio-qd$qd.json"; err="$json.err"
    drop_caches
    cached0="$(cached_kb)"
    if ! run_child "$err" timeout $((SECS + 60)) "${SRV_PIN[@]}" fio --name=devlimit --filename="$VOL/volume.dat" --readonly \
         --direct=1 --ioengine=io_uring --fixedbufs=1 --registerfiles=1 --rw=randread --bs="$FIO_BS_B" \
         --iodepth="$qd" --size="$FIO_SIZE" --norandommap --randrepeat=0 --time_based --runtime="$SECS" \
         --ramp_time=1 --output-format=json --output="$json" \
       || ! jq -e '.jobs[0]' "$json" >/dev/null 2>&1; then
      note "$label: fio failed:"; cat "$err" "$json" 2>/dev/null | tail -n 20 | sed 's/^/    | /' >&2
      add_row "$key" "$label" - - - - - - - - - "fio FAILED"
      continue
    fi
    cached1="$(cached_kb)"; resident="$(served_resident_bytes fio)"
    # fio's CPU % is of its run time; CPU s/GB over the bytes read. p50/p99 = completion latency.
    local vals
    vals="$(jq -r '.jobs[0] | [ .read.iops, .read.bw_bytes / 1e6,
                   (.read.clat_ns.percentile["50.000000"] // 0) / 1e6, (.read.clat_ns.percentile["99.000000"] // 0) / 1e6,
                   (if .read.io_bytes > 0 then (.usr_cpu + .sys_cpu) / 100 * (.job_runtime / 1000) / (.read.io_bytes / 1e9) else 0 end),
                   .error ] | @tsv' "$json")"
    local iops mbs p50 p99 cpg ferr flag=""
    read -r iops mbs p50 p99 cpg ferr <<<"$vals"
    (( ferr == 0 )) || flag="ERRORS: fio error $ferr"
    add_row "$key" "$label" "$iops" "$mbs" "$p50" "$p99" "$cpg" "$(( (cached1 - cached0) / 1024 ))" \
      "$(awk -v r="$resident" 'BEGIN { printf "%.1f", r / 1048576 }')" - "$ferr" "$flag"
  done
}

# ---- 2. the rounds ----------------------------------------------------------------------------------------------------
n_server=0; n_fio=0
for p in "${PASS_LIST[@]}"; do if [[ "$p" == fio ]]; then n_fio=$((n_fio + 1)); else n_server=$((n_server + 1)); fi; done
est=0
for c in "${CONN_LIST[@]}"; do
  fio_runs=$(( c == FIO_QD ? 1 : 2 ))
  est=$(( est + n_server * (SECS + WARM + 4) + n_fio * fio_runs * (SECS + 2) ))
done
est=$(( est * ROUNDS ))
ROUNDS_NOTE=""; (( ROUNDS == 1 )) || ROUNDS_NOTE=" ($ROUNDS times each)"
ATLAS_DESC="atlas --cores $ATLAS_CORES${ATLAS_BUFFER_MEMORY:+ --buffer-memory $ATLAS_BUFFER_MEMORY}${ATLAS_ARGS:+ $ATLAS_ARGS}"
if (( HOT_PASSES )); then
  ATLAS_DESC+="; *-hot passes --hot-memory $HOT_MEMORY${HOT_PREFIX:+ --hot-prefix $HOT_PREFIX}"
  (( JAR_HOT && ! ARGS_HOT )) && ATLAS_DESC+=", the others --hot-memory 0"
  (( JAR_HOT )) || ATLAS_DESC+=" (not in this jar)"
fi
# What the popularity means for a cache: the share of requests that go to the most popular objects.
zipf_share() { # $1 alpha, $2 N, $3 K → percent of requests for the K most popular of N objects
  awk -v a="$1" -v n="$2" -v k="$3" 'BEGIN { for (i = 1; i <= n; i++) { w = i ^ -a; t += w; if (i <= k) h += w }
    printf "%.0f", 100 * h / t }'
}
if [[ "$POPULARITY" == uniform ]]; then
  POP_DESC="uniformly random object per request"
else
  alpha="${POPULARITY#zipf:}"; top=$(( (OBJECTS + 9) / 10 ))
  POP_DESC="Zipf-popular object per request (α $alpha, object 0 the most popular: the top 10 % ($top) get $(zipf_share "$alpha" "$OBJECTS" "$top") % of requests"
  hot_b="$(bytes_of "$HOT_MEMORY")"
  if (( HOT_PASSES )) && [[ -n "$hot_b" ]] && (( hot_b / SIZE_B < OBJECTS )); then
    POP_DESC+=", the $(( hot_b / SIZE_B )) that fit in --hot-memory $HOT_MEMORY $(zipf_share "$alpha" "$OBJECTS" $(( hot_b / SIZE_B ))) %"
  fi
  POP_DESC+=")"
fi
note "rounds at -c ${CONNS}${ROUNDS_NOTE}: ${PASS_LIST[*]}; wrk -t$THREADS -d${SECS}s (warm-up ${WARM}s); $ATLAS_DESC; nginx worker_processes $NGINX_WORKERS; $PIN_NOTE"
note "${WORKLOAD:+workload $WORKLOAD: }$OBJECTS × $SIZE_B B, $POP_DESC"
note "about $(( est / 60 )) min $(( est % 60 )) s of passes; work dir $WORK; jar $JAR_DESC"
for conns in "${CONN_LIST[@]}"; do
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    # With one round, labels and file names are what they were before --rounds: "3. nginx-directio".
    RP=""; (( ROUNDS == 1 )) || RP="r$ROUND "
    PASS_IDX=0
    for pass in "${PASS_LIST[@]}"; do
      PASS_IDX=$((PASS_IDX + 1))
      PASS_LABEL="$RP$PASS_IDX. $pass"
      PASS_TAG="c$conns-${RP:+r$ROUND-}$PASS_IDX"
      if [[ "$pass" == fio ]]; then pass_fio "$conns"; else pass_server "$pass" "$conns"; fi
    done
  done
done

# ---- 3. table and ratios ------------------------------------------------------------------------------------------------
FS_TYPE="$(findmnt -no FSTYPE -T "$WORK" 2>/dev/null || stat -f -c %T "$WORK")"
echo
echo "Atlas vs nginx vs fio — ${WORKLOAD:+workload $WORKLOAD: }$OBJECTS objects × $SIZE_B B ($(( OBJECTS * SIZE_B / 1048576 )) MiB), $POP_DESC, wrk -t$THREADS -d${SECS}s, warm-up ${WARM}s${ROUNDS_NOTE:+; every round run $ROUNDS times back to back (r1 … r$ROUNDS)}"
echo "$(date -u '+%F %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), data on $(df -P "$WORK" | awk 'NR == 2 {print $1}') ($FS_TYPE); ${DROP_NOTE:-page cache dropped before every pass}"
echo "$ATLAS_DESC; $PIN_NOTE"
echo "jar $JAR_DESC${DISK_MBPS:+; server disk reads capped at $DISK_MBPS MB/s by blkio throttle, fio not}${MEMORY_LIMIT:+; each server held to $MEMORY_LIMIT of memory, page cache included (cgroup), fio not}"
for e in "${!ATLAS_LINE[@]}"; do [[ -n "${ATLAS_LINE[$e]}" ]] && echo "  --engine $e: ${ATLAS_LINE[$e]}"; done
[[ -z "$HOT_LINE" ]] || echo "  hot tier: $HOT_LINE"
echo "nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') worker_processes $NGINX_WORKERS; $(fio --version) ioengine=io_uring direct=1 fixedbufs randread bs=$FIO_BS_B over volume.dat's first $(( FIO_SIZE / 1048576 )) MiB; $(wrk --version 2>&1 | head -n 1 | awk '{print $1, $2}')"
echo "MB = 10^6 B; fio: req/s = IOPS, p50/p99 = completion latency; errors = wrk non-2xx/socket errors (fio: its error code)"
echo "Cached = /proc/meminfo Cached - Shmem growth during the pass (machine-wide; the hot tier's memfd is Shmem); files = page cache of the served files after it"
echo "disk/sent = bytes the server read from the disk during the measured window / bytes wrk received, in %; disk = $DISK_SRC"
# The pass column: 18 characters as before --rounds, or as wide as the longest label ("r2 4. nginx-directio").
PASS_W=18
for k in "${ROW_KEYS[@]}"; do (( ${#R_LABEL[$k]} <= PASS_W )) || PASS_W=${#R_LABEL[$k]}; done
hdr() { printf "%-6s %-${PASS_W}s %9s %8s %8s %8s %9s %11s %10s %8s %11s %11s\n" "conns" "pass" "req/s" "MB/s" "p50 ms" "p99 ms" "CPU s/GB" "Cached +MiB" "files MiB" "RSS MiB" "disk/sent %" "errors"; }
hdr
for k in "${ROW_KEYS[@]}"; do
  printf "%-6s %-${PASS_W}s %s\n" "${k%%|*}" "${R_LABEL[$k]}" "$(format_row "$k")"
done

mean_of() { # $1 conns, $2 round (empty: every round), $3 pass name (exact, or "fio qd<N>"), $4 array name → mean of valid values
  local c="$1" r="$2" want="$3" k lbl sum=0 n=0 v
  local -n ref="$4"
  for k in "${ROW_KEYS[@]}"; do
    [[ "${k%%|*}" == "$c" ]] || continue
    [[ -z "$r" || "${R_ROUND[$k]}" == "$r" ]] || continue
    lbl="${R_LABEL[$k]#*. }"   # "r2 3. nginx-directio" and "3. nginx-directio" → "nginx-directio"
    [[ "$lbl" == "$want" ]] || continue
    v="${ref[$k]}"
    if [[ "$v" == - ]]; then continue; fi
    sum="$(awk -v a="$sum" -v b="$v" 'BEGIN { print a + b }')"; n=$((n + 1))
  done
  (( n > 0 )) && awk -v s="$sum" -v n="$n" 'BEGIN { printf "%.4f", s / n }' || echo ""
}
# Each round's ratio (from that round's passes: mean of the numerator's passes / mean of the denominator's), over the
# rounds where both were measured → "median min max count" (lib.sh median_range), nothing when no round has both.
ratio_stats() { # $1 conns, $2 numerator pass, $3 its array, $4 denominator pass, $5 its array
  local c="$1" r a b vals=()
  for ((r = 1; r <= ROUNDS; r++)); do
    a="$(mean_of "$c" "$r" "$2" "$3")"; b="$(mean_of "$c" "$r" "$4" "$5")"
    if [[ -n "$a" && -n "$b" ]] && awk -v b="$b" 'BEGIN { exit !(b > 0) }'; then
      vals+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.17g", a / b }')")
    fi
  done
  median_range "${vals[@]}"
}
value_stats() { # $1 conns, $2 pass, $3 array → the same over the rounds' means of one column
  local c="$1" r a vals=()
  for ((r = 1; r <= ROUNDS; r++)); do
    a="$(mean_of "$c" "$r" "$2" "$3")"; [[ -z "$a" ]] || vals+=("$a")
  done
  median_range "${vals[@]}"
}
fr() { fmt_median "$1" "$ROUNDS" '%.2f×' '%.2f' short; }   # "1.23×"; with rounds "1.23× (1.10–1.41)"; n/a
chk() { # $1 target name, $2 stats, $3 awk condition on x (the median), $4/$5 formats → "name value ok|MISSED" or "name n/a"
  [[ -n "$2" ]] || { printf '%s n/a' "$1"; return 0; }
  printf '%s %s %s' "$1" "$(fmt_median "$2" "$ROUNDS" "${4:-%.2f×}" "${5:-%.2f}")" \
    "$(awk -v x="${2%% *}" "BEGIN { print (($3) ? \"ok\" : \"MISSED\") }")"
}
# Character count of a cell (× and – are several bytes): pads the ratio table by characters.
chars() { printf '%s' "$1" | LC_ALL=C tr -d '\200-\277' | wc -c; }

echo
echo "Ratios of MB/s (Atlas engine = mean of its passes in the round; fio = the device limit at that queue depth)"
(( ROUNDS == 1 )) || echo "each: median over the $ROUNDS rounds of that round's ratio (min–max of the rounds; \", N rounds\" when only N had both sides)"
atlas_labels=()
for p in "${PASS_LIST[@]}"; do
  if [[ "$p" == atlas-* && ! " ${atlas_labels[*]} " =~ " $p " ]]; then atlas_labels+=("$p"); fi
done
US=$'\x1f'   # field separator of RT_ROWS (not whitespace: empty cells stay cells)
RT_ROWS=()   # H (heading of a count), E (an engine's ratios), U (uring / nio): kind, c-column, name, cells…
for c in "${CONN_LIST[@]}"; do
  RT_ROWS+=("H${US}c=$c${US}${US}/sendfile${US}/directio${US}/fio-qd$FIO_QD${US}/fio-qd$c${US}CPU/GB ÷dio${US}files MiB")
  for a in "${atlas_labels[@]}"; do
    # HTTPS passes are compared with nginx over HTTPS (when measured), plaintext with plaintext.
    snd=nginx-sendfile; dio=nginx-directio
    if [[ "$a" == *-tls ]]; then snd=nginx-sendfile-tls; dio=nginx-directio-tls; fi
    s_snd="$(ratio_stats "$c" "$a" R_MBS "$snd" R_MBS)"; s_dio="$(ratio_stats "$c" "$a" R_MBS "$dio" R_MBS)"
    s_f64="$(ratio_stats "$c" "$a" R_MBS "fio qd$FIO_QD" R_MBS)"; s_fc="$(ratio_stats "$c" "$a" R_MBS "fio qd$c" R_MBS)"
    s_cpu="$(ratio_stats "$c" "$a" R_CPG "$dio" R_CPG)"; s_fm="$(value_stats "$c" "$a" R_FILES)"
    RT_ROWS+=("E${US}${US}$a${US}$(fr "$s_snd")${US}$(fr "$s_dio")${US}$(fr "$s_f64")${US}$(fr "$s_fc")${US}$(fr "$s_cpu")${US}${s_fm:+$(fmt_median "$s_fm" "$ROUNDS" %.1f %.1f short)}")
    # Issue 4's targets (stated for 1000 connections): ≥ 0.85 × fio at the same queue depth, ≥ 1.6 × directio,
    # ≥ 1.1 × sendfile, page-cache growth < 64 MiB (the volume's own resident pages, fincore: machine-wide Cached
    # moves with whatever else runs), CPU per GB ≤ nginx directio's. With rounds: judged on the medians.
    [[ -n "$WORKLOAD" ]] || TARGETS+=("$(printf 'c=%-5s %-12s' "$c" "$a")  $(chk "≥0.85×fio" "$s_fc" 'x >= 0.85'), $(chk "≥1.6×directio" "$s_dio" 'x >= 1.6'), $(chk "≥1.1×sendfile" "$s_snd" 'x >= 1.1'), $(chk "cache<64MiB" "$s_fm" 'x < 64' '%+.0f' '%.0f'), $(chk "CPU/GB≤directio" "$s_cpu" 'x <= 1')")
  done
  if [[ " ${atlas_labels[*]} " =~ " atlas-uring " && " ${atlas_labels[*]} " =~ " atlas-nio " ]]; then
    RT_ROWS+=("U${US}${US}uring / nio${US}$(fr "$(ratio_stats "$c" atlas-uring R_MBS atlas-nio R_MBS)")${US}$(fr "$(ratio_stats "$c" atlas-uring R_CPG atlas-nio R_CPG)")")
  fi
  # The hot tier: each atlas-ENGINE-hot against the same engine with the tier off, and against nginx sendfile.
  for a in "${atlas_labels[@]}"; do
    is_hot "$a" || continue
    plain="${a%-tls}"; plain="${plain%-hot}"; snd=nginx-sendfile
    if [[ "$a" == *-tls ]]; then plain+=-tls; snd=nginx-sendfile-tls; fi
    RT_ROWS+=("O${US}${US}$a${US}$plain${US}$(fr "$(ratio_stats "$c" "$a" R_MBS "$plain" R_MBS)")${US}$snd${US}$(fr "$(ratio_stats "$c" "$a" R_MBS "$snd" R_MBS)")")
  done
done
# Column widths: as before --rounds with one round; with rounds, every ratio column as wide as its widest cell.
RT_W=(10 10 10 10 12 12); RT_NAME_W=14
if (( ROUNDS > 1 )); then
  for a in "${atlas_labels[@]}"; do (( ${#a} <= RT_NAME_W )) || RT_NAME_W=${#a}; done
  for row in "${RT_ROWS[@]}"; do
    IFS="$US" read -r -a f <<<"$row"
    [[ "${f[0]}" != [UO] ]] || continue
    for i in 0 1 2 3 4 5; do
      n="$(chars "${f[i + 3]:-}")"; (( n <= RT_W[i] )) || RT_W[i]=$n
    done
  done
fi
for row in "${RT_ROWS[@]}"; do
  IFS="$US" read -r -a f <<<"$row"
  if [[ "${f[0]}" == U ]]; then
    printf '%-6s %-14s %10s   (CPU per GB %s)\n' "" "${f[2]}" "${f[3]}" "${f[4]}"
  elif [[ "${f[0]}" == O ]]; then
    printf '%-6s %s / %s %s, / %s %s (MB/s)\n' "" "${f[2]}" "${f[3]}" "${f[4]}" "${f[5]}" "${f[6]}"
  elif (( ROUNDS == 1 )); then
    printf '%-6s %-14s %10s %10s %10s %10s %12s %12s\n' "${f[1]}" "${f[2]}" "${f[3]}" "${f[4]}" "${f[5]}" "${f[6]}" "${f[7]}" "${f[8]:-}"
  else
    line="$(printf '%-6s %-*s' "${f[1]}" "$RT_NAME_W" "${f[2]}")"
    for i in 0 1 2 3 4 5; do
      cell="${f[i + 3]:-}"; line+="$(printf ' %*s%s' $(( RT_W[i] - $(chars "$cell") )) '' "$cell")"
    done
    printf '%s\n' "$line"
  fi
done
# Issue 5's targets: our HTTPS ≥ 0.85 × our plaintext, ≥ 1.5 × nginx HTTPS, CPU per GB ≤ 0.7 × nginx's.
for c in "${CONN_LIST[@]}"; do
  for a in "${atlas_labels[@]}"; do
    [[ "$a" == *-tls ]] || continue
    for n in nginx-sendfile-tls nginx-directio-tls; do
      TARGETS+=("$(printf 'c=%-5s %-12s vs %-18s' "$c" "$a" "$n")  $(chk "≥0.85×plaintext" "$(ratio_stats "$c" "$a" R_MBS "${a%-tls}" R_MBS)" 'x >= 0.85'), $(chk "≥1.5×nginx" "$(ratio_stats "$c" "$a" R_MBS "$n" R_MBS)" 'x >= 1.5'), $(chk "CPU/GB≤0.7×nginx" "$(ratio_stats "$c" "$a" R_CPG "$n" R_CPG)" 'x <= 0.7')")
    done
  done
done
# Hot passes outside a --workload: the one hot-tier target that holds for any shape, disk reads < 5 % of bytes sent.
chk14() { chk "$@" | sed 's/ ok$/ PASS/; s/ MISSED$/ MISS/'; }
pct() { chk14 "$1" "$2" 'x < 5' '%.1f%%' '%.1f'; }
if [[ -z "$WORKLOAD" ]]; then
  for c in "${CONN_LIST[@]}"; do
    for a in "${atlas_labels[@]}"; do
      is_hot "$a" && TARGETS+=("$(printf 'c=%-5s %-12s' "$c" "$a")  $(pct "disk/sent<5%" "$(value_stats "$c" "$a" R_DPCT)")")
    done
  done
fi
if [[ ${#TARGETS[@]} -gt 0 ]]; then
  echo
  echo "Issue 4 targets (stated for a cold catalogue at 1000 connections; fio at the round's queue depth; cache = files MiB):"
  (( ROUNDS == 1 )) || echo "(each judged on its median over the $ROUNDS rounds; min–max of the rounds in brackets)"
  for t in "${TARGETS[@]}"; do echo "  $t"; done
fi
# Issue 14's targets for the workload, each atlas-*-hot pass against nginx-sendfile of the same round (and, for vod,
# against the same engine with the tier off). Judged as stated, whatever options overrode the preset's shape.
if [[ -n "$WORKLOAD" ]]; then
  echo
  case "$WORKLOAD" in
    live) echo "Issue 14 targets, workload live (stated for 40 × 300 KiB, 1000 connections, every server's disk reads capped at 400 MB/s):" ;;
    small) echo "Issue 14 targets, workload small (stated for 2000 × 1 KiB, 100 connections, closed loop):" ;;
    vod) echo "Issue 14 targets, workload vod (stated for a Zipf catalogue (α 0.8 and 1.0) ≥ 4 × --memory-limit, both servers in the cgroup):" ;;
  esac
  (( ROUNDS == 1 )) || echo "(each judged on its median over the $ROUNDS rounds; min–max of the rounds in brackets)"
  ms() { fmt_median "$1" "$ROUNDS" '%.1f' '%.1f' short; }
  n14=0
  for c in "${CONN_LIST[@]}"; do
    for a in "${atlas_labels[@]}"; do
      if ! is_hot "$a" || [[ "$a" == *-tls ]]; then continue; fi
      n14=$((n14 + 1)); plain="${a%-hot}"
      head="$(printf 'c=%-5s %-16s' "$c" "$a")"
      s_snd="$(ratio_stats "$c" "$a" R_MBS nginx-sendfile R_MBS)"
      s_disk="$(value_stats "$c" "$a" R_DPCT)"
      case "$WORKLOAD" in
        live)
          s_p99="$(ratio_stats "$c" "$a" R_P99 nginx-sendfile R_P99)"
          echo "  $head $(chk14 "≥1.2×sendfile GB/s" "$s_snd" 'x >= 1.2'), $(chk14 "p99<sendfile's" "$s_p99" 'x < 1') ($(ms "$(value_stats "$c" "$a" R_P99)") vs $(ms "$(value_stats "$c" nginx-sendfile R_P99)") ms), $(pct "disk/sent<5%" "$s_disk")" ;;
        small)
          echo "  $head $(chk14 "≥1.5×sendfile req/s" "$(ratio_stats "$c" "$a" R_REQ nginx-sendfile R_REQ)" 'x >= 1.5'), $(pct "disk/sent<5%" "$s_disk")" ;;
        vod)
          echo "  $head $(chk14 "≥1.3×sendfile" "$s_snd" 'x >= 1.3'), $(chk14 "≥1.0×$plain (tier off)" "$(ratio_stats "$c" "$a" R_MBS "$plain" R_MBS)" 'x >= 1.0'), $(chk14 "cache<64MiB" "$(value_stats "$c" "$a" R_FILES)" 'x < 64' '%+.0f' '%.0f'); disk/sent $(fmt_median "$s_disk" "$ROUNDS" '%.1f%%' '%.1f') (not a target here)" ;;
      esac
    done
  done
  (( n14 > 0 )) || echo "  n/a: no atlas-ENGINE-hot pass in --passes"
  [[ "$WORKLOAD" != vod || "$POPULARITY" == zipf:* ]] || echo "  (this run's popularity is $POPULARITY, not Zipf)"
fi
note "total $(( SECONDS - T0 )) s"
if (( BAD )); then
  echo
  echo "FLAGGED: some passes failed or saw errors:"
  for k in "${ROW_KEYS[@]}"; do [[ -n "${R_FLAG[$k]}" ]] && echo "  c=${k%%|*} ${R_LABEL[$k]}: ${R_FLAG[$k]}"; done
  exit 1
fi
exit 0
