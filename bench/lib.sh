# lib.sh — what every benchmark script here needs the same way; sourced after PROG and ROOT are set.
#   die/note                 one line on stderr, prefixed with the script's name (die exits 2: a setup failure)
#   seconds, bytes_of        parse 10s/2m/1h and 300k/1m/2g/307200; print nothing when malformed
#   check_jdk_and_jar        find JDK 25+ (sets JDK) and check --jar or the means to build; appends to missing
#   prepare_jar              build target/atlas.jar when stale (unless --jar), copy it into $WORK, set JAR_DESC, JAVA

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
