package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/eventsink"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
	"github.com/ecsgit/ecsgit/internal/source"
)

// eventFlags are the daemon's ECS event sinks (docs/events.md).
type eventFlags struct {
	Webhooks              []string
	SecretEnv, SecretFile string
	Format                string
	Filter                eventFilterFlags
	QueueSize             int
	MaxAttempts           int
	CursorInterval        time.Duration
}

// eventFilterFlags select events by service and type (shared by sync and events).
type eventFilterFlags struct {
	Services []string
	Types    []string
}

func (e *eventFlags) add(f *pflag.FlagSet) {
	f.StringArrayVar(&e.Webhooks, "event-webhook", nil, "POST every ECS event (EventBridge envelope) to this URL; repeatable (docs/events.md)")
	f.StringVar(&e.SecretEnv, "event-webhook-secret-env", "", "environment variable holding the HMAC-SHA256 key that signs event deliveries (header "+eventsink.HeaderSignature+")")
	f.StringVar(&e.SecretFile, "event-webhook-secret-file", "", "file holding the HMAC-SHA256 key that signs event deliveries")
	f.StringVar(&e.Format, "event-webhook-format", string(eventsink.FormatEventBridge), "body of event deliveries: eventbridge (the envelope) or slack ({\"text\": ...}, for Slack-compatible incoming webhooks)")
	f.IntVar(&e.QueueSize, "event-queue-size", 1000, "events queued per webhook; when full, new events are dropped for it and counted in ecsgit_events_dropped_total{reason=\"queue_full\"}")
	f.IntVar(&e.MaxAttempts, "event-max-attempts", 10, "deliveries of one event before it is dropped (retries back off from 1s to 30s)")
	f.DurationVar(&e.CursorInterval, "event-cursor-interval", time.Second, "how often the delivery cursor is written to Nomad; after a crash, what was delivered since the last write is delivered again (same event IDs)")
	e.Filter.add(f, "event-")
}

func (e *eventFilterFlags) add(f *pflag.FlagSet, prefix string) {
	f.StringSliceVar(&e.Services, prefix+"service", nil, "only events of these services (repeatable or comma-separated)")
	f.StringSliceVar(&e.Types, prefix+"type", nil, "only these detail-types or event names: task, service-action, deployment, service-event, or an eventName such as SERVICE_STEADY_STATE, or a lastStatus such as STOPPED")
}

var eventTypeAliases = map[string]string{"task": ecsevents.DetailTaskStateChange, "service-action": ecsevents.DetailServiceAction,
	"deployment": ecsevents.DetailDeploymentStateChange, "service-event": ecsevents.DetailServiceEvent}

// knownEventTypes are the values --type accepts besides the aliases.
var knownEventTypes = []string{ecsevents.DetailTaskStateChange, ecsevents.DetailServiceAction, ecsevents.DetailDeploymentStateChange,
	ecsevents.DetailServiceEvent, ecsevents.ServiceSteadyState, ecsevents.ServiceTaskPlacementFailure, ecsevents.ServiceDeploymentInProgress,
	ecsevents.ServiceDeploymentCompleted, ecsevents.ServiceDeploymentFailed, "PROVISIONING", "PENDING", "RUNNING", "STOPPED"}

// check refuses a --type that can match nothing, naming what is allowed.
func (e *eventFilterFlags) check(flag string) error {
	for _, t := range e.Types {
		if _, ok := eventTypeAliases[t]; ok {
			continue
		}
		if !slices.ContainsFunc(knownEventTypes, func(k string) bool { return strings.EqualFold(k, t) }) {
			return fmt.Errorf("--%s %q: want task, service-action, deployment, service-event, a detail-type, one of %s", flag, t, strings.Join(knownEventTypes[4:], ", "))
		}
	}
	return nil
}

// filter is the predicate of the flags (nil: keep all).
func (e *eventFilterFlags) filter() func(*ecsevents.Event) bool {
	if len(e.Services) == 0 && len(e.Types) == 0 {
		return nil
	}
	return func(ev *ecsevents.Event) bool {
		if len(e.Services) > 0 && !slices.Contains(e.Services, ev.Service) {
			return false
		}
		if len(e.Types) == 0 {
			return true
		}
		for _, t := range e.Types {
			if a, ok := eventTypeAliases[t]; ok {
				t = a
			}
			if strings.EqualFold(t, ev.Envelope.DetailType) || strings.EqualFold(t, ev.EventName()) {
				return true
			}
		}
		return false
	}
}

// forwarder builds the daemon's event forwarder and, with --event-webhook, its sinks.
func (e *eventFlags) forwarder(ctx context.Context, nomad *nomadbackend.Client, ns string, m *syncloop.SyncMetrics, log *slog.Logger) (*syncloop.EventForwarder, error) {
	if err := e.Filter.check("event-type"); err != nil {
		return nil, err
	}
	f := &syncloop.EventForwarder{Cluster: nomad, Namespace: ns, Recent: &syncloop.RecentEvents{}, PersistEvery: e.CursorInterval, Logger: log}
	if len(e.Webhooks) == 0 {
		if e.SecretEnv != "" || e.SecretFile != "" {
			return nil, fmt.Errorf("--event-webhook-secret-*: set --event-webhook too")
		}
		return f, nil
	}
	format, err := eventsink.ParseFormat(e.Format)
	if err != nil {
		return nil, fmt.Errorf("--event-webhook-format: %w", err)
	}
	var secret []byte
	if e.SecretEnv != "" || e.SecretFile != "" {
		if secret, err = source.LoadSecret(e.SecretEnv, e.SecretFile); err != nil {
			return nil, fmt.Errorf("event webhook: %w", err)
		}
	}
	var sinks []eventsink.SinkConfig
	for i, u := range e.Webhooks {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return nil, fmt.Errorf("--event-webhook %q: want an http:// or https:// URL", u)
		}
		sinks = append(sinks, eventsink.SinkConfig{Name: fmt.Sprintf("webhook-%d", i+1), To: &eventsink.Webhook{URL: u, Secret: secret, Format: format},
			Filter: e.Filter.filter(), QueueSize: e.QueueSize, MaxAttempts: e.MaxAttempts})
	}
	metrics := eventsink.NewMetrics()
	metrics.Register(m.Registry)
	f.Publisher = eventsink.NewDispatcher(ctx, sinks, metrics, log)
	f.OnCursor = func(c uint64) { metrics.Cursor.Set(float64(c)) }
	return f, nil
}
