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
