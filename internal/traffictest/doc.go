// Package traffictest holds the real-cluster tests of traffic (docs/traffic.md): services
// behind the cluster's load balancer (Traefik on Nomad's service catalog, started by
// scripts/cluster.sh), deployed by ecsgit's own plan and apply from a repository of ECS
// and elbv2 JSON, under a constant request load. It also has the load client the tests
// and the benchmark (docs/benchmarks.md) share.
package traffictest
