#!/usr/bin/env bash
# Builds the demo images used by the examples and the real-cluster tests:
#   ecsgit-demo/app:1, ecsgit-demo/app:2, ecsgit-demo/app:broken
#   ecsgit-demo/pause:1 (the infra container of Nomad bridge-mode allocations,
#   scripts/cluster.sh sets it as the docker plugin's infra_image)
#   ecsgit-demo/router:1 (a FireLens log router: --mode=router)
# One static binary (examples/demo-app) in a FROM scratch image; worker, init,
# failing and log-router tasks use the same image with --mode=worker|init|fail|router.
# Idempotent: an image is rebuilt only when the label ecsgit.demo.hash (source,
# Dockerfile, Go version and build flags) differs from what is on the engine.
set -euo pipefail

LOG_PREFIX=demo-images
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=$(repo_root)
SRC="$ROOT/examples/demo-app"

command -v go >/dev/null 2>&1 || die "Go is not installed: it is needed to build the demo app"
need_docker
start=$(date +%s)

# Parallel test binaries may all ask for the images: build them once.
exec 9>"${TMPDIR:-/tmp}/ecsgit-demo-images.lock"
if ! flock -n 9; then
  log "waiting for another demo image build"
  flock -w 600 9 || die "another demo image build has held the lock for over 600 s"
fi

# variant: image version broken entrypoint-mode ("-" keeps the Dockerfile's)
VARIANTS=("ecsgit-demo/app:1 1 false -" "ecsgit-demo/app:2 2 false -" "ecsgit-demo/app:broken broken true -"
  "ecsgit-demo/pause:1 1 false pause" "ecsgit-demo/router:1 1 false router")

src_hash=$( (cat "$SRC"/*.go "$SRC/Dockerfile"; go env GOVERSION) | sha256sum | cut -c1-16)
work=""
cleanup() { [ -z "$work" ] || rm -rf "$work"; }
trap cleanup EXIT

built=0
for v in "${VARIANTS[@]}"; do
  read -r image version broken mode <<<"$v"
  tag=${image//[\/:]/-}
  want="$src_hash-$version-$broken-$mode"
  have=$(docker image inspect -f '{{index .Config.Labels "ecsgit.demo.hash"}}' "$image" 2>/dev/null || true)
  if [ "$have" = "$want" ]; then
    log "$image is up to date"
    continue
  fi
  [ -n "$work" ] || work=$(mktemp -d)
  ctx="$work/$tag"
  mkdir -p "$ctx"
  cp "$SRC/Dockerfile" "$ctx/"
  [ "$mode" = - ] || echo "ENTRYPOINT [\"/app\", \"--mode=$mode\"]" >>"$ctx/Dockerfile"
  # Static and reproducible (-trimpath, no VCS stamp) so the COPY layer is
  # identical between rebuilds of the same source.
  (cd "$SRC" && CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X main.version=$version -X main.broken=$broken" -o "$ctx/app" .) \
    || die "go build of examples/demo-app failed"
  log "building $image"
  # Output is shown only on failure: the legacy builder's deprecation notice is noise.
  if ! out=$(docker build -q --label "ecsgit.demo.hash=$want" -t "$image" "$ctx" 2>&1); then
    echo "$out" >&2
    die "docker build of $image failed"
  fi
  built=$((built + 1))
done
log "done: $built image(s) built in $(( $(date +%s) - start ))s"
