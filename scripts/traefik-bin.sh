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
LOG_PREFIX=traefik-bin
. "$(dirname "$0")/lib.sh"

TRAEFIK_VERSION="${TRAEFIK_VERSION:-3.6.12}"
BIN="$(component_dir traefik "$TRAEFIK_VERSION")/traefik"

# grep reads to the end (no -q): under pipefail an early exit of grep -q could kill the
# writer with SIGPIPE and fail a check that matched.
version_ok() { "$1" version 2>/dev/null | grep -E "^Version:[[:space:]]+${TRAEFIK_VERSION//./\\.}\$" >/dev/null; }
use() { log "using $1 (v$TRAEFIK_VERSION)"; echo "$1"; exit 0; }
# The web UI is built by yarn in Traefik's release pipeline; the module holds only a
# placeholder under webui/static, which is what go:embed needs. ecsgit uses the API,
# never the dashboard.
build() {
  mkdir -p webui/static
  [ -n "$(ls webui/static)" ] || echo '<!doctype html><title>traefik</title>' >webui/static/index.html
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" \
    -o "$1" ./cmd/traefik
}

if [ -n "${TRAEFIK_BIN:-}" ] && [ -x "$TRAEFIK_BIN" ]; then
  use "$TRAEFIK_BIN"
fi
if [ -x "$BIN" ] && version_ok "$BIN"; then
  use "$BIN"
fi
module_build github.com/traefik/traefik/v3 "v$TRAEFIK_VERSION" "$BIN" version_ok build
