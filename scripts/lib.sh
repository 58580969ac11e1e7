# Shared helpers for the cluster and demo-image scripts. Source it; do not run it.
# shellcheck shell=bash

# die prints a message prefixed with the calling script's name and exits 1.
die() { echo "${LOG_PREFIX:-ecsgit}: error: $*" >&2; exit 1; }
log() { echo "${LOG_PREFIX:-ecsgit}: $*" >&2; }

# need_docker fails fast with a clear message when no Docker engine answers.
# The timeout matters: a wrong DOCKER_HOST (e.g. a dead TCP address) can make
# the docker CLI wait for a long time.
need_docker() {
  command -v docker >/dev/null 2>&1 || die "the docker CLI is not installed; a Docker Engine is required"
  local out
  if ! out=$(timeout 15 docker version --format '{{.Server.Version}}' 2>&1); then
    die "no Docker Engine reachable (DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}): $(echo "$out" | tail -1)"
  fi
}

# repo_root is the directory holding the Makefile and go.mod.
repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# component_dir NAME VERSION is the per-user cache directory of a component built from
# the Go module proxy (Nomad, Traefik, the autoscaler, the registry): one per version.
component_dir() { echo "${ECSGIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecsgit}/$1/$2"; }

# module_build MODULE VERSION BIN CHECK BUILD builds a pinned Go program from the module
# proxy into BIN (a path in a component_dir), once per machine, and prints BIN.
#   CHECK BIN     a function that succeeds when BIN is the wanted build (its version);
#   BUILD OUT     a function run in a writable copy of the module's source, with Go's
#                 output going to a build log, that compiles the program to OUT.
# Parallel callers (make targets, test binaries, .ci/run's prebuild) build once: a
# second caller waits on the lock and then uses the first one's binary. The module is
# fetched with `go mod download` and built with its own go.mod: `go install pkg@version`
# would also ask the proxy for the version list, which the proxy here may refuse.
# LOG_PREFIX names the calling script in every message.
module_build() {
  local module=$1 version=$2 bin=$3 check=$4 build=$5 dir start json src
  dir=$(dirname "$bin")
  command -v go >/dev/null 2>&1 || die "Go is not installed: it is needed to build $module@$version"
  mkdir -p "$dir"
  exec 9>"$dir/.build.lock"
  if ! flock -n 9; then
    log "another process is building $module into $dir; waiting for it (up to 30 min)"
    flock -w 1800 9 || die "timed out waiting for the other build of $module"
    if [ -x "$bin" ] && "$check" "$bin"; then echo "$bin"; return 0; fi
  fi
  start=$(date +%s)
  log "building $module@$version from the Go module proxy into $dir (once per machine)"
  MODULE_BUILD_WORK=$(mktemp -d)
  trap 'chmod -R u+w "$MODULE_BUILD_WORK" 2>/dev/null; rm -rf "$MODULE_BUILD_WORK"' EXIT
  log "downloading $module@$version"
  if ! json=$(cd "$MODULE_BUILD_WORK" && GOFLAGS=-mod=mod go mod download -json "$module@$version" 2>&1); then
    log "error: go mod download failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY)):"
    echo "$json" | tail -20 >&2
    exit 1
  fi
  src=$(echo "$json" | sed -nE 's/^\s*"Dir": "(.*)",?$/\1/p')
  [ -d "$src" ] || die "go mod download did not give a source directory for $module@$version"
  cp -r "$src" "$MODULE_BUILD_WORK/src"
  chmod -R u+w "$MODULE_BUILD_WORK/src"
  log "compiling (downloads the dependencies on a cold module cache)"
  if ! (cd "$MODULE_BUILD_WORK/src" && "$build" "$MODULE_BUILD_WORK/out") >"$MODULE_BUILD_WORK/build.log" 2>&1; then
    log "error: build failed after $(( $(date +%s) - start ))s; last lines:"
    tail -30 "$MODULE_BUILD_WORK/build.log" >&2
    exit 1
  fi
  # Rename into place: a reader never sees a half-written binary.
  mv "$MODULE_BUILD_WORK/out" "$bin.tmp" && mv "$bin.tmp" "$bin"
  "$check" "$bin" || die "the binary built from $module@$version does not report that version"
  log "built $module@$version in $(( $(date +%s) - start ))s"
  echo "$bin"
}

# A process that a cluster script runs beside the agents (the autoscaler, Prometheus):
# a pid file, a command line naming its own config file (NEEDLE), so that a recycled pid
# is never taken for it, and the cluster's marker ($MARKER, KEY=VALUE) in its
# environment, by which `cluster.sh down` finds whatever is left of it. WHAT names it in
# messages.

# proc_ours PID NEEDLE: PID is alive and NEEDLE is on its command line.
proc_ours() {
  [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -F -- "$2" >/dev/null
}

# proc_alive PID: PID runs (a zombie does not count). For a process just started: until
# its exec, its command line is still the starting shell's, so proc_ours would miss it.
proc_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

# http_ok PORT PATH: 127.0.0.1:PORT answers GET PATH with 200 within 3 s.
http_ok() {
  timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && printf 'GET $2 HTTP/1.0\r\n\r\n' >&3 && grep -m1 -F ' 200 ' <&3 >/dev/null" 2>/dev/null
}

# proc_stop PIDFILE NEEDLE: stops the process of PIDFILE if it is ours (TERM, KILL after
# 10 s) and removes PIDFILE.
proc_stop() {
  local pid
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  if proc_ours "$pid" "$2"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do proc_ours "$pid" "$2" || break; sleep 0.5; done
    proc_ours "$pid" "$2" && kill -KILL "$pid" 2>/dev/null
    log "stopped (pid $pid)"
  fi
  rm -f "$1"
}

# proc_keep PIDFILE NEEDLE READY CONFIG_BEFORE CONFIG: succeeds when the process of
# PIDFILE is ours, READY (a command) succeeds and the CONFIG file's hash is still
# CONFIG_BEFORE (the config written before this call); otherwise stops it, if it ran,
# and fails, so that the caller starts it afresh.
proc_keep() {
  local pidfile=$1 needle=$2 ready=$3 before=$4 config=$5 pid
  [ -f "$pidfile" ] && pid=$(cat "$pidfile") && proc_ours "$pid" "$needle" || return 1
  if $ready && [ "$before" = "$(sha256sum "$config")" ]; then
    log "running (pid $pid, http 127.0.0.1:$PORT)"
    return 0
  fi
  log "pid $pid does not answer on 127.0.0.1:$PORT or its config changed; restarting it"
  proc_stop "$pidfile" "$needle"
  return 1
}

# proc_start WHAT PIDFILE LOGFILE SECONDS READY CMD...: starts CMD detached
# (setsid, $MARKER in its environment, output appended to LOGFILE), then waits up to
# SECONDS for READY (a command). Dies with the log's tail if it exits or never gets
# ready.
proc_start() {
  local what=$1 pidfile=$2 logfile=$3 secs=$4 ready=$5
  shift 5
  env "$MARKER" setsid "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  echo $! >"$pidfile"
  for _ in $(seq 1 $((secs * 2))); do
    proc_alive "$(cat "$pidfile")" || { tail -n 20 "$logfile" >&2; die "$what exited at start; log: $logfile"; }
    $ready && return 0
    sleep 0.5
  done
  tail -n 20 "$logfile" >&2
  die "$what did not answer on 127.0.0.1:$PORT within $secs s; log: $logfile"
}
