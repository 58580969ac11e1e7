package nomadbackend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hashicorp/nomad/api"
)

// ErrLockHeld: another holder has the lock (acquire), or this holder lost it (renew).
var ErrLockHeld = errors.New("the lock is held by another holder")

// The lock is a Nomad Variable lock (Variables().AcquireLock, RenewLock, ReleaseLock):
// Nomad expires it on the server when the holder stops renewing. ecsgit calls those
// endpoints directly rather than through api.Client.Locks / api.NewLockLeaser:
//   - Locks() reconfigures the retry options of the whole api.Client it is called on
//     (configureRetries writes the shared client's config), which would change, and race
//     with, every other call ecsgit makes through the same client;
//   - Locks' renew retries for up to the TTL, while a holder must stop acting 2/3 of the
//     TTL after its last good renewal (reconcile.Leadership): a renewal has to fail fast;
//   - LockLeaser renews at 0.7 × TTL (one failed renewal away from expiry), gives up the
//     lease on the first renewal error, and does not expose the holder, which a standby
//     shows in /v1/status.
// The lease policy (renew every TTL/3, step down at 2/3 TTL) is reconcile's; these
// four calls are the mechanism.

// AcquireLock tries once to take the lock at path for holder (stored in the variable, so
// that LockHolder can show it). It returns the lock ID, or ErrLockHeld.
func (c *Client) AcquireLock(ctx context.Context, ns, path, holder string, ttl, delay time.Duration) (string, error) {
	v := &api.Variable{
		Namespace: ns, Path: path,
		Items: api.VariableItems{"holder": holder, "acquired": time.Now().UTC().Format(time.RFC3339)},
		Lock:  &api.VariableLock{TTL: ttl.String(), LockDelay: delay.String()},
	}
	out, _, err := c.api.Variables().AcquireLock(v, writeOpts(ctx, ns))
	if statusCode(err) == http.StatusConflict {
		return "", ErrLockHeld
	}
	if err != nil {
		return "", fmt.Errorf("acquire lock %s: %w", path, err)
	}
	if out == nil || out.Lock == nil || out.Lock.ID == "" {
		return "", fmt.Errorf("acquire lock %s: %w", path, ErrLockHeld)
	}
	return out.Lock.ID, nil
}

// RenewLock extends the lock's TTL; ErrLockHeld means the lock is no longer this
// holder's.
func (c *Client) RenewLock(ctx context.Context, ns, path, lockID string) error {
	v := &api.Variable{Namespace: ns, Path: path, Lock: &api.VariableLock{ID: lockID}}
	_, _, err := c.api.Variables().RenewLock(v, writeOpts(ctx, ns))
	if statusCode(err) == http.StatusConflict {
		return ErrLockHeld
	}
	if err != nil {
		return fmt.Errorf("renew lock %s: %w", path, err)
	}
	return nil
}

// ReleaseLock frees the lock at once (a standby need not wait for the TTL).
func (c *Client) ReleaseLock(ctx context.Context, ns, path, lockID string) error {
	v := &api.Variable{Namespace: ns, Path: path, Lock: &api.VariableLock{ID: lockID}}
	if _, _, err := c.api.Variables().ReleaseLock(v, writeOpts(ctx, ns)); err != nil {
		return fmt.Errorf("release lock %s: %w", path, err)
	}
	return nil
}

// LockHolder is who holds the lock at path ("" when nobody does or it cannot be read).
func (c *Client) LockHolder(ctx context.Context, ns, path string) string {
	v, _, err := c.api.Variables().Peek(path, queryOpts(ctx, ns))
	if err != nil || v == nil || v.Lock == nil {
		return ""
	}
	return v.Items["holder"]
}
