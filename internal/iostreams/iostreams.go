// Package iostreams is the one place where ecsgit's commands learn about their standard
// streams: where data goes (Out), where progress, prompts and problems go (ErrOut), what
// is read (In), which of them is a terminal and whether colour is wanted. Commands never
// look at *os.File or the environment themselves, so tests can set every one of these
// (Test) and check the output a terminal and a pipe each get.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are a command's standard streams and what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer // data: the plan, JSON, tables a script reads
	ErrOut io.Writer // progress, prompts, summaries of problems, errors

	stdinTTY, stdoutTTY, stderrTTY bool
	// noColor is NO_COLOR (https://no-color.org): set to anything, no ANSI colours.
	noColor bool
}

// System is the process's own streams.
func System() *IOStreams { return New(os.Stdin, os.Stdout, os.Stderr) }

// New wraps the given streams: each one is a terminal when it is an *os.File attached to
// one, and NO_COLOR is read from the environment.
func New(in io.Reader, out, errOut io.Writer) *IOStreams {
	return &IOStreams{
		In: in, Out: out, ErrOut: errOut,
		stdinTTY: isTerminal(in), stdoutTTY: isTerminal(out), stderrTTY: isTerminal(errOut),
		noColor: os.Getenv("NO_COLOR") != "",
	}
}

// Test returns streams backed by buffers (no input, nothing a terminal, colour allowed
// once a stream is made a terminal with the Set*TTY methods) and the buffers.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// IsStdinTTY reports whether In is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether Out is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether ErrOut is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY overrides the detection (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY overrides the detection (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides the detection (tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetNoColor overrides NO_COLOR (tests).
func (s *IOStreams) SetNoColor(v bool) { s.noColor = v }

// ColorEnabled: ANSI colours in what goes to Out (a terminal, and NO_COLOR unset).
func (s *IOStreams) ColorEnabled() bool { return s.stdoutTTY && !s.noColor }

// ErrColorEnabled: ANSI colours in what goes to ErrOut.
func (s *IOStreams) ErrColorEnabled() bool { return s.stderrTTY && !s.noColor }

// CanPrompt reports whether the user can be asked a question and answer it: In is a
// terminal. The question itself goes to ErrOut, so it never lands in redirected data.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY }
