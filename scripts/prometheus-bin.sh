#!/usr/bin/env bash
# Prints the path of a usable prometheus binary, building the pinned version from the
# Go module proxy into a per-user cache when none is cached (as scripts/traefik-bin.sh
# builds Traefik). Built once per machine: the cache is keyed by version. Progress goes
# to stderr, only the path to stdout.
#
# Prometheus is the metrics store of the ALBRequestCountPerTarget policies
# (docs/autoscaling.md): it scrapes the proxy's request counters and answers the Nomad
# Autoscaler's prometheus APM plugin. The module version v0.305.0 is Prometheus 3.5.0
# (the project tags its Go module v0.3MM.P for release 3.MM.P).
#
# The build leaves out every service discovery but file and http: Prometheus selects its
# discovery plugins in plugins.yml and generates plugins/plugins.go from it ("make
# plugins"); an empty selection is what that generator writes for a plugins.yml without
# entries. ecsgit only scrapes static targets, and the cloud SDKs (AWS, Azure, GCE,
# Kubernetes...) are most of the build. The web UI (a React build) is not embedded
# either (no builtinassets tag): ecsgit uses the HTTP API only.
set -euo pipefail
LOG_PREFIX=prometheus-bin
. "$(dirname "$0")/lib.sh"

PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-3.5.0}"
# 3.MM.P -> v0.3MM.P
MODULE_VERSION="v0.$(echo "$PROMETHEUS_VERSION" | awk -F. '{printf "%d%02d.%d", $1, $2, $3}')"
BIN="$(component_dir prometheus "$PROMETHEUS_VERSION")/prometheus"

# grep reads to the end (no -q): under pipefail an early exit of grep -q could kill the
# writer with SIGPIPE and fail a check that matched.
version_ok() { "$1" --version 2>&1 | grep -E "^prometheus, version ${PROMETHEUS_VERSION//./\\.} " >/dev/null; }
use() { log "using $1 (v$PROMETHEUS_VERSION)"; echo "$1"; exit 0; }
# The discovery selection of an empty plugins.yml (file and http stay, in minimum.go).
build() {
  cat >plugins/plugins.go <<'GO'
// Generated for ecsgit by scripts/prometheus-bin.sh: no optional service discovery.

package plugins
GO
  local pkg=github.com/prometheus/common/version
  CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off go build -trimpath \
    -ldflags "-s -w -X $pkg.Version=$PROMETHEUS_VERSION -X $pkg.Revision=$MODULE_VERSION -X $pkg.Branch=module-proxy -X $pkg.BuildUser=ecsgit" \
    -o "$1" ./cmd/prometheus
}

if [ -n "${PROMETHEUS_BIN:-}" ] && [ -x "$PROMETHEUS_BIN" ]; then
  use "$PROMETHEUS_BIN"
fi
if [ -x "$BIN" ] && version_ok "$BIN"; then
  use "$BIN"
fi
log "Prometheus v$PROMETHEUS_VERSION is the module github.com/prometheus/prometheus@$MODULE_VERSION"
module_build github.com/prometheus/prometheus "$MODULE_VERSION" "$BIN" version_ok build
