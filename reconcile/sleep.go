package reconcile

import (
	"context"
	"time"
)

// sleep waits d or until ctx is done (then it returns ctx's error): every wait in the
// engine and the loop must end promptly on cancellation (SIGTERM, --timeout).
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
