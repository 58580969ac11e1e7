// Package bench holds ecsgit's scale benchmarks: the repository generator (bench/gen),
// the cluster harness (bench/cmd/ecsgit-bench, `make bench`) and Go benchmarks of the
// offline pipeline (this package's tests). See docs/benchmarks.md.
package bench
