// Package reconcile is ecsgit's engine: the one pipeline that turns a checked-out
// tree and the cluster into a plan (Pipeline.Plan, ComputePlanned) and carries a plan
// out (Apply, ApplyPlanned): rollouts, circuit breaker and rollback, prune policy,
// drift policy, failure memory, the outcome vocabulary (Status) and the error classes
// (Classify). `ecsgit plan`, `ecsgit apply` and the sync daemon all run it.
//
// Dependency direction: reconcile → {plan, nomadbackend (through the Cluster
// interface it owns), nomadbackend/nomadjob, source, spec}. It never imports Nomad's
// api module, cobra or HTTP, nor its sub-package syncloop (the daemon loop builds on
// the engine, never the other way).
package reconcile
