package main

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/term"

	"github.com/ecsgit/ecsgit/reconcile"
)

// progressPrinter shows apply progress: on a terminal one line per service, redrawn in
// place; otherwise plain lines, one per change, which CI logs keep readable.
type progressPrinter struct {
	s     *streams
	tty   bool
	mu    sync.Mutex
	order []string
	lines map[string]string
	drawn int
}

func newProgressPrinter(s *streams) *progressPrinter {
	f, ok := s.Out.(*os.File)
	return &progressPrinter{s: s, tty: ok && term.IsTerminal(int(f.Fd())), lines: map[string]string{}}
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
			fmt.Fprintln(p.s.Out, line)
		}
		return
	}
	p.redraw()
}

// redraw moves the cursor back over the block drawn last time and rewrites it.
func (p *progressPrinter) redraw() {
	if p.drawn > 0 {
		fmt.Fprintf(p.s.Out, "\x1b[%dA", p.drawn)
	}
	for _, svc := range p.order {
		fmt.Fprintf(p.s.Out, "\x1b[2K%s\n", p.lines[svc])
	}
	p.drawn = len(p.order)
}
