# ecsgit developer entry points. `make test` is the one command that runs
# everything (CI: .ci/run). See docs/cluster.md for the local Nomad cluster.

GO      ?= go
PKGS    ?= ./...

.PHONY: all build test test-faults test-unit fmt fmt-check vet cluster-up cluster-down cluster-status demo-images demo bench bench-quick bench-harness

all: build

build:
	$(GO) build -o bin/ecsgit ./cmd/ecsgit

## The full suite: format check, vet, a running cluster with the demo images,
## then every test (real-cluster tests included) with the race detector, the
## tests of the benchmark module (bench/, its own go.mod; no cluster needed), and
## last the fault suite, alone on the cluster (it stops and kills agents).
test: fmt-check vet cluster-up demo-images
	$(GO) test -race -count=1 -timeout 40m $(PKGS)
	cd bench && $(GO) test -race -count=1 ./...
	$(MAKE) test-faults

## The fault suite (internal/faulttest, docs/faults.md): kill -9 of apply and of the
## sync daemon, a Nomad server outage, a client killed mid-rollout, racing applies,
## against the real cluster. It stops and kills cluster agents, so it cannot share
## the cluster with the other packages' tests (go test runs packages in parallel):
## `make test` runs it alone, after them; `make test-faults` runs only it.
## ECSGIT_FAULT_SEED=N replays a run; FAULT_RUN=regexp picks tests.
FAULT_RUN ?= .
test-faults: cluster-up demo-images
	$(GO) vet -tags faults ./internal/faulttest/
	$(GO) test -race -count=1 -tags faults -timeout 30m -v -run '$(FAULT_RUN)' ./internal/faulttest/

## Unit tests only, no cluster: -short makes nomadtest.Cluster skip the
## real-cluster tests. NOT the full suite; use `make test` before pushing.
test-unit:
	$(GO) test -race -short $(PKGS)
	cd bench && $(GO) test -race -short ./...

fmt:
	gofmt -w .

fmt-check:
	@files=$$(gofmt -l .); if [ -n "$$files" ]; then \
		echo "gofmt: these files need formatting (run make fmt):"; echo "$$files"; exit 1; fi

vet:
	$(GO) vet $(PKGS)
	cd bench && $(GO) vet ./...

cluster-up:
	scripts/cluster.sh up

cluster-down:
	scripts/cluster.sh down
	ECSGIT_CLUSTER_DIR=$(CURDIR)/.cluster-acl scripts/cluster.sh down

cluster-status:
	scripts/cluster.sh status

demo-images:
	scripts/demo-images.sh
	scripts/connect-proxy-image.sh

## Quick start: build, cluster, images, deploy the example, print addresses
## (scripts/demo.sh: ecsgit apply of examples/gitops and examples/compose-app).
demo: build cluster-up demo-images
	scripts/demo.sh

## Benchmarks at scale, side by side with the Nomad CLI, on a dedicated local cluster
## (/tmp/ecsgit-bench-cluster, port 8646). NOT part of `make test`. Rewrites the
## generated section of docs/benchmarks.md and docs/img/bench-*.png (~20 min).
## Options: make bench BENCH_FLAGS='-soak 30m'; see bin/ecsgit-bench -h.
## The harness is its own module (bench/go.mod): built there, run from here (it reads
## scripts/ and docs/ relative to the repository root).
bench: bench-harness
	bin/ecsgit-bench $(BENCH_FLAGS)

## The same with N = 10, 100 and fewer repetitions (a few minutes).
bench-quick: bench-harness
	bin/ecsgit-bench -quick $(BENCH_FLAGS)

bench-harness:
	cd bench && $(GO) build -o ../bin/ecsgit-bench ./cmd/ecsgit-bench
