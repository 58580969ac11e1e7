package main

import (
	"github.com/ecsgit/ecsgit/internal/compose"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// loadOptions is how every command reads a repository: ECS JSON through spec, compose
// projects through package compose. One place, so validate, plan, apply and sync can never
// disagree about what a repository contains.
func loadOptions() spec.LoadOptions {
	return spec.LoadOptions{Compose: compose.LoadForSpec}
}
