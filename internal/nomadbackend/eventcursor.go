package nomadbackend

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/nomad/api"
)

const eventCursorPrefix = "ecsgit/events/"

// EventCursorPath is the variable holding the event cursor of an ownership identity.
func EventCursorPath(source string) string { return variablePath(eventCursorPrefix, source) }

// ReadEventCursor returns the Nomad index up to which the daemon of source delivered
// every ECS event (0: none recorded).
func (c *Client) ReadEventCursor(ctx context.Context, ns, source string) (uint64, error) {
	v, _, err := c.api.Variables().Peek(EventCursorPath(source), queryOpts(ctx, ns))
	if err != nil {
		return 0, fmt.Errorf("read the event cursor of %s/%s: %w", ns, source, err)
	}
	if v == nil {
		return 0, nil
	}
	idx, err := strconv.ParseUint(v.Items["index"], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read the event cursor of %s/%s (%s): index %q: %w", ns, source, v.Path, v.Items["index"], err)
	}
	return idx, nil
}

// WriteEventCursor stores the cursor. Only the acting replica writes it (the HA lock),
// so a plain write is enough; a stale replica that wrote late would only move it back,
// which re-delivers (at least once), never skips.
func (c *Client) WriteEventCursor(ctx context.Context, ns, source string, index uint64) error {
	v := &api.Variable{Namespace: ns, Path: EventCursorPath(source), Items: api.VariableItems{
		"index": strconv.FormatUint(index, 10), "updated": time.Now().UTC().Format(time.RFC3339)}}
	if _, _, err := c.api.Variables().Create(v, writeOpts(ctx, ns)); err != nil {
		return fmt.Errorf("write the event cursor of %s/%s: %w", ns, source, err)
	}
	return nil
}

// CurrentIndex is the newest index of the tables ECS events come from (jobs,
// allocations, deployments, evaluations), by four cheap reads: where a stream that must
// not replay Nomad's buffer starts.
func (c *Client) CurrentIndex(ctx context.Context, ns string) (uint64, error) {
	q := func() *api.QueryOptions {
		o := queryOpts(ctx, ns)
		o.PerPage = 1
		return o
	}
	var latest uint64
	reads := []func() (*api.QueryMeta, error){
		func() (*api.QueryMeta, error) { _, m, err := c.api.Jobs().List(q()); return m, err },
		func() (*api.QueryMeta, error) { _, m, err := c.api.Allocations().List(q()); return m, err },
		func() (*api.QueryMeta, error) { _, m, err := c.api.Deployments().List(q()); return m, err },
		func() (*api.QueryMeta, error) { _, m, err := c.api.Evaluations().List(q()); return m, err },
	}
	for _, read := range reads {
		m, err := read()
		if err != nil {
			return 0, fmt.Errorf("read the current index: %w", err)
		}
		latest = max(latest, m.LastIndex)
	}
	return latest, nil
}
