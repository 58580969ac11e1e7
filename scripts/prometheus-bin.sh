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

PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-3.5.0}"
# 3.MM.P -> v0.3MM.P
MODULE_VERSION="v0.$(echo "$PROMETHEUS_VERSION" | awk -F. '{printf "%d%02d.%d", $1, $2, $3}')"
CACHE_DIR="${ECSGIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecsgit}/prometheus/${PROMETHEUS_VERSION}"

log() { echo "prometheus-bin: $*" >&2; }

# grep reads to the end (no -q): under pipefail an early exit of grep -q could kill the
# writer with SIGPIPE and fail a check that matched.
version_ok() { "$1" --version 2>&1 | grep -E "^prometheus, version ${PROMETHEUS_VERSION//./\\.} " >/dev/null; }

use() { log "using $1 (v$PROMETHEUS_VERSION)"; echo "$1"; exit 0; }

if [ -n "${PROMETHEUS_BIN:-}" ] && [ -x "$PROMETHEUS_BIN" ]; then
  use "$PROMETHEUS_BIN"
fi
if [ -x "$CACHE_DIR/prometheus" ] && version_ok "$CACHE_DIR/prometheus"; then
  use "$CACHE_DIR/prometheus"
fi

command -v go >/dev/null 2>&1 || { log "error: Go is not installed: it is needed to build Prometheus $PROMETHEUS_VERSION (or set PROMETHEUS_BIN)"; exit 1; }

# Parallel callers must not build twice: the second waits for the first.
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.build.lock"
if ! flock -n 9; then
  log "another process is building Prometheus into $CACHE_DIR; waiting for it (up to 30 min)"
  flock -w 1800 9 || { log "error: timed out waiting for the other Prometheus build"; exit 1; }
  if [ -x "$CACHE_DIR/prometheus" ] && version_ok "$CACHE_DIR/prometheus"; then
    use "$CACHE_DIR/prometheus"
  fi
fi

start=$(date +%s)
log "building Prometheus v$PROMETHEUS_VERSION (github.com/prometheus/prometheus@$MODULE_VERSION) from the Go module proxy into $CACHE_DIR (once per machine)"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
if ! json=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/prometheus/prometheus@$MODULE_VERSION" 2>&1); then
  log "error: go mod download failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY)):"
  echo "$json" | tail -20 >&2
  exit 1
fi
dir=$(echo "$json" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
[ -d "$dir" ] || { log "error: go mod download did not give a source directory"; exit 1; }
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"
# The discovery selection of an empty plugins.yml (file and http stay, in minimum.go).
cat >plugins/plugins.go <<'GO'
// Generated for ecsgit by scripts/prometheus-bin.sh: no optional service discovery.

package plugins
GO
pkg=github.com/prometheus/common/version
log "compiling ./cmd/prometheus (GOFLAGS=-mod=mod; downloads Prometheus's dependencies on a cold module cache)"
step=$(date +%s)
if ! CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off go build -trimpath \
  -ldflags "-s -w -X $pkg.Version=$PROMETHEUS_VERSION -X $pkg.Revision=$MODULE_VERSION -X $pkg.Branch=module-proxy -X $pkg.BuildUser=ecsgit" \
  -o "$work/prometheus" ./cmd/prometheus >"$work/build.log" 2>&1; then
  log "error: build failed after $(( $(date +%s) - start ))s; last lines:"; tail -30 "$work/build.log" >&2; exit 1
fi
log "compiled in $(( $(date +%s) - step ))s"
mv "$work/prometheus" "$CACHE_DIR/prometheus.tmp" && mv "$CACHE_DIR/prometheus.tmp" "$CACHE_DIR/prometheus"
version_ok "$CACHE_DIR/prometheus" || { log "error: the built binary does not report v$PROMETHEUS_VERSION"; exit 1; }
log "built Prometheus v$PROMETHEUS_VERSION in $(( $(date +%s) - start ))s"
echo "$CACHE_DIR/prometheus"
