#!/usr/bin/env bash
# Prints the path of the CNCF distribution registry binary (registry v3), building the
# pinned version from the Go module proxy into a per-user cache once per machine.
# Progress goes to stderr, only the path to stdout. Used by scripts/registry.sh.
set -euo pipefail
LOG_PREFIX=registry-bin
. "$(dirname "$0")/lib.sh"

REGISTRY_VERSION="${REGISTRY_VERSION:-v3.1.2}"
BIN="$(component_dir registry "$REGISTRY_VERSION")/registry"

# version_ok: the binary runs and reports the pinned version ("registry
# github.com/distribution/distribution/v3 v3.1.2"; "+unknown" from a `go install` build).
# grep reads to the end (no -q): under pipefail an early exit could kill the writer.
version_ok() { "$1" --version 2>/dev/null | grep -E " ${REGISTRY_VERSION//./\\.}(\+unknown)?\$" >/dev/null; }
build() {
  CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off go build -trimpath \
    -ldflags "-X github.com/distribution/distribution/v3/version.version=$REGISTRY_VERSION" \
    -o "$1" ./cmd/registry
}

if [ -x "$BIN" ] && version_ok "$BIN"; then
  log "using $BIN (distribution $REGISTRY_VERSION)"
  echo "$BIN"
  exit 0
fi
module_build github.com/distribution/distribution/v3 "$REGISTRY_VERSION" "$BIN" version_ok build
