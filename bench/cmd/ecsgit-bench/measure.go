package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Stat is a set of repeated measurements of one quantity (seconds, or any unit).
type Stat struct {
	Samples []float64 `json:"samples"`
}

func (s *Stat) Add(v float64) { s.Samples = append(s.Samples, v) }
func (s Stat) N() int         { return len(s.Samples) }

func (s Stat) sorted() []float64 {
	c := append([]float64(nil), s.Samples...)
	sort.Float64s(c)
	return c
}

// Median of the samples (mean of the middle two for an even count).
func (s Stat) Median() float64 {
	c := s.sorted()
	if len(c) == 0 {
		return 0
	}
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}
func (s Stat) Min() float64 { c := s.sorted(); return first(c) }
func (s Stat) Max() float64 {
	c := s.sorted()
	if len(c) == 0 {
		return 0
	}
	return c[len(c)-1]
}
func first(c []float64) float64 {
	if len(c) == 0 {
		return 0
	}
	return c[0]
}

// cmdResult is one finished command.
type cmdResult struct {
	Wall   time.Duration
	Code   int
	Stdout string
	Stderr string
}

// runCmd runs argv with extra environment and returns its wall time and exit code.
// A start failure is an error; a non-zero exit is not (callers judge codes).
func runCmd(ctx context.Context, env []string, argv ...string) (cmdResult, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := cmdResult{Wall: time.Since(start), Stdout: out.String(), Stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.Code = ee.ExitCode()
		err = nil
	}
	return r, err
}

// loopCLI runs `argv... FILE` once per file with `parallel` concurrent processes (1 =
// the sequential shell loop, 8 = `xargs -P 8 -n 1`) and returns the wall time of the
// whole loop. okCodes lists the acceptable exit codes; anything else fails the loop.
func loopCLI(ctx context.Context, env []string, parallel int, files []string, okCodes []int, argv ...string) (time.Duration, error) {
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(files) {
					return
				}
				a := append(append([]string(nil), argv...), files[i])
				r, err := runCmd(ctx, env, a...)
				if err == nil && !contains(okCodes, r.Code) {
					err = fmt.Errorf("%s: exit %d: %s", strings.Join(a, " "), r.Code, tail(r.Stderr+r.Stdout, 400))
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), firstErr
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
