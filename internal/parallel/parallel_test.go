package parallel

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// TestForEachBoundsConcurrency moved here with ForEach from nomadbackend (unchanged).
func TestForEachBoundsConcurrency(t *testing.T) {
	var cur, peak int64
	ch := make(chan int64, 100)
	_ = ForEach(t.Context(), 50, 4, func(_ context.Context, _ int) error {
		n := atomic.AddInt64(&cur, 1)
		ch <- n
		time.Sleep(time.Millisecond)
		atomic.AddInt64(&cur, -1)
		return nil
	})
	close(ch)
	for n := range ch {
		peak = max(peak, n)
	}
	if peak > 4 {
		t.Errorf("peak concurrency %d > 4", peak)
	}
}

func TestForEachBoundsConcurrencyAndJoinsErrors(t *testing.T) {
	var running, peak atomic.Int32
	boom := errors.New("boom")
	err := ForEach(t.Context(), 50, 4, func(_ context.Context, i int) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if i%10 == 0 {
			return boom
		}
		return nil
	})
	if p := peak.Load(); p > 4 {
		t.Errorf("peak concurrency %d, want ≤ 4", p)
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 5 || !errors.Is(err, boom) {
		t.Errorf("error = %v, want the 5 failures joined", err)
	}
}

func TestForEachStopsStartingWhenDone(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var calls atomic.Int32
	err := ForEach(ctx, 10, 2, func(context.Context, int) error { calls.Add(1); return nil })
	if calls.Load() != 0 || !errors.Is(err, context.Canceled) {
		t.Errorf("calls %d, err %v; want none and context.Canceled", calls.Load(), err)
	}
}
