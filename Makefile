# ecsgit developer entry points. `make test` is the one command that runs
# everything (CI: .ci/run). See docs/cluster.md for the local Nomad cluster.

GO      ?= go
PKGS    ?= ./...

.PHONY: all build test test-faults test-unit fmt fmt-check vet cluster-up cluster-down cluster-status demo-images demo bench bench-quick

all: build

build:
	$(GO) build -o bin/ecsgit ./cmd/ecsgit

## The full suite: format check, vet, a running cluster with the demo images,
## then every test (real-cluster tests included) with the race detector.
test: fmt-check vet cluster-up demo-images
	$(GO) test -race -count=1 -timeout 40m $(PKGS)

## The fault suite (internal/faulttest, docs/faults.md): kill -9 of apply and of the
## sync daemon, a Nomad server outage, a client killed mid-rollout, racing applies,
## against the real cluster. It stops and kills cluster agents, so it is not part of
## `make test` (go test runs packages in parallel) and runs alone, after it in CI.
## ECSGIT_FAULT_SEED=N replays a run; FAULT_RUN=regexp picks tests.
FAULT_RUN ?= .
test-faults: cluster-up demo-images
	$(GO) vet -tags faults ./internal/faulttest/
	$(GO) test -race -count=1 -tags faults -timeout 30m -v -run '$(FAULT_RUN)' ./internal/faulttest/

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

## Quick start: build, cluster, images, deploy the example, print addresses
## (scripts/demo.sh: ecsgit apply of examples/gitops and examples/compose-app).
demo: build cluster-up demo-images
	scripts/demo.sh
