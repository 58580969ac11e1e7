#!/usr/bin/env bash
# Quick-start deploy (run by `make demo` after build, cluster-up and demo-images):
# deploys examples/gitops (ECS JSON) and examples/compose-app (docker-compose) with
# `ecsgit apply`, then prints where to look.
set -euo pipefail

LOG_PREFIX=demo
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=$(repo_root)
cd "$ROOT"
[ -f .cluster/env ] || die "no running cluster (.cluster/env missing); run: make cluster-up"
# shellcheck disable=SC1091
. .cluster/env
export NOMAD_ADDR
ECSGIT=bin/ecsgit
[ -x "$ECSGIT" ] || die "bin/ecsgit missing; run: make build"
NOMAD=$(scripts/nomad-bin.sh 2>/dev/null)

for dir in examples/gitops examples/compose-app; do
  log "ecsgit apply $dir"
  # apply waits for every rollout and exits non-zero if one fails or is rolled back.
  timeout 600 "$ECSGIT" apply --auto-approve "$dir" || die "ecsgit apply $dir failed (see above); inspect: $ECSGIT status"
done

echo
"$ECSGIT" status
echo
echo "Nomad UI:      $NOMAD_ADDR/ui/jobs"
for svc in web-web compose-app-web-web; do
  addrs=$("$NOMAD" service info -t '{{range .}}{{.Address}}:{{.Port}} {{end}}' "$svc" 2>/dev/null || true)
  for a in $addrs; do
    echo "service $svc: http://$a/  -> $(curl -fsS --max-time 2 "http://$a/" || echo 'no answer')"
  done
done
echo "Try:           $ECSGIT plan examples/gitops --detailed-exitcode; echo \$?   # 0: nothing to change"
echo "Clean up:      make cluster-down"
