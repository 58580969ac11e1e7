// Package parallel runs bounded fan-outs: planning N services, reading N records,
// applying one dependency level.
package parallel

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"
)

// ForEach runs fn(ctx, i) for i in [0, n) with at most limit calls at once (values < 1
// mean 1) and returns every error joined: one failing service must not hide the others,
// nor cancel them. It stops starting new calls once ctx is done (those report ctx's
// error).
func ForEach(ctx context.Context, n, limit int, fn func(ctx context.Context, i int) error) error {
	var g errgroup.Group
	g.SetLimit(max(limit, 1))
	errs := make([]error, n)
	for i := range n {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		g.Go(func() error {
			errs[i] = fn(ctx, i)
			return nil
		})
	}
	_ = g.Wait() // every call reports into errs
	return errors.Join(errs...)
}
