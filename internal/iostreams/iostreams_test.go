package iostreams

import (
	"os"
	"testing"
)

func TestTestStreams(t *testing.T) {
	ios, _, _, _ := Test()
	if ios.IsStdinTTY() || ios.IsStdoutTTY() || ios.IsStderrTTY() || ios.ColorEnabled() || ios.CanPrompt() {
		t.Fatal("Test() streams must start as pipes: no TTY, no colour, no prompt")
	}
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	if !ios.CanPrompt() || !ios.ColorEnabled() || ios.ErrColorEnabled() {
		t.Fatalf("after SetStdinTTY/SetStdoutTTY: prompt %v colour %v err colour %v", ios.CanPrompt(), ios.ColorEnabled(), ios.ErrColorEnabled())
	}
	ios.SetNoColor(true)
	if ios.ColorEnabled() {
		t.Error("NO_COLOR must win over a terminal")
	}
}

// A regular file is not a terminal, and NO_COLOR is read from the environment.
func TestNewDetects(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Setenv("NO_COLOR", "1")
	ios := New(f, f, f)
	if ios.IsStdinTTY() || ios.IsStdoutTTY() || ios.IsStderrTTY() {
		t.Error("a regular file detected as a terminal")
	}
	ios.SetStdoutTTY(true)
	if ios.ColorEnabled() {
		t.Error("NO_COLOR set in the environment, colour still enabled")
	}
}

func TestSyncBufferConcurrentWriteAndRead(t *testing.T) {
	var b SyncBuffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 1000; i++ {
			b.Write([]byte("x"))
		}
	}()
	for i := 0; i < 100; i++ {
		_ = b.String()
	}
	<-done
	if got := len(b.String()); got != 1000 {
		t.Fatalf("after 1000 one-byte writes the buffer holds %d bytes", got)
	}
}
