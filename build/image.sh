#!/usr/bin/env bash
# Build the ecsgit container image offline: static binary + FROM scratch.
#   build/image.sh [TAG]      (default ecsgit/ecsgit:dev)
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-ecsgit/ecsgit:dev}
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o build/ecsgit ./cmd/ecsgit
cp /etc/ssl/certs/ca-certificates.crt build/ca-certificates.crt
docker build -q -f build/Dockerfile -t "$tag" build
rm -f build/ecsgit build/ca-certificates.crt
echo "built $tag"
