package eventsink

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/wait"
)

// Deliverer is one destination (a Webhook).
type Deliverer interface {
	Deliver(ctx context.Context, ev ecsevents.Event, attempt int) error
}

// SinkConfig is one sink with its policy.
type SinkConfig struct {
	Name string
	To   Deliverer
	// Filter keeps an event (nil: all).
	Filter func(*ecsevents.Event) bool
	// QueueSize bounds the events waiting for this sink (default 1000). When it is full
	// a new event is dropped for this sink and counted (reason queue_full): a receiver
	// that is down for long must not stop the daemon, nor hold Nomad's event buffer.
	QueueSize int
	// MaxAttempts bounds the deliveries of one event (default 10; with the backoff that
	// is about 4 minutes); then the event is dropped (reason retries_exhausted).
	MaxAttempts int
	// Backoff is the first retry delay (default 1s), doubled per attempt up to MaxBackoff
	// (default 30s), with jitter.
	Backoff, MaxBackoff time.Duration
}

// Dispatcher fans events out to the sinks, one ordered worker each, and tracks the
// cursor: the Nomad index up to which every event was delivered or dropped by every sink.
type Dispatcher struct {
	sinks   []*sink
	metrics *Metrics
	log     *slog.Logger

	mu     sync.Mutex
	latest uint64 // index of the newest batch published
	wg     sync.WaitGroup
}

type sink struct {
	SinkConfig
	queue chan ecsevents.Event

	mu      sync.Mutex
	pending []uint64 // Nomad indexes of the queued and in-flight events, oldest first
}

// NewDispatcher starts one worker per sink; they run until ctx ends.
func NewDispatcher(ctx context.Context, sinks []SinkConfig, m *Metrics, log *slog.Logger) *Dispatcher {
	if log == nil {
		log = slog.Default()
	}
	if m == nil {
		m = NewMetrics()
	}
	d := &Dispatcher{metrics: m, log: log}
	for _, c := range sinks {
		if c.QueueSize <= 0 {
			c.QueueSize = 1000
		}
		if c.MaxAttempts <= 0 {
			c.MaxAttempts = 10
		}
		if c.Backoff <= 0 {
			c.Backoff = time.Second
		}
		if c.MaxBackoff <= 0 {
			c.MaxBackoff = 30 * time.Second
		}
		s := &sink{SinkConfig: c, queue: make(chan ecsevents.Event, c.QueueSize)}
		d.sinks = append(d.sinks, s)
		m.queueLength.WithLabelValues(c.Name).Set(0)
		for _, r := range []string{DropQueueFull, DropRejected, DropRetriesExhausted} {
			m.dropped.WithLabelValues(c.Name, r)
		}
		d.wg.Go(func() { d.work(ctx, s) })
	}
	return d
}

// Drop reasons (label of ecsgit_events_dropped_total).
const (
	DropQueueFull        = "queue_full"
	DropRejected         = "rejected"
	DropRetriesExhausted = "retries_exhausted"
)

// Publish queues the events of one Nomad batch (index) for every sink whose filter keeps
// them. It never blocks.
func (d *Dispatcher) Publish(index uint64, evs []ecsevents.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.sinks {
		for _, ev := range evs {
			if s.Filter != nil && !s.Filter(&ev) {
				continue
			}
			s.mu.Lock()
			select {
			case s.queue <- ev:
				s.pending = append(s.pending, ev.NomadIndex)
				d.metrics.queueLength.WithLabelValues(s.Name).Set(float64(len(s.pending)))
			default:
				d.metrics.dropped.WithLabelValues(s.Name, DropQueueFull).Inc()
				d.log.Warn("events: sink queue full, event dropped", "sink", s.Name, "id", ev.Envelope.ID, "queue", s.QueueSize)
			}
			s.mu.Unlock()
		}
	}
	if index > d.latest {
		d.latest = index
	}
}

// Cursor is the highest Nomad index such that every event at or below it has been
// delivered or dropped by every sink: where a restarted daemon resumes. It stays below
// the newest index published, since Nomad may deliver one index in several batches and
// more of it may follow.
func (d *Dispatcher) Cursor() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := max(d.latest, 1) - 1
	for _, s := range d.sinks {
		s.mu.Lock()
		if len(s.pending) > 0 && s.pending[0]-1 < c {
			c = s.pending[0] - 1
		}
		s.mu.Unlock()
	}
	return c
}

// Wait returns once every worker stopped (after ctx ended).
func (d *Dispatcher) Wait() { d.wg.Wait() }

func (d *Dispatcher) work(ctx context.Context, s *sink) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-s.queue:
			if !d.deliver(ctx, s, ev) {
				return // ctx ended mid-retry: the event stays pending, the cursor before it
			}
			s.mu.Lock()
			s.pending = s.pending[1:]
			d.metrics.queueLength.WithLabelValues(s.Name).Set(float64(len(s.pending)))
			s.mu.Unlock()
		}
	}
}

// deliver tries until success, a permanent refusal or MaxAttempts; false when ctx ended.
func (d *Dispatcher) deliver(ctx context.Context, s *sink, ev ecsevents.Event) bool {
	delay := s.Backoff
	for attempt := 1; ; attempt++ {
		err := s.To.Deliver(ctx, ev, attempt)
		if err == nil {
			d.metrics.delivered.WithLabelValues(s.Name).Inc()
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		var perm permanentError
		if errors.As(err, &perm) {
			d.metrics.dropped.WithLabelValues(s.Name, DropRejected).Inc()
			d.log.Warn("events: receiver refused the event, dropped", "sink", s.Name, "id", ev.Envelope.ID, "err", err)
			return true
		}
		if attempt >= s.MaxAttempts {
			d.metrics.dropped.WithLabelValues(s.Name, DropRetriesExhausted).Inc()
			d.log.Warn("events: delivery failed, event dropped after retries", "sink", s.Name, "id", ev.Envelope.ID, "attempts", attempt, "err", err)
			return true
		}
		d.metrics.retries.WithLabelValues(s.Name).Inc()
		d.log.Debug("events: delivery failed, retrying", "sink", s.Name, "id", ev.Envelope.ID, "attempt", attempt, "in", delay, "err", err)
		if wait.Sleep(ctx, delay+time.Duration(rand.Int64N(int64(delay)/4+1))) != nil {
			return false
		}
		delay = min(2*delay, s.MaxBackoff)
	}
}

// Metrics are the sinks' Prometheus metrics.
type Metrics struct {
	delivered, retries *prometheus.CounterVec
	dropped            *prometheus.CounterVec
	queueLength        *prometheus.GaugeVec
	// Cursor is the persisted resume index (set by the daemon).
	Cursor prometheus.Gauge
}

// NewMetrics creates the metrics (unregistered).
func NewMetrics() *Metrics {
	return &Metrics{
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ecsgit_events_delivered_total",
			Help: "ECS events delivered to a sink (2xx)."}, []string{"sink"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ecsgit_events_delivery_retries_total",
			Help: "Failed deliveries that were retried."}, []string{"sink"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ecsgit_events_dropped_total",
			Help: "ECS events a sink did not get: queue_full (its bounded queue was full), rejected (a 4xx answer), retries_exhausted."}, []string{"sink", "reason"}),
		queueLength: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ecsgit_events_queue_length",
			Help: "ECS events queued or in flight for a sink."}, []string{"sink"}),
		Cursor: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ecsgit_events_cursor_index",
			Help: "Nomad index up to which every event was handled by every sink (persisted; a restart resumes after it)."}),
	}
}

// Register adds the metrics to r.
func (m *Metrics) Register(r prometheus.Registerer) {
	r.MustRegister(m.delivered, m.retries, m.dropped, m.queueLength, m.Cursor)
}
