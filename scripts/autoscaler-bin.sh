#!/usr/bin/env bash
# Prints the path of a usable nomad-autoscaler binary, building the pinned version
# from the Go module proxy into a per-user cache when none is available (the way
# scripts/nomad-bin.sh builds Nomad). Built once per machine: the cache is keyed by
# version. Progress goes to stderr, only the path to stdout.
set -euo pipefail

AUTOSCALER_VERSION="${AUTOSCALER_VERSION:-0.4.5}"
CACHE_DIR="${ECSGIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecsgit}/nomad-autoscaler/${AUTOSCALER_VERSION}"

log() { echo "autoscaler-bin: $*" >&2; }

version_ok() { # the binary runs and says it is the pinned release ("Nomad Autoscaler v0.4.5")
  [ "$("$1" version 2>/dev/null | sed -n 1p)" = "Nomad Autoscaler v$AUTOSCALER_VERSION" ]
}

use() { log "using $1 ($("$1" version 2>/dev/null | sed -n 1p))"; echo "$1"; exit 0; }

if [ -n "${AUTOSCALER_BIN:-}" ] && [ -x "$AUTOSCALER_BIN" ] && version_ok "$AUTOSCALER_BIN"; then
  use "$AUTOSCALER_BIN"
fi
if [ -x "$CACHE_DIR/nomad-autoscaler" ] && version_ok "$CACHE_DIR/nomad-autoscaler"; then
  use "$CACHE_DIR/nomad-autoscaler"
fi

command -v go >/dev/null 2>&1 || { log "error: Go is not installed: it is needed to build the Nomad Autoscaler v$AUTOSCALER_VERSION (or set AUTOSCALER_BIN)"; exit 1; }

# Parallel callers must not build twice: the second waits for the first.
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.build.lock"
if ! flock -n 9; then
  log "another process is building the Nomad Autoscaler into $CACHE_DIR; waiting for it (up to 30 min)"
  flock -w 1800 9 || { log "error: timed out waiting for the other autoscaler build"; exit 1; }
  if [ -x "$CACHE_DIR/nomad-autoscaler" ] && version_ok "$CACHE_DIR/nomad-autoscaler"; then
    use "$CACHE_DIR/nomad-autoscaler"
  fi
fi

start=$(date +%s)
log "building github.com/hashicorp/nomad-autoscaler@v$AUTOSCALER_VERSION from the Go module proxy into $CACHE_DIR (once per machine)"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
# A module build has no git metadata: GitDescribe makes it report the release
# ("v0.4.5", not "v0.4.5-dev"), as HashiCorp's release builds do.
# Download the module source, then build it with its own go.mod (it has no replace
# directives); `go install pkg@version` would also ask the proxy for the version list,
# which the proxy here refuses.
log "downloading github.com/hashicorp/nomad-autoscaler@v$AUTOSCALER_VERSION"
if ! json=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/hashicorp/nomad-autoscaler@v$AUTOSCALER_VERSION" 2>&1); then
  log "error: go mod download failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY)):"
  echo "$json" | tail -20 >&2
  exit 1
fi
dir=$(echo "$json" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
[ -d "$dir" ] || { log "error: go mod download did not give a source directory"; exit 1; }
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
log "compiling (go build; downloads the autoscaler's dependencies on a cold module cache)"
mkdir -p "$work/bin"
if ! (cd "$work/src" && GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0 go build -trimpath \
  -ldflags "-X github.com/hashicorp/nomad-autoscaler/version.GitDescribe=v$AUTOSCALER_VERSION" -o "$work/bin/nomad-autoscaler" .) >"$work/build.log" 2>&1; then
  log "error: build failed after $(( $(date +%s) - start ))s; last lines:"
  tail -30 "$work/build.log" >&2
  exit 1
fi
mv "$work/bin/nomad-autoscaler" "$CACHE_DIR/nomad-autoscaler.tmp" && mv "$CACHE_DIR/nomad-autoscaler.tmp" "$CACHE_DIR/nomad-autoscaler"
version_ok "$CACHE_DIR/nomad-autoscaler" || { log "error: the built binary does not report v$AUTOSCALER_VERSION"; exit 1; }
log "built $("$CACHE_DIR/nomad-autoscaler" version 2>/dev/null | sed -n 1p) in $(( $(date +%s) - start ))s"
echo "$CACHE_DIR/nomad-autoscaler"
