# ACLs for a cluster of scripts/cluster.sh (ECSGIT_NOMAD_ACL=1): the secrets tests run
# on one (docs/cluster.md, docs/secrets.md). Sourced by cluster.sh; do not run it.
# shellcheck shell=bash
#
# The choice is made at the first `up` and kept in the state dir (file `acl`), like
# the base port: `down` and `status` of an ACL cluster need its token.
# The management token is written to $CLUSTER_DIR/acl-token (mode 0600) and exported
# as NOMAD_TOKEN in $CLUSTER_DIR/env; anonymous requests get nothing.

acl_init() { # sets ACL=0|1 and, for 1, exports NOMAD_TOKEN when the cluster has one
  ACL="${ECSGIT_NOMAD_ACL:-0}"
  [ -f "$CLUSTER_DIR/acl" ] && ACL=$(cat "$CLUSTER_DIR/acl")
  ACL_TOKEN_FILE="$CLUSTER_DIR/acl-token"
  if [ "$ACL" = 1 ] && [ -s "$ACL_TOKEN_FILE" ]; then
    NOMAD_TOKEN=$(cat "$ACL_TOKEN_FILE")
    export NOMAD_TOKEN
  fi
}

acl_config() { # the agents' acl block
  [ "$ACL" = 1 ] || return 0
  printf '\nacl {\n  enabled = true\n}\n'
}

# acl_bootstrap waits for a leader and bootstraps the ACL system once; later `up`s
# reuse the token in the state dir.
acl_bootstrap() {
  [ "$ACL" = 1 ] || return 0
  echo 1 >"$CLUSTER_DIR/acl"
  [ -s "$ACL_TOKEN_FILE" ] && return 0
  local deadline=$((SECONDS + READY_TIMEOUT)) t=$SECONDS token out
  until curl -fsS "$ADDR/v1/status/leader" 2>/dev/null | grep "[0-9]" >/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || die "no Nomad leader at $ADDR after ${READY_TIMEOUT}s: cannot bootstrap ACLs"
    sleep 0.5
  done
  if ! out=$(nomad_cli acl bootstrap -t '{{ .SecretID }}' 2>&1); then
    die "nomad acl bootstrap failed (a cluster dir whose acl-token was lost must be removed: make cluster-down): $out"
  fi
  token=$(echo "$out" | tail -n 1)
  (umask 077 && echo "$token" >"$ACL_TOKEN_FILE")
  NOMAD_TOKEN=$token
  export NOMAD_TOKEN
  log "ACLs bootstrapped in $((SECONDS - t))s; management token in $ACL_TOKEN_FILE"
}

acl_env_line() { # for the env file
  [ "$ACL" = 1 ] && [ -n "${NOMAD_TOKEN:-}" ] && echo "export NOMAD_TOKEN=$NOMAD_TOKEN"
  return 0
}
