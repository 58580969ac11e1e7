#!/usr/bin/env bash
# Prints the path of a usable nomad-autoscaler binary, building the pinned version
# from the Go module proxy into a per-user cache when none is available (the way
# scripts/nomad-bin.sh builds Nomad). Built once per machine: the cache is keyed by
# version. Progress goes to stderr, only the path to stdout.
set -euo pipefail
LOG_PREFIX=autoscaler-bin
. "$(dirname "$0")/lib.sh"

AUTOSCALER_VERSION="${AUTOSCALER_VERSION:-0.4.5}"
BIN="$(component_dir nomad-autoscaler "$AUTOSCALER_VERSION")/nomad-autoscaler"

version_ok() { # the binary runs and says it is the pinned release ("Nomad Autoscaler v0.4.5")
  [ "$("$1" version 2>/dev/null | sed -n 1p)" = "Nomad Autoscaler v$AUTOSCALER_VERSION" ]
}
use() { log "using $1 ($("$1" version 2>/dev/null | sed -n 1p))"; echo "$1"; exit 0; }
# A module build has no git metadata: GitDescribe makes it report the release
# ("v0.4.5", not "v0.4.5-dev"), as HashiCorp's release builds do.
build() {
  GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=0 go build -trimpath \
    -ldflags "-X github.com/hashicorp/nomad-autoscaler/version.GitDescribe=v$AUTOSCALER_VERSION" -o "$1" .
}

if [ -n "${AUTOSCALER_BIN:-}" ] && [ -x "$AUTOSCALER_BIN" ] && version_ok "$AUTOSCALER_BIN"; then
  use "$AUTOSCALER_BIN"
fi
if [ -x "$BIN" ] && version_ok "$BIN"; then
  use "$BIN"
fi
module_build github.com/hashicorp/nomad-autoscaler "v$AUTOSCALER_VERSION" "$BIN" version_ok build
