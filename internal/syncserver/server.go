// Package syncserver is the HTTP face of `ecsgit sync`: health, readiness, Prometheus
// metrics, the status JSON and the webhook receiver. It holds no logic of its own; the
// daemon (package reconcile) must not know about HTTP (DESIGN.md).
package syncserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
)

// Options are what the handlers serve.
type Options struct {
	// Status returns the daemon's status (syncloop.Daemon.Status).
	Status func() syncloop.SyncStatus
	// Registry holds the metrics served at /metrics.
	Registry *prometheus.Registry
	// Webhook serves POST /v1/webhook (source.WebhookHandler); nil answers 404.
	Webhook http.Handler
	// Events returns the newest ECS events of a service (all when empty); nil answers 404.
	Events func(service string, limit int) []ecsevents.Event
}

// Handler routes:
//
//	GET  /healthz     200 while the process serves requests
//	GET  /readyz      200 when ready (a leader whose last pass succeeded, or a standby), else 503
//	GET  /metrics     Prometheus text format
//	GET  /v1/status   syncloop.SyncStatus as JSON (docs/sync.md)
//	POST /v1/webhook  push events from GitHub, GitLab, Gitea/Forgejo
//	GET  /v1/events   the newest ECS events (?service=web&limit=20) as ecsevents.Record, oldest first
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		s := o.Status()
		code, status := http.StatusOK, "ready"
		switch {
		case !s.Ready && s.Stale != nil:
			code, status = http.StatusServiceUnavailable, "not ready: the last pass failed ("+s.Stale.Reason+")"
		case !s.Ready:
			code, status = http.StatusServiceUnavailable, "not ready: no successful sync yet"
		}
		writeJSON(w, code, map[string]any{"status": status, "leader": s.Leader})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{Registry: o.Registry}))
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, o.Status())
	})
	if o.Events != nil {
		mux.HandleFunc("GET /v1/events", func(w http.ResponseWriter, r *http.Request) {
			limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
			if err != nil || limit <= 0 {
				limit = 20
			}
			recs := []ecsevents.Record{}
			for _, ev := range o.Events(r.URL.Query().Get("service"), limit) {
				recs = append(recs, ecsevents.RecordOf(ev))
			}
			writeJSON(w, http.StatusOK, recs)
		})
	}
	if o.Webhook != nil {
		mux.Handle("/v1/webhook", o.Webhook)
	}
	return mux
}

// NewServer is an http.Server with timeouts suited to a small control API (no slowloris
// on the webhook endpoint).
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
