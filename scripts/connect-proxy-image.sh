#!/usr/bin/env bash
# Builds ecsgit's Service Connect sidecar image, ecsgit/connect-proxy:1: the ecsgit
# binary (static) FROM scratch, entrypoint `ecsgit connect-proxy`. ecsgit adds this
# container to every task of a service with serviceConnectConfiguration (docs/traffic.md);
# a cluster's clients need the image on their Docker engine (or in a registry they pull
# from: ECSGIT_CONNECT_PROXY_IMAGE is the name the translation uses).
# Idempotent: rebuilt only when the binary's hash (label ecsgit.connect-proxy.hash) changed.
set -euo pipefail

LOG_PREFIX=connect-proxy-image
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=$(repo_root)
IMAGE="${ECSGIT_CONNECT_PROXY_IMAGE:-ecsgit/connect-proxy:1}"

command -v go >/dev/null 2>&1 || die "Go is not installed: it is needed to build the connect proxy"
need_docker

exec 8>"${TMPDIR:-/tmp}/ecsgit-connect-proxy-image.lock"
if ! flock -n 8; then
  log "waiting for another connect proxy image build"
  flock -w 900 8 || die "another connect proxy image build has held the lock for over 900 s"
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
# Static and reproducible, so an unchanged source gives an unchanged hash.
(cd "$ROOT" && CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false -ldflags "-s -w" \
  -o "$ctx/ecsgit" ./cmd/ecsgit) || die "go build of cmd/ecsgit failed"
want=$(sha256sum "$ctx/ecsgit" | cut -c1-16)
have=$(docker image inspect -f '{{index .Config.Labels "ecsgit.connect-proxy.hash"}}' "$IMAGE" 2>/dev/null || true)
if [ "$have" = "$want" ]; then
  log "$IMAGE is up to date"
  exit 0
fi
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY ecsgit /ecsgit
ENTRYPOINT ["/ecsgit", "connect-proxy"]
DOCKERFILE
log "building $IMAGE"
if ! out=$(docker build -q --label "ecsgit.connect-proxy.hash=$want" -t "$IMAGE" "$ctx" 2>&1); then
  echo "$out" >&2
  die "docker build of $IMAGE failed"
fi
log "built $IMAGE"
