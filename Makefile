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

## Quick start: build, cluster, images, deploy the example, print addresses
## (scripts/demo.sh: ecsgit apply of examples/gitops and examples/compose-app).
demo: build cluster-up demo-images
	scripts/demo.sh
