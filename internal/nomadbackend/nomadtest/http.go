package nomadtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"
)

// AllocPort returns the host address ("127.0.0.1:20123") of the port with
// the given label in alloc: group-level ports (network { port "http" {} })
// first, then task-level networks.
func AllocPort(alloc *api.Allocation, label string) (string, error) {
	if alloc == nil || alloc.AllocatedResources == nil {
		return "", fmt.Errorf("allocation has no allocated resources")
	}
	res := alloc.AllocatedResources
	for _, p := range res.Shared.Ports {
		if p.Label == label {
			return net.JoinHostPort(hostIP(p.HostIP), strconv.Itoa(p.Value)), nil
		}
	}
	nets := append([]*api.NetworkResource{}, res.Shared.Networks...)
	for _, tr := range res.Tasks {
		if tr != nil {
			nets = append(nets, tr.Networks...)
		}
	}
	for _, n := range nets {
		for _, p := range append(append([]api.Port{}, n.DynamicPorts...), n.ReservedPorts...) {
			if p.Label == label {
				return net.JoinHostPort(hostIP(n.IP), strconv.Itoa(p.Value)), nil
			}
		}
	}
	return "", fmt.Errorf("allocation %s has no port labelled %q", alloc.ID, label)
}

// The clients fingerprint the loopback interface, so host IPs are 127.0.0.1.
func hostIP(ip string) string {
	if ip == "" {
		return "127.0.0.1"
	}
	return ip
}

var httpClient = &http.Client{Timeout: 5 * time.Second}

// HTTPGet GETs path on alloc's port with the given label and returns the
// status code and body.
func HTTPGet(ctx context.Context, alloc *api.Allocation, portLabel, path string) (int, []byte, error) {
	addr, err := AllocPort(alloc, portLabel)
	if err != nil {
		return 0, nil, err
	}
	url := "http://" + addr + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("request %s: %w", url, err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("GET %s: read body: %w", url, err)
	}
	return resp.StatusCode, body, nil
}

// WaitHTTP GETs path on alloc's port until it answers wantStatus and returns
// the body; the test fails at the deadline with the last answer or error.
// Useful right after WaitHealthy for allocations without health checks, and
// to ride out the moment between "running" and "listening".
func WaitHTTP(t testing.TB, alloc *api.Allocation, portLabel, path string, wantStatus int, timeout time.Duration) []byte {
	t.Helper()
	var body []byte
	Eventually(t, timeout, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		code, b, err := HTTPGet(ctx, alloc, portLabel, path)
		if err != nil {
			return err
		}
		if code != wantStatus {
			return fmt.Errorf("GET %s on alloc %s: status %d, want %d: %s", path, alloc.ID, code, wantStatus, b)
		}
		body = b
		return nil
	})
	return body
}
