package nomadbackend

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/hashicorp/nomad/api"
)

// DefaultConcurrency bounds how many Nomad calls one fan-out (planning N services,
// reading N records) has in flight. Nomad's HTTP API handles far more, but a reconciler
// must not starve interactive users of the same servers.
const DefaultConcurrency = 16

// Client is ecsgit's typed view of a Nomad cluster. Every call takes a context and an
// explicit namespace: the client itself carries none (see NewClient).
type Client struct {
	api         *api.Client
	address     string
	concurrency int
}

// NewClient connects to Nomad with cfg (normally api.DefaultConfig(), which reads
// NOMAD_ADDR, NOMAD_TOKEN, NOMAD_CACERT...). cfg.Namespace is cleared on purpose: the
// client's namespace is sent as ?namespace= on every request and would silently beat the
// namespace ecsgit passes per job (Nomad's namespaceForJob precedence). Callers choose the
// namespace per call instead.
func NewClient(cfg *api.Config) (*Client, error) {
	if cfg == nil {
		cfg = api.DefaultConfig()
	}
	c := *cfg
	c.Namespace = ""
	ac, err := api.NewClient(&c)
	if err != nil {
		return nil, fmt.Errorf("nomad client for %s: %w", c.Address, err)
	}
	return &Client{api: ac, address: c.Address, concurrency: DefaultConcurrency}, nil
}

// Address is the Nomad HTTP address the client talks to (shown in plans).
func (c *Client) Address() string { return c.address }

// SetConcurrency changes the fan-out bound (values < 1 mean 1).
func (c *Client) SetConcurrency(n int) { c.concurrency = max(n, 1) }

// Concurrency is the fan-out bound callers use for their fan-outs (internal/parallel).
func (c *Client) Concurrency() int { return c.concurrency }

func queryOpts(ctx context.Context, ns string) *api.QueryOptions {
	return (&api.QueryOptions{Namespace: ns}).WithContext(ctx)
}

func writeOpts(ctx context.Context, ns string) *api.WriteOptions {
	return (&api.WriteOptions{Namespace: ns}).WithContext(ctx)
}

// IsNotFound reports whether err is Nomad's 404.
func IsNotFound(err error) bool { return statusCode(err) == http.StatusNotFound }

// IsForbidden reports whether err is Nomad's 403 (the ACL token lacks a capability, or is
// unknown): retrying with the same token cannot succeed.
func IsForbidden(err error) bool { return statusCode(err) == http.StatusForbidden }

// IsUnavailable reports whether err is a Nomad answer that means "not now": a server
// error (5xx: no leader yet, an RPC timeout between servers) or 429 (rate limited). The
// same request may succeed later.
func IsUnavailable(err error) bool {
	c := statusCode(err)
	return c >= http.StatusInternalServerError || c == http.StatusTooManyRequests
}

func statusCode(err error) int {
	var ue api.UnexpectedResponseError
	if errors.As(err, &ue) {
		return ue.StatusCode()
	}
	var uep *api.UnexpectedResponseError
	if errors.As(err, &uep) && uep != nil {
		return uep.StatusCode()
	}
	return 0
}
