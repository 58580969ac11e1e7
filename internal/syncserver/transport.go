package syncserver

import (
	"net/http"
	"strings"
	"time"
)

// NomadTransport wraps the Nomad client's transport to time every request and count the
// failures (ecsgit_nomad_request_duration_seconds, ecsgit_nomad_errors_total). Blocking
// queries and the event stream are excluded from the duration: their length is the
// server's wait, not its latency.
func NomadTransport(next http.RoundTripper, observe func(op string, d time.Duration, failed bool)) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := next.RoundTrip(r)
		long := r.URL.Query().Has("index") || strings.HasPrefix(r.URL.Path, "/v1/event/stream")
		failed := err != nil || (resp != nil && resp.StatusCode >= 500)
		if !long || failed {
			observe(opOf(r), time.Since(start), failed)
		}
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// opOf is a low-cardinality label: the method and the first path segment after /v1
// ("GET job", "PUT var", "POST jobs"), never a job name.
func opOf(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/v1/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		p = p[:i]
	}
	return r.Method + " " + p
}
