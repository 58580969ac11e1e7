package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// The daemon's soft memory limit: the default, the flag, GOMEMLIMIT (used instead of the
// default, never instead of the flag given), "0" for none, and a bad size refused.
func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		flag      string
		set       bool
		env       string
		want      int64
		wantFrom  string
		wantError bool
	}{
		{flag: defaultMemoryLimit, want: math.MaxInt64, wantFrom: "default"}, // none
		{flag: "96MiB", set: true, want: 96 << 20, wantFrom: "--memory-limit"},
		{flag: "200MiB", set: true, env: "50MiB", want: 200 << 20, wantFrom: "--memory-limit"},
		{flag: "1g", set: true, want: 1 << 30, wantFrom: "--memory-limit"},
		{flag: defaultMemoryLimit, env: "50MiB", want: debug.SetMemoryLimit(-1), wantFrom: "GOMEMLIMIT"},
		{flag: "0", set: true, want: math.MaxInt64, wantFrom: "--memory-limit"},
		{flag: "off", set: true, env: "50MiB", want: math.MaxInt64, wantFrom: "--memory-limit"},
		{flag: "lots", set: true, wantError: true},
		{flag: "-5MiB", set: true, wantError: true},
	}
	for _, tt := range tests {
		got, from, err := memoryLimit(tt.flag, tt.set, tt.env)
		if tt.wantError {
			if err == nil {
				t.Errorf("memoryLimit(%q): no error, want one", tt.flag)
			}
			continue
		}
		if err != nil || got != tt.want || from != tt.wantFrom {
			t.Errorf("memoryLimit(%q, set %v, GOMEMLIMIT %q) = %d, %q, %v; want %d, %q", tt.flag, tt.set, tt.env, got, from, err, tt.want, tt.wantFrom)
		}
	}
	if got := memoryLimitText(96 << 20); got != "96MiB" {
		t.Errorf("memoryLimitText = %q", got)
	}
}
