#!/usr/bin/env bash
# Prints the path of a usable nomad binary (v1.11.x or newer), building the pinned
# version from the Go module proxy into a per-user cache when none is available.
# Built once per machine: the cache is keyed by version.
set -euo pipefail

NOMAD_VERSION="${NOMAD_VERSION:-1.11.3}"
# The api sub-module is not in the main module's zip; this pseudo-version is the one the
# reference recipe verified against v1.11.3.
NOMAD_API_VERSION="${NOMAD_API_VERSION:-v0.0.0-20260907080526-08ef8f3d26da}"
CACHE_DIR="${ECSGIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecsgit}/nomad/${NOMAD_VERSION}"

log() { echo "nomad-bin: $*" >&2; }

version_ok() { # $1 = binary; accepts 1.11.x or newer
  local v
  v=$("$1" version 2>/dev/null | head -1 | sed -nE 's/^Nomad v([0-9]+)\.([0-9]+)\.([0-9]+).*/\1 \2/p') || return 1
  [ -n "$v" ] || return 1
  set -- $v
  [ "$1" -gt 1 ] || { [ "$1" -eq 1 ] && [ "$2" -ge 11 ]; }
}

for cand in "${NOMAD_BIN:-}" "$(command -v nomad 2>/dev/null || true)"; do
  if [ -n "$cand" ] && [ -x "$cand" ] && version_ok "$cand"; then
    echo "$cand"; exit 0
  fi
done

if [ -x "$CACHE_DIR/nomad" ] && version_ok "$CACHE_DIR/nomad"; then
  echo "$CACHE_DIR/nomad"; exit 0
fi

command -v go >/dev/null 2>&1 || { log "Go is not installed: it is needed to build Nomad $NOMAD_VERSION (see README)"; exit 1; }

start=$(date +%s)
log "building Nomad v$NOMAD_VERSION from the Go module proxy into $CACHE_DIR (once per machine; ~6 min on 2 cores)"
mkdir -p "$CACHE_DIR"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
log "downloading github.com/hashicorp/nomad@v$NOMAD_VERSION"
dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/hashicorp/nomad@v$NOMAD_VERSION" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
[ -d "$dir" ] || { log "go mod download did not give a source directory"; exit 1; }
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"
sed -i -E "s#^replace github.com/hashicorp/nomad/api => ./api#replace github.com/hashicorp/nomad/api => github.com/hashicorp/nomad/api $NOMAD_API_VERSION#" go.mod
log "compiling (GOFLAGS=-mod=mod go build)"
if ! GOFLAGS=-mod=mod go build -o "$work/nomad" . >"$work/build.log" 2>&1; then
  log "build failed; last lines:"; tail -30 "$work/build.log" >&2; exit 1
fi
mv "$work/nomad" "$CACHE_DIR/nomad.tmp" && mv "$CACHE_DIR/nomad.tmp" "$CACHE_DIR/nomad"
log "built $("$CACHE_DIR/nomad" version | head -1) in $(( $(date +%s) - start ))s"
echo "$CACHE_DIR/nomad"
