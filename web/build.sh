#!/usr/bin/env bash
# Packages the browser side of the dashboard: installs web/package-lock.json's exact versions with `npm ci`
# (skipped when node_modules already matches the lock) and copies hls.js into OUT/dashboard/, which the Maven
# build adds to the jar's resources. Run by Maven in generate-resources; fails clearly without npm.
#   web/build.sh OUT
set -euo pipefail
WEB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:?usage: web/build.sh OUTPUT_DIR}"

if ! command -v npm >/dev/null 2>&1; then
  echo "atlas build: npm is required to package hls.js for the player page; install Node.js and npm (apt-get install -y npm) and build again" >&2
  exit 1
fi
# npm ci writes node_modules/.package-lock.json; when it is newer than the lock, the install is current.
if [[ ! -f "$WEB/node_modules/.package-lock.json" || "$WEB/package-lock.json" -nt "$WEB/node_modules/.package-lock.json" ]]; then
  echo "atlas build: npm ci in web/" >&2
  (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
HLS="$WEB/node_modules/hls.js/dist/hls.min.js"
if [[ ! -f "$HLS" ]]; then
  echo "atlas build: $HLS missing after npm ci" >&2
  exit 1
fi
mkdir -p "$OUT/dashboard"
cp "$HLS" "$OUT/dashboard/hls.min.js"
