#!/usr/bin/env bash
# Prints the path of a usable nomad binary (v1.11.x or newer), building the pinned
# version from the Go module proxy into a per-user cache when none is available.
# Built once per machine: the cache is keyed by version. Progress goes to stderr,
# only the path to stdout.
set -euo pipefail

NOMAD_VERSION="${NOMAD_VERSION:-1.11.3}"
# The api sub-module is not in the main module's zip; this pseudo-version is the one the
# reference recipe verified against v1.11.3.
NOMAD_API_VERSION="${NOMAD_API_VERSION:-v0.0.0-20260907080526-08ef8f3d26da}"
# Bump PATCH_LEVEL whenever apply_patches changes: it keys the cache.
PATCH_LEVEL=ecsgit1
CACHE_DIR="${ECSGIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecsgit}/nomad/${NOMAD_VERSION}-${PATCH_LEVEL}"

log() { echo "nomad-bin: $*" >&2; }

# version_ok BINARY [MIN_PATCH]: accepts 1.11.MIN_PATCH (default 0) or newer.
version_ok() {
  local v min_patch=${2:-0}
  v=$("$1" version 2>/dev/null | sed -n 1p | sed -nE 's/^Nomad v([0-9]+)\.([0-9]+)\.([0-9]+).*/\1 \2 \3/p') || return 1
  [ -n "$v" ] || return 1
  set -- $v
  [ "$1" -gt 1 ] || { [ "$1" -eq 1 ] && { [ "$2" -gt 11 ] || { [ "$2" -eq 11 ] && [ "$3" -ge "$min_patch" ]; }; }; }
}

# apply_patches fixes, in the module source, Nomad bugs the tests hit.
#  * nomad#27739 (fixed upstream after v1.11.3): the plan applier dereferences
#    plan.JobInfo, which is nil when a job is purged while a plan for it (e.g. a
#    deployment cancel) is in flight: the server panics and the whole test
#    cluster is gone. Tests purge jobs all the time. Restore the pre-1.11 nil
#    tolerance.
apply_patches() {
  local f=nomad/plan_apply.go
  sed -i \
    -e 's/^\tif job == nil {$/\tif job == nil \&\& plan.JobInfo != nil {/' \
    -e 's/"namespace", plan.JobInfo.Namespace)/"plan", plan.GoString())/' "$f"
  grep -q 'if job == nil && plan.JobInfo != nil {' "$f" && ! grep -q 'plan\.JobInfo\.Namespace)' "$f" || {
    log "error: could not apply the nomad#27739 patch to $f (source changed?)"; exit 1; }
}

use() { log "using $1 ($("$1" version | sed -n 1p))"; echo "$1"; exit 0; }

# An explicit NOMAD_BIN is the caller's choice. A nomad on PATH must not have
# the plan-applier panic (see apply_patches).
if [ -n "${NOMAD_BIN:-}" ] && [ -x "$NOMAD_BIN" ] && version_ok "$NOMAD_BIN"; then
  use "$NOMAD_BIN"
fi
cand=$(command -v nomad 2>/dev/null || true)
if [ -n "$cand" ] && version_ok "$cand" 4; then
  use "$cand"
fi

if [ -x "$CACHE_DIR/nomad" ] && version_ok "$CACHE_DIR/nomad"; then
  use "$CACHE_DIR/nomad"
fi

command -v go >/dev/null 2>&1 || { log "error: Go is not installed: it is needed to build Nomad $NOMAD_VERSION (or put a nomad >= 1.11 binary on PATH / in NOMAD_BIN)"; exit 1; }

# Parallel callers (make targets, test binaries) must not build twice: the
# second one waits for the first and then uses its result.
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.build.lock"
if ! flock -n 9; then
  log "another process is building Nomad into $CACHE_DIR; waiting for it (up to 30 min)"
  flock -w 1800 9 || { log "error: timed out waiting for the other Nomad build"; exit 1; }
  if [ -x "$CACHE_DIR/nomad" ] && version_ok "$CACHE_DIR/nomad"; then
    use "$CACHE_DIR/nomad"
  fi
fi

start=$(date +%s)
log "building Nomad v$NOMAD_VERSION from the Go module proxy into $CACHE_DIR (once per machine; ~6-10 min on 2 cores)"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
log "downloading github.com/hashicorp/nomad@v$NOMAD_VERSION"
if ! json=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/hashicorp/nomad@v$NOMAD_VERSION" 2>&1); then
  log "error: go mod download failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY)):"
  echo "$json" | tail -20 >&2
  exit 1
fi
dir=$(echo "$json" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
[ -d "$dir" ] || { log "error: go mod download did not give a source directory"; exit 1; }
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"
sed -i -E "s#^replace github.com/hashicorp/nomad/api => ./api#replace github.com/hashicorp/nomad/api => github.com/hashicorp/nomad/api $NOMAD_API_VERSION#" go.mod
log "patching (see apply_patches)"
apply_patches
log "compiling (GOFLAGS=-mod=mod go build; downloads Nomad's dependencies on a cold module cache)"
if ! GOFLAGS=-mod=mod go build -o "$work/nomad" . >"$work/build.log" 2>&1; then
  log "error: build failed after $(( $(date +%s) - start ))s; last lines:"; tail -30 "$work/build.log" >&2; exit 1
fi
mv "$work/nomad" "$CACHE_DIR/nomad.tmp" && mv "$CACHE_DIR/nomad.tmp" "$CACHE_DIR/nomad"
log "built $("$CACHE_DIR/nomad" version | sed -n 1p) in $(( $(date +%s) - start ))s"
echo "$CACHE_DIR/nomad"
