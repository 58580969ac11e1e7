package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/iostreams"
)

// secrets put refuses, before any cluster call, an empty value and a path Nomad does not
// allow; neither message contains what was on stdin.
func TestSecretsPutRefusesBadInput(t *testing.T) {
	tests := []struct {
		name, path, stdin, want string
	}{
		{"empty", "secrets/db", "\n", "no value on standard input"},
		{"bad path", "secrets/db.password", "hunter2-value", "Nomad does not allow this variable path"},
		{"too large", "secrets/db", strings.Repeat("x", maxSecretBytes+1), "larger than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, in, _, _ := iostreams.Test()
			in.WriteString(tt.stdin)
			err := secretsPutRun(t.Context(), &secretsPutOptions{IO: ios, Cluster: clusterFlags{Address: "http://127.0.0.1:1"}, Path: tt.path, Key: "value"})
			var usage usageError
			if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want a usage error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error shows the value: %v", err)
			}
		})
	}
}
