#!/usr/bin/env bash
# Prints the path of a usable traefik binary, building the pinned version from the Go
# module proxy into a per-user cache when none is cached. Built once per machine: the
# cache is keyed by version. Progress goes to stderr, only the path to stdout.
#
# Why v3.6 and not v3.7: the v3.7.x module zips on the proxy cannot be built. Their
# go.mod replaces github.com/traefik/traefik/dynamic/ext with ./pkg/config/dynamic/ext,
# a nested module that the module zip leaves out (a zip never holds another module's
# files), and the proxy does not serve that module on its own. v3.6.12 has no such
# replace and has everything ecsgit needs: the Nomad provider with its watch mode
# (Nomad's event stream, so a deregistration reaches the router in well under a second)
# and weighted services (the canary and linear traffic shifts of the next issue).
set -euo pipefail

TRAEFIK_VERSION="${TRAEFIK_VERSION:-3.6.12}"
CACHE_DIR="${ECSGIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecsgit}/traefik/${TRAEFIK_VERSION}"

log() { echo "traefik-bin: $*" >&2; }

# grep reads to the end (no -q): under pipefail an early exit of grep -q could kill the
# writer with SIGPIPE and fail a check that matched.
version_ok() { "$1" version 2>/dev/null | grep -E "^Version:[[:space:]]+${TRAEFIK_VERSION//./\\.}\$" >/dev/null; }

use() { log "using $1 (v$TRAEFIK_VERSION)"; echo "$1"; exit 0; }

if [ -n "${TRAEFIK_BIN:-}" ] && [ -x "$TRAEFIK_BIN" ]; then
  use "$TRAEFIK_BIN"
fi
if [ -x "$CACHE_DIR/traefik" ] && version_ok "$CACHE_DIR/traefik"; then
  use "$CACHE_DIR/traefik"
fi

command -v go >/dev/null 2>&1 || { log "error: Go is not installed: it is needed to build Traefik $TRAEFIK_VERSION (or set TRAEFIK_BIN)"; exit 1; }

# Parallel callers must not build twice: the second waits for the first.
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.build.lock"
if ! flock -n 9; then
  log "another process is building Traefik into $CACHE_DIR; waiting for it (up to 30 min)"
  flock -w 1800 9 || { log "error: timed out waiting for the other Traefik build"; exit 1; }
  if [ -x "$CACHE_DIR/traefik" ] && version_ok "$CACHE_DIR/traefik"; then
    use "$CACHE_DIR/traefik"
  fi
fi

start=$(date +%s)
log "building Traefik v$TRAEFIK_VERSION from the Go module proxy into $CACHE_DIR (once per machine)"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
log "downloading github.com/traefik/traefik/v3@v$TRAEFIK_VERSION"
if ! json=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/traefik/traefik/v3@v$TRAEFIK_VERSION" 2>&1); then
  log "error: go mod download failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY)):"
  echo "$json" | tail -20 >&2
  exit 1
fi
dir=$(echo "$json" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
[ -d "$dir" ] || { log "error: go mod download did not give a source directory"; exit 1; }
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"
# The web UI is built by yarn in Traefik's release pipeline; the module holds only a
# placeholder under webui/static, which is what go:embed needs. ecsgit uses the API,
# never the dashboard.
mkdir -p webui/static
[ -n "$(ls webui/static)" ] || echo '<!doctype html><title>traefik</title>' >webui/static/index.html
log "compiling ./cmd/traefik (GOFLAGS=-mod=mod; downloads Traefik's dependencies on a cold module cache)"
step=$(date +%s)
if ! CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" \
  -o "$work/traefik" ./cmd/traefik >"$work/build.log" 2>&1; then
  log "error: build failed after $(( $(date +%s) - start ))s; last lines:"; tail -30 "$work/build.log" >&2; exit 1
fi
log "compiled in $(( $(date +%s) - step ))s"
mv "$work/traefik" "$CACHE_DIR/traefik.tmp" && mv "$CACHE_DIR/traefik.tmp" "$CACHE_DIR/traefik"
version_ok "$CACHE_DIR/traefik" || { log "error: the built binary does not report v$TRAEFIK_VERSION"; exit 1; }
log "built Traefik v$TRAEFIK_VERSION in $(( $(date +%s) - start ))s"
echo "$CACHE_DIR/traefik"
