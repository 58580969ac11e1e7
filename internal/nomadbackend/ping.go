package nomadbackend

import (
	"context"
	"fmt"
)

// Ping asks the Nomad servers who leads them: it succeeds only when the cluster can
// answer reads. The daemon probes with it while Nomad is unreachable, to retry within
// seconds of recovery instead of at the next backoff step.
func (c *Client) Ping(ctx context.Context) error {
	var leader string
	if _, err := c.api.Raw().Query("/v1/status/leader", &leader, queryOpts(ctx, "")); err != nil {
		return fmt.Errorf("nomad at %s: %w", c.address, err)
	}
	if leader == "" {
		return fmt.Errorf("nomad at %s: no cluster leader", c.address)
	}
	return nil
}
