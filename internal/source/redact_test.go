package source

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:secret@github.com/org/repo.git", "https://github.com/org/repo.git"},
		{"https://ghp_token123@github.com/org/repo.git", "https://github.com/org/repo.git"},
		{"https://github.com/org/repo.git", "https://github.com/org/repo.git"},
		{"https://host/repo.git?private_token=abc&x=1", "https://host/repo.git?private_token=REDACTED&x=REDACTED"},
		{"ssh://git@github.com/org/repo.git", "ssh://git@github.com/org/repo.git"},
		{"ssh://git:pw@github.com/org/repo.git", "ssh://github.com/org/repo.git"},
		{"git@github.com:org/repo.git", "git@github.com:org/repo.git"},
		{"file:///srv/repo.git", "file:///srv/repo.git"},
		{"/srv/repo.git", "/srv/repo.git"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactorWrap(t *testing.T) {
	red := newRedactor("tok-abcdef", "p@ss word")
	cause := fmt.Errorf(`Get "https://user:secret@host/repo/info/refs": token tok-abcdef rejected, p%%40ss+word: %w`, context.Canceled)
	err := red.wrap("fetch", cause)
	for _, leak := range []string{"secret", "tok-abcdef", "p%40ss+word"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("wrapped error contains %q: %v", leak, err)
		}
	}
	if !strings.HasPrefix(err.Error(), "fetch: ") {
		t.Errorf("context missing: %v", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Error("errors.Is must see through the redaction")
	}
	if errors.Unwrap(err) != nil {
		t.Error("the unredacted cause must not be reachable with errors.Unwrap")
	}
	if red.wrap("x", nil) != nil {
		t.Error("wrap(nil) must be nil")
	}
}

// TestCloneErrorRedacted is the acceptance test of the brief: an error from
// a clone URL with https://user:secret@host/... must not contain "secret".
func TestCloneErrorRedacted(t *testing.T) {
	// 127.0.0.1:1 refuses connections: go-git's error quotes the URL.
	g, err := NewGit(GitOptions{URL: "https://user:secret@127.0.0.1:1/org/repo.git", Ref: "main", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Fetch(context.Background())
	if err == nil {
		t.Fatal("want a connection error")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("error leaks the secret: %v", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1/org/repo.git") {
		t.Errorf("error should still name the repository: %v", err)
	}
}
