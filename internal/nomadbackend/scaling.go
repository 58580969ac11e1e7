package nomadbackend

import (
	"context"
	"fmt"
	"time"
)

// ScalingActivity is the latest scaling event of a job's group, as Nomad records it
// for every `job scale` call (the Nomad Autoscaler's actions among them).
type ScalingActivity struct {
	Time          time.Time `json:"time"`
	PreviousCount int       `json:"previous_count"`
	// Count is the new count (nil: an event that did not change it, e.g. an error).
	Count *int `json:"count,omitempty"`
	// Message is the caller's reason ("capped count from 4 to 3 to stay within limits",
	// "scaling up because factor is 3.8").
	Message string `json:"message"`
	Error   bool   `json:"error,omitempty"`
}

// LatestScalingActivity returns the newest scaling event of the job's group (nil:
// none).
func (c *Client) LatestScalingActivity(ctx context.Context, ns, id string) (*ScalingActivity, error) {
	st, _, err := c.api.Jobs().ScaleStatus(id, queryOpts(ctx, ns))
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scale status %s/%s: %w", ns, id, err)
	}
	var latest *ScalingActivity
	for _, g := range st.TaskGroups {
		for _, ev := range g.Events {
			t := time.Unix(0, int64(ev.Time)).UTC()
			if latest != nil && !t.After(latest.Time) {
				continue
			}
			a := &ScalingActivity{Time: t, PreviousCount: int(ev.PreviousCount), Message: ev.Message, Error: ev.Error}
			if ev.Count != nil {
				n := int(*ev.Count)
				a.Count = &n
			}
			latest = a
		}
	}
	return latest, nil
}
