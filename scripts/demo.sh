#!/usr/bin/env bash
# Quick-start deploy (run by `make demo` after build, cluster-up and
# demo-images): deploys the example and prints where to look.
# Interim: uses the nomad CLI with examples/nomad-interim/demo.json until
# `ecsgit apply` exists; then this becomes `bin/ecsgit apply examples/...`.
set -euo pipefail

LOG_PREFIX=demo
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=$(repo_root)
[ -f "$ROOT/.cluster/env" ] || die "no running cluster (.cluster/env missing); run: make cluster-up"
# shellcheck disable=SC1091
. "$ROOT/.cluster/env"
export NOMAD_ADDR
NOMAD=$("$ROOT/scripts/nomad-bin.sh" 2>/dev/null)

log "deploying job 'demo' (3 x ecsgit-demo/app:1, spread over zones a, b, c); waiting for the deployment"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Without -detach the CLI follows the deployment and fails if it fails.
if ! timeout 180 "$NOMAD" job run -json examples/nomad-interim/demo.json >"$out" 2>&1; then
  cat "$out" >&2
  die "deployment of job 'demo' did not succeed; inspect: $NOMAD job status demo"
fi
addrs=$("$NOMAD" service info -t '{{range .}}{{.Address}}:{{.Port}} {{end}}' demo)
echo "Nomad UI:      $NOMAD_ADDR/ui/jobs/demo@default"
for a in $addrs; do
  echo "demo service:  http://$a/  -> $(curl -fsS --max-time 2 "http://$a/" || echo 'no answer')"
done
echo "Try:           curl http://${addrs%% *}/healthz"
echo "Clean up:      $NOMAD job stop -purge demo   (or make cluster-down)"
