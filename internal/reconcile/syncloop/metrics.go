package syncloop

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// SyncMetrics are the daemon's Prometheus metrics, on their own registry: a library must
// not register into the global one (tests and embedders create several daemons).
type SyncMetrics struct {
	Registry *prometheus.Registry

	SyncDuration        prometheus.Histogram
	Syncs               *prometheus.CounterVec // result: succeeded|failed|invalid|error|unchanged
	LastSuccess         prometheus.Gauge
	Drifted             prometheus.Gauge
	Deployments         *prometheus.CounterVec // outcome: successful|failed|cancelled
	GitFetchDuration    prometheus.Histogram
	GitFetchErrors      prometheus.Counter
	NomadRequestSeconds *prometheus.HistogramVec // op: "GET jobs", "PUT var", ...
	NomadErrors         *prometheus.CounterVec   // op
	Leader              prometheus.Gauge
}

// NewSyncMetrics creates and registers the metrics (plus Go and process collectors).
func NewSyncMetrics() *SyncMetrics {
	fast := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	m := &SyncMetrics{
		Registry: prometheus.NewRegistry(),
		SyncDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ecsgit_sync_duration_seconds", Help: "Duration of sync passes (fetch, plan, apply) that planned.",
			Buckets: fast}),
		Syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecsgit_syncs_total", Help: "Sync passes by result."}, []string{"result"}),
		LastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ecsgit_last_successful_sync_timestamp_seconds", Help: "Unix time of the last successful sync pass."}),
		Drifted: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ecsgit_drifted_services", Help: "Services whose live job differs from what ecsgit applied."}),
		Deployments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecsgit_deployments_total", Help: "Nomad deployments of owned jobs that ended, by outcome."}, []string{"outcome"}),
		GitFetchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ecsgit_git_fetch_duration_seconds", Help: "Duration of source fetches.", Buckets: fast}),
		GitFetchErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ecsgit_git_fetch_errors_total", Help: "Failed source fetches."}),
		NomadRequestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ecsgit_nomad_request_duration_seconds", Help: "Duration of Nomad HTTP API requests (blocking queries and the event stream excluded).",
			Buckets: fast}, []string{"op"}),
		NomadErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecsgit_nomad_errors_total", Help: "Nomad HTTP API requests that failed (transport error or status >= 500)."}, []string{"op"}),
		Leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ecsgit_leader", Help: "1 when this replica holds the sync lock and acts."}),
	}
	m.Registry.MustRegister(m.SyncDuration, m.Syncs, m.LastSuccess, m.Drifted, m.Deployments,
		m.GitFetchDuration, m.GitFetchErrors, m.NomadRequestSeconds, m.NomadErrors, m.Leader,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Pre-create the label values so dashboards see zeros, not gaps.
	for _, r := range []string{resultSucceeded.String(), resultFailed.String(), resultInvalid.String(), resultError.String()} {
		m.Syncs.WithLabelValues(r)
	}
	for _, o := range []nomadbackend.DeploymentStatus{nomadbackend.DeploymentSuccessful, nomadbackend.DeploymentFailed, nomadbackend.DeploymentCancelled} {
		m.Deployments.WithLabelValues(string(o))
	}
	return m
}

// ObserveNomad records one Nomad request (called by the HTTP transport wrapper that cmd
// installs on the Nomad client).
func (m *SyncMetrics) ObserveNomad(op string, d time.Duration, failed bool) {
	m.NomadRequestSeconds.WithLabelValues(op).Observe(d.Seconds())
	if failed {
		m.NomadErrors.WithLabelValues(op).Inc()
	}
}

// AttemptResult is how a pass ended: AttemptStatus.Result in /v1/status (the JSON
// values are an interface) and the `result` label of the sync metrics.
type AttemptResult string

// Pass results.
const (
	resultSucceeded AttemptResult = "succeeded"
	resultFailed    AttemptResult = "failed"
	resultInvalid   AttemptResult = "invalid"
	resultError     AttemptResult = "error"
)

func (r AttemptResult) String() string { return string(r) }
