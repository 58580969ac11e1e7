// Package nomadjob translates the ECS model into Nomad jobs: one ECS service (its
// service definition and task definition, from package spec) becomes one Nomad job
// with one task group (Translate), with a fidelity report of every field not carried
// over exactly, the rollout strategy that keeps ECS's deployment bounds, and the spec
// hash that records and failure memory key on.
//
// It is pure: no network, no cluster state, deterministic output (golden-tested under
// testdata/translate). The cluster side, which registers, watches and records these
// jobs, is package nomadbackend; it imports nomadjob, never the other way round.
package nomadjob
