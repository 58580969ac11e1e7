package main

import (
	"fmt"
	"testing"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

func progressEvents(p *progressPrinter) {
	p.event(reconcile.Event{Service: "web", Kind: reconcile.EventStart})
	p.event(reconcile.Event{Service: "api", Kind: reconcile.EventStart})
	p.event(reconcile.Event{Service: "web", Kind: reconcile.EventProgress, Message: "web: 1/2 healthy"})
	p.event(reconcile.Event{Service: "web", Kind: reconcile.EventProgress, Message: "web: 1/2 healthy"})
	p.event(reconcile.Event{Service: "web", Kind: reconcile.EventDone, Message: "web: applied (web:2)"})
}

// Progress goes to stderr, never to stdout (which carries the plan and the result); a
// pipe gets one plain line per change, a terminal a block redrawn in place.
func TestProgressPrinter(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	progressEvents(newProgressPrinter(ios))
	if out.Len() != 0 {
		t.Errorf("progress on stdout: %q", out.String())
	}
	if got, want := errOut.String(), "web: 1/2 healthy\nweb: applied (web:2)\n"; got != want {
		t.Errorf("non-TTY progress:\n got %q\nwant %q", got, want)
	}

	ios, _, out, errOut = iostreams.Test()
	ios.SetStderrTTY(true)
	progressEvents(newProgressPrinter(ios))
	want := "\x1b[2Kweb: applying…\n" +
		"\x1b[1A\x1b[2Kweb: applying…\n\x1b[2Kapi: applying…\n" +
		"\x1b[2A\x1b[2Kweb: 1/2 healthy\n\x1b[2Kapi: applying…\n" +
		"\x1b[2A\x1b[2Kweb: applied (web:2)\n\x1b[2Kapi: applying…\n"
	if out.Len() != 0 || errOut.String() != want {
		t.Errorf("TTY progress: stdout %q\nstderr  %q\nwant    %q", out.String(), errOut.String(), want)
	}
}

// confirm asks only a terminal, on stderr, and accepts only "yes".
func TestConfirm(t *testing.T) {
	for _, tt := range []struct {
		name   string
		tty    bool
		input  string
		auto   bool
		wantOK bool
	}{
		{"auto-approve", false, "", true, true},
		{"pipe refused", false, "yes\n", false, false},
		{"terminal yes", true, "yes\n", false, true},
		{"terminal no", true, "y\n", false, false},
	} {
		ios, in, out, errOut := iostreams.Test()
		ios.SetStdinTTY(tt.tty)
		in.WriteString(tt.input)
		ok, err := confirm(ios, tt.auto)
		if ok != tt.wantOK || (err != nil) == tt.wantOK {
			t.Errorf("%s: ok %v err %v", tt.name, ok, err)
		}
		if out.Len() != 0 {
			t.Errorf("%s: the question went to stdout: %q", tt.name, out.String())
		}
		if tt.tty && !tt.auto && errOut.Len() == 0 {
			t.Errorf("%s: no question on stderr", tt.name)
		}
	}
}

// On a terminal, an apply of many services redraws only the services in progress: the
// output grows linearly with the number of services (it grew quadratically: every event
// redrew every service started so far).
func TestProgressPrinterIsLinear(t *testing.T) {
	written := func(n int) int {
		ios, _, _, errOut := iostreams.Test()
		ios.SetStderrTTY(true)
		p := newProgressPrinter(ios)
		for i := 0; i < n; i++ {
			svc := fmt.Sprintf("svc-%04d", i)
			p.event(reconcile.Event{Service: svc, Kind: reconcile.EventStart})
			if i >= 8 { // 8 in flight, as --parallelism 8
				done := fmt.Sprintf("svc-%04d", i-8)
				p.event(reconcile.Event{Service: done, Kind: reconcile.EventDone, Message: done + ": applied (" + done + ":1)"})
			}
		}
		return errOut.Len()
	}
	small, large := written(100), written(1000)
	if large > 12*small {
		t.Errorf("terminal progress wrote %d bytes for 100 services and %d for 1,000: not linear", small, large)
	}
}
