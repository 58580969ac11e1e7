// Package bench holds ecsgit's scale benchmarks: the repository generator (bench/gen),
// the cluster harness (bench/cmd/ecsgit-bench, `make bench`) and Go benchmarks that need
// the generator (this package's tests: the offline pipeline, a Git fetch). bench is a
// module of its own (bench/go.mod, replacing ecsgit with ../), so that the harness's
// plotting libraries stay out of ecsgit's go.mod; `make test` runs its tests. See
// docs/benchmarks.md.
package bench
