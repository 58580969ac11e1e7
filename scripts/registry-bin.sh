#!/usr/bin/env bash
# Prints the path of the CNCF distribution registry binary (registry v3), building the
# pinned version from the Go module proxy into a per-user cache once per machine.
# Progress goes to stderr, only the path to stdout. Used by scripts/registry.sh.
set -euo pipefail

REGISTRY_VERSION="${REGISTRY_VERSION:-v3.1.2}"
CACHE_DIR="${ECSGIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecsgit}/registry/${REGISTRY_VERSION}"
BIN="$CACHE_DIR/registry"

log() { echo "registry-bin: $*" >&2; }

if [ -x "$BIN" ]; then
  log "using $BIN (distribution $REGISTRY_VERSION)"
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null 2>&1 || { log "error: Go is not installed: it is needed to build the registry $REGISTRY_VERSION"; exit 1; }

mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.build.lock"
if ! flock -n 9; then
  log "another process is building the registry into $CACHE_DIR; waiting for it (up to 20 min)"
  flock -w 1200 9 || { log "error: timed out waiting for the other registry build"; exit 1; }
  [ -x "$BIN" ] && { echo "$BIN"; exit 0; }
fi
start=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "building github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION from the Go module proxy (once per machine)"
if ! (cd "$work" && GOBIN="$work" GOFLAGS=-mod=mod go install "github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION") >"$work/build.log" 2>&1; then
  log "error: build failed after $(( $(date +%s) - start ))s (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY)); last lines:"
  tail -20 "$work/build.log" >&2
  exit 1
fi
mv "$work/registry" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
log "built the registry $REGISTRY_VERSION in $(( $(date +%s) - start ))s"
echo "$BIN"
