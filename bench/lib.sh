# lib.sh — what every benchmark script here needs the same way; sourced after PROG and ROOT are set.
#   die/note                 one line on stderr, prefixed with the script's name (die exits 2: a setup failure)
#   seconds, bytes_of        parse 10s/2m/1h and 300k/1m/2g/307200; print nothing when malformed
#   check_jdk_and_jar        find JDK 25+ (sets JDK) and check --jar or the means to build; appends to missing
#   require_tools            cmd:package pairs and the JDK/jar: one line per missing one, then exit 2
#   prepare_jar              build target/atlas.jar when stale (unless --jar), copy it into $WORK, set JAR_DESC, JAVA
#   disk_throttle_setup      --disk-mbps: cgroup v1 blkio group capping reads on the device of a directory (THROTTLE_CG)
#   disk_throttle_add        put processes into that group; disk_throttle_remove deletes it (cleanup, servers stopped)
#   median_range, fmt_median median and min–max of per-round values (--rounds), and their printed form
#   free_port                a TCP port nothing listens on
#   atlas_start, atlas_stop  an atlas serve in the background (optionally pinned), its public and admin URLs
#   metric_sum               the sum of a metric's samples on an admin URL's /_atlas/metrics

die() { echo "$PROG: $*" >&2; exit 2; }
note() { echo "$PROG: $*" >&2; }

seconds() { # 10s | 2m | 1h | 10 → seconds; empty when malformed
  case "$1" in
    *[!0-9smh]*|'') return 0 ;;
    *s) [[ "${1%s}" =~ ^[0-9]+$ ]] && echo "${1%s}" ;;
    *m) [[ "${1%m}" =~ ^[0-9]+$ ]] && echo $(( ${1%m} * 60 )) ;;
    *h) [[ "${1%h}" =~ ^[0-9]+$ ]] && echo $(( ${1%h} * 3600 )) ;;
    *) [[ "$1" =~ ^[0-9]+$ ]] && echo "$1" ;;
  esac
  return 0
}

bytes_of() { # 300k | 64K | 1m | 2g | 307200 → bytes; empty when malformed
  local v="${1,,}"
  case "$v" in
    *k|*kib) v="${v%ib}"; v="${v%k}"; [[ "$v" =~ ^[1-9][0-9]*$ ]] && echo $((v * 1024)) ;;
    *m|*mib) v="${v%ib}"; v="${v%m}"; [[ "$v" =~ ^[1-9][0-9]*$ ]] && echo $((v * 1048576)) ;;
    *g|*gib) v="${v%ib}"; v="${v%g}"; [[ "$v" =~ ^[1-9][0-9]*$ ]] && echo $((v * 1073741824)) ;;
    *) [[ "$v" =~ ^[1-9][0-9]*$ ]] && echo "$v" ;;
  esac
  return 0
}

check_jdk_and_jar() { # uses JAR (--jar) and the caller's missing array; sets JDK
  JDK=""
  local j
  for j in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 $(ls -d /usr/lib/jvm/*25* /usr/lib/jvm/*-2[5-9]* 2>/dev/null | sort -u -V -r); do
    if [[ -n "$j" && -x "$j/bin/java" ]] && "$j/bin/java" -version 2>&1 | head -n 1 | grep -Eq '"(2[5-9]|[3-9][0-9])'; then
      JDK="$j"; break
    fi
  done
  [[ -n "$JDK" ]] || missing+=("JDK 25+ (set JAVA_HOME, or install temurin-25-jdk)")
  if [[ -n "$JAR" ]]; then
    [[ -f "$JAR" ]] || missing+=("the jar given with --jar: no file $JAR")
  elif [[ ! -f "$ROOT/target/atlas.jar" ]] && ! command -v mvn >/dev/null 2>&1; then
    missing+=("target/atlas.jar, and Maven to build it (apt-get install -y maven), or pass --jar PATH")
  fi
}

require_tools() { # cmd:package… (looked for on PATH and in /usr/sbin, /sbin), then check_jdk_and_jar
  local t m
  missing=()
  for t in "$@"; do
    command -v "${t%%:*}" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "${t%%:*}" >/dev/null 2>&1 \
      || missing+=("${t%%:*} (apt-get install -y ${t#*:})")
  done
  check_jdk_and_jar
  if [[ ${#missing[@]} -gt 0 ]]; then
    for m in "${missing[@]}"; do echo "$PROG: missing: $m" >&2; done
    exit 2
  fi
}

prepare_jar() { # needs WORK, JDK; sets JAR, JAR_DESC, JAVA. A private copy: edits during the run do not matter.
  if [[ -z "$JAR" ]]; then
    note "checking target/atlas.jar (./atlas rebuilds it when the sources are newer)"
    if ! "$ROOT/atlas" --version >"$WORK/build.log" 2>&1; then
      tail -n 30 "$WORK/build.log" >&2
      die "building target/atlas.jar failed (the tree may be mid-edit); pass --jar PATH to measure a given jar"
    fi
    JAR="$ROOT/target/atlas.jar"
  fi
  cp "$JAR" "$WORK/atlas.jar"
  JAR_DESC="$JAR ($(date -r "$JAR" '+%F %T'), sha256 $(sha256sum "$WORK/atlas.jar" | cut -c1-12))"
  JAVA=("$JDK/bin/java" --enable-native-access=ALL-UNNAMED -jar "$WORK/atlas.jar")
}

# ---- --disk-mbps: a cgroup v1 blkio read throttle for the server's processes ------------------------------------------
THROTTLE_CG=""; THROTTLE_DEV=""
disk_throttle_setup() { # $1 MB/s, $2 a directory on the device to throttle, $3 who (for the note) → THROTTLE_CG, THROTTLE_DEV
  local mbps="$1" dir="$2" dev majmin
  [[ "$mbps" =~ ^[1-9][0-9]*$ ]] || die "--disk-mbps must be a positive integer"
  [[ -d /sys/fs/cgroup/blkio ]] || die "--disk-mbps needs the cgroup v1 blkio controller at /sys/fs/cgroup/blkio"
  dev="$(df -P "$dir" | awk 'NR == 2 {print $1}')"
  majmin="$(lsblk -dno MAJ:MIN "$dev" 2>/dev/null | tr -d ' ')"
  [[ -n "$majmin" ]] || die "--disk-mbps: cannot find the device of $dir ($dev)"
  mkdir -p "/sys/fs/cgroup/blkio/atlas-bench-$$" || die "--disk-mbps: cannot create a blkio cgroup"
  THROTTLE_CG="/sys/fs/cgroup/blkio/atlas-bench-$$"
  echo "$majmin $((mbps * 1000000))" >"$THROTTLE_CG/blkio.throttle.read_bps_device" \
    || die "--disk-mbps: the kernel refused a read throttle on $majmin"
  THROTTLE_DEV="$dev ($majmin)"
  note "$3 disk reads capped at $mbps MB/s on $THROTTLE_DEV, cgroup $THROTTLE_CG"
}
disk_throttle_add() { # pids…: every thread of these processes, and whatever they start later (io-wq workers, aio threads)
  [[ -n "$THROTTLE_CG" ]] || return 0
  local p; for p in "$@"; do echo "$p" >"$THROTTLE_CG/cgroup.procs" 2>/dev/null || true; done
}
disk_throttle_remove() { # only empty groups can go: call it after the servers stopped
  [[ -n "$THROTTLE_CG" ]] || return 0
  rmdir "$THROTTLE_CG" 2>/dev/null || note "could not remove cgroup $THROTTLE_CG (rmdir it when its processes are gone)"
  THROTTLE_CG=""
}

# ---- --rounds: a per-round value (a ratio of two passes of one round) summarised over the rounds --------------------------
median_range() { # numbers… → "median min max count" (full precision); nothing when there are none
  (( $# > 0 )) || return 0
  printf '%s\n' "$@" | LC_ALL=C sort -g | awk '{ v[NR] = $1 + 0 }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.17g %.17g %.17g %d", m, v[1], v[NR], NR }'
}
fmt_median() { # "median min max count" (or empty), rounds asked for, printf format of the median [, of min/max [, short]]
  # → n/a | the median alone (one round asked for: the output as before --rounds) | "1.62× (1.41–1.88, 3 rounds)";
  # short (for tables whose heading says how many rounds): "1.62× (1.41–1.88)", the count only when rounds are missing
  local st="$1" rounds="$2" fm="$3" fr="${4:-$3}" short="${5:-}"
  [[ -n "$st" ]] || { printf 'n/a'; return 0; }
  local med lo hi n; read -r med lo hi n <<<"$st"
  # shellcheck disable=SC2059  # the formats are the callers' constants
  if (( rounds <= 1 )); then printf "$fm" "$med"; return 0; fi
  # shellcheck disable=SC2059
  if [[ -n "$short" && "$n" == "$rounds" ]]; then printf "$fm ($fr–$fr)" "$med" "$lo" "$hi"; return 0; fi
  # shellcheck disable=SC2059
  printf "$fm ($fr–$fr, %d round%s)" "$med" "$lo" "$hi" "$n" "$([[ "$n" == 1 ]] || echo s)"
}

# ---- servers: a free port; an atlas serve in the background, its URLs once it listens; stopping it -----------------------
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 20000))
    if ! ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then echo "$port"; return 0; fi
  done
  die "no free port found"
}

ATLAS_PID=""; ATLAS_URL=""; ATLAS_ADMIN_URL=""
atlas_start() { # $1 log, $2 CPU list for taskset (or ""), serve args… → ATLAS_PID, ATLAS_URL, ATLAS_ADMIN_URL (no slash)
  local log="$1" cpus="$2"; shift 2
  local pin=(); [[ -n "$cpus" ]] && pin=(taskset -c "$cpus")
  "${pin[@]}" "${JAVA[@]}" serve "$@" >"$log" 2>&1 &
  ATLAS_PID=$!; ATLAS_URL=""; ATLAS_ADMIN_URL=""
  for _ in $(seq 1 300); do
    ATLAS_URL="$(sed -n 's|^atlas: listening on \(http://[^ ]*/\).*|\1|p' "$log" | head -n 1)"
    ATLAS_ADMIN_URL="$(sed -n 's|^atlas: admin \(http://[^ ]*/\).*|\1|p' "$log" | head -n 1)"
    [[ -n "$ATLAS_URL" && -n "$ATLAS_ADMIN_URL" ]] && break
    kill -0 "$ATLAS_PID" 2>/dev/null || { tail -n 20 "$log" >&2; die "atlas serve exited (see $log)"; }
    sleep 0.1
  done
  [[ -n "$ATLAS_URL" ]] || die "atlas printed no URL within 30 s (see $log)"
  ATLAS_URL="${ATLAS_URL%/}"; ATLAS_ADMIN_URL="${ATLAS_ADMIN_URL%/}"
}
atlas_stop() { # SIGTERM (a graceful stop), SIGKILL after 15 s
  [[ -n "$ATLAS_PID" ]] || return 0
  kill "$ATLAS_PID" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$ATLAS_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$ATLAS_PID" 2>/dev/null || true
  wait "$ATLAS_PID" 2>/dev/null || true
  ATLAS_PID=""
}
metric_sum() { # $1 admin URL, $2 metric name, [$3 label filter, e.g. reason="rate_limited"] → the sum of its samples
  curl -fs "$1/_atlas/metrics" | awk -v m="$2" -v f="${3:-}" '
    $1 ~ "^" m "({|$)" && (f == "" || index($1, f) > 0) { s += $NF } END { printf "%.0f\n", s }'
}
