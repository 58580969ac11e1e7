#!/usr/bin/env bash
# Prints the path of a usable nomad binary (v1.11.x or newer), building the pinned
# version from the Go module proxy into a per-user cache when none is available.
# Built once per machine: the cache is keyed by version. Progress goes to stderr,
# only the path to stdout.
set -euo pipefail
LOG_PREFIX=nomad-bin
. "$(dirname "$0")/lib.sh"

NOMAD_VERSION="${NOMAD_VERSION:-1.11.3}"
# The api sub-module is not in the main module's zip; this pseudo-version is the one the
# reference recipe verified against v1.11.3.
NOMAD_API_VERSION="${NOMAD_API_VERSION:-v0.0.0-20260907080526-08ef8f3d26da}"
# Bump PATCH_LEVEL whenever apply_patches changes: it keys the cache.
PATCH_LEVEL=ecsgit1
BIN="$(component_dir nomad "${NOMAD_VERSION}-${PATCH_LEVEL}")/nomad"

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
    die "could not apply the nomad#27739 patch to $f (source changed?)"; }
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

if [ -x "$BIN" ] && version_ok "$BIN"; then
  use "$BIN"
fi
# The api sub-module is not in the main module's zip: point its replace at the proxy.
build() {
  sed -i -E "s#^replace github.com/hashicorp/nomad/api => ./api#replace github.com/hashicorp/nomad/api => github.com/hashicorp/nomad/api $NOMAD_API_VERSION#" go.mod
  apply_patches
  GOFLAGS=-mod=mod go build -o "$1" .
}
module_build github.com/hashicorp/nomad "v$NOMAD_VERSION" "$BIN" version_ok build
