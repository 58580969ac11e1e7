# ecsgit developer entry points. `make test` is the one command that runs
# everything (CI: .ci/run). See docs/cluster.md for the local Nomad cluster.

GO      ?= go
PKGS    ?= ./...

.PHONY: all build test test-unit fmt fmt-check vet cluster-up cluster-down cluster-status demo-images demo bench bench-quick

all: build

build:
	$(GO) build -o bin/ecsgit ./cmd/ecsgit

## The full suite: format check, vet, a running cluster with the demo images,
## then every test (real-cluster tests included) with the race detector.
test: fmt-check vet cluster-up demo-images
	$(GO) test -race -count=1 -timeout 40m $(PKGS)

## Unit tests only, no cluster: -short makes nomadtest.Cluster skip the
## real-cluster tests. NOT the full suite; use `make test` before pushing.
test-unit:
	$(GO) test -race -short $(PKGS)

fmt:
	gofmt -w .

fmt-check:
	@files=$$(gofmt -l .); if [ -n "$$files" ]; then \
		echo "gofmt: these files need formatting (run make fmt):"; echo "$$files"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

cluster-up:
	scripts/cluster.sh up

cluster-down:
	scripts/cluster.sh down

cluster-status:
	scripts/cluster.sh status

demo-images:
	scripts/demo-images.sh

## Quick start: build, cluster, images, deploy the example, print addresses.
## Interim: deploys examples/nomad-interim/demo.json with the nomad CLI until
## `ecsgit apply` exists.
demo: build cluster-up demo-images
	@set -e; . .cluster/env; nomad=$$(scripts/nomad-bin.sh 2>/dev/null); \
	"$$nomad" job run -json -detach examples/nomad-interim/demo.json >/dev/null; \
	echo "demo: deployed job 'demo' (3 x ecsgit-demo/app:1, one per zone); waiting for it"; \
	for i in $$(seq 1 120); do \
		addrs=$$("$$nomad" service info -t '{{range .}}{{.Address}}:{{.Port}} {{end}}' demo 2>/dev/null || true); \
		[ $$(echo $$addrs | wc -w) -ge 3 ] && break; sleep 1; done; \
	[ -n "$$addrs" ] || { echo "demo: the demo service did not come up; see: $$nomad job status demo"; exit 1; }; \
	echo "Nomad UI:     $$NOMAD_ADDR/ui"; \
	for a in $$addrs; do echo "demo service: http://$$a/  ($$(curl -fsS --max-time 2 http://$$a/ || echo 'not answering yet'))"; done; \
	echo "Stop it with: make cluster-down"

## Benchmarks at scale, side by side with the Nomad CLI, on a dedicated local cluster
## (/tmp/ecsgit-bench-cluster, port 8646). NOT part of `make test`. Rewrites the
## generated section of docs/benchmarks.md and docs/img/bench-*.png (~20 min).
## Options: make bench BENCH_FLAGS='-soak 30m'; see go run ./bench/cmd/ecsgit-bench -h.
bench:
	$(GO) run ./bench/cmd/ecsgit-bench $(BENCH_FLAGS)

## The same with N = 10, 100 and fewer repetitions (a few minutes).
bench-quick:
	$(GO) run ./bench/cmd/ecsgit-bench -quick $(BENCH_FLAGS)
