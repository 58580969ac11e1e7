package main

import (
	"fmt"
	"slices"
	"sync"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/reconcile"
)

// progressPrinter shows apply progress on stderr (stdout carries the plan and the
// result): on a terminal one line per service, redrawn in place; otherwise plain
// lines, one per change, which CI logs keep readable.
//
// On a terminal only the services in progress are redrawn: a service's final line is
// written once, at the head of the block, and leaves it. Redrawing every service on
// every event made an apply of N services write O(N²) lines (5,000 services: tens of
// millions, issue 19).
type progressPrinter struct {
	ios *iostreams.IOStreams
	tty bool
	mu  sync.Mutex
	// order is the block redrawn in place: the services started and not done, in the
	// order they started.
	order []string
	lines map[string]string
	drawn int
}

func newProgressPrinter(ios *iostreams.IOStreams) *progressPrinter {
	return &progressPrinter{ios: ios, tty: ios.IsStderrTTY(), lines: map[string]string{}}
}

func (p *progressPrinter) event(e reconcile.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := e.Message
	if e.Kind == reconcile.EventStart {
		line = e.Service + ": applying…"
	}
	if _, ok := p.lines[e.Service]; !ok {
		p.order = append(p.order, e.Service)
	} else if p.lines[e.Service] == line {
		return
	}
	p.lines[e.Service] = line
	if !p.tty {
		if e.Kind != reconcile.EventStart {
			fmt.Fprintln(p.ios.ErrOut, line)
		}
		return
	}
	if e.Kind != reconcile.EventDone {
		p.redraw()
		return
	}
	// Done: its final line goes to the head of the block, is drawn once more and is
	// left behind, above the block.
	if i := slices.Index(p.order, e.Service); i > 0 {
		p.order = slices.Insert(slices.Delete(p.order, i, i+1), 0, e.Service)
	}
	p.redraw()
	p.order = p.order[1:]
	p.drawn--
	delete(p.lines, e.Service)
}

// redraw moves the cursor back over the block drawn last time and rewrites it.
func (p *progressPrinter) redraw() {
	w := p.ios.ErrOut
	if p.drawn > 0 {
		fmt.Fprintf(w, "\x1b[%dA", p.drawn)
	}
	for _, svc := range p.order {
		fmt.Fprintf(w, "\x1b[2K%s\n", p.lines[svc])
	}
	p.drawn = len(p.order)
}
