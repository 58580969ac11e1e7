// Package wait holds the one cancellable sleep the engine, the watch and the daemon
// share: every wait must end promptly on cancellation (SIGTERM, --timeout), which a bare
// time.Sleep does not.
package wait

import (
	"context"
	"time"
)

// Sleep waits d or until ctx is done, then returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
