# shellcheck shell=bash
# Sourced by scripts/cluster.sh: the server quorum. ECSGIT_NOMAD_SERVERS=3 starts three
# Nomad servers (Raft with quorum writes, as production runs it) instead of one; the
# benchmarks use it to measure the write limit a quorum imposes (docs/benchmarks.md).
#
# Ports: the first server keeps the base port (http, rpc +1, serf +2); server N (2, 3)
# takes base + 40 + 10*(N-2): http +40/+50, rpc +41/+51, serf +42/+52 (clients use
# +10, +20, +30). A running cluster keeps the count it was started with (state file
# `servers`), like `port-base`.

NOMAD_SERVERS="${ECSGIT_NOMAD_SERVERS:-1}"
if [ -f "$CLUSTER_DIR/servers" ]; then
  NOMAD_SERVERS=$(cat "$CLUSTER_DIR/servers")
fi
case "$NOMAD_SERVERS" in
  1 | 3) ;;
  *) die "ECSGIT_NOMAD_SERVERS=$NOMAD_SERVERS: want 1 or 3 (a quorum of 2 tolerates no failure)" ;;
esac

# extra_servers prints the agent names of servers 2..N.
extra_servers() {
  local i
  for ((i = 2; i <= NOMAD_SERVERS; i++)); do echo "server-$i"; done
}

server_port() { # $1 = server number (1..3), $2 = 0 http, 1 rpc, 2 serf
  if [ "$1" -eq 1 ]; then echo $((PORT_BASE + $2)); else echo $((PORT_BASE + 40 + 10 * ($1 - 2) + $2)); fi
}

# server_rpc_addrs: the clients' `servers` list, HCL strings.
server_rpc_addrs() {
  local i out=""
  for ((i = 1; i <= NOMAD_SERVERS; i++)); do out+="${out:+, }\"127.0.0.1:$(server_port "$i" 1)\""; done
  echo "$out"
}

# server_join_block: the servers find each other over serf (nothing with one server).
server_join_block() {
  local i out=""
  [ "$NOMAD_SERVERS" -gt 1 ] || return 0
  for ((i = 1; i <= NOMAD_SERVERS; i++)); do out+="${out:+, }\"127.0.0.1:$(server_port "$i" 2)\""; done
  printf '  server_join {\n    retry_join = [%s]\n  }\n' "$out"
}

# write_extra_server_configs derives servers 2..N from server.hcl (same settings; own
# name, data dir and ports) and records the count.
write_extra_server_configs() {
  local i
  echo "$NOMAD_SERVERS" >"$CLUSTER_DIR/servers"
  for ((i = 2; i <= NOMAD_SERVERS; i++)); do
    sed -e "s|^name .*|name                 = \"ecsgit-server-$i\"|" \
      -e "s|/data/server\"|/data/server-$i\"|" \
      -e "s|^  http = $(server_port 1 0)$|  http = $(server_port "$i" 0)|" \
      -e "s|^  rpc  = $(server_port 1 1)$|  rpc  = $(server_port "$i" 1)|" \
      -e "s|^  serf = $(server_port 1 2)$|  serf = $(server_port "$i" 2)|" \
      "$CLUSTER_DIR/config/server.hcl" >"$CLUSTER_DIR/config/server-$i.hcl"
  done
}
