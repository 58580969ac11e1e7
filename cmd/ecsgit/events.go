package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

type eventsOptions struct {
	IO *iostreams.IOStreams

	Cluster clusterFlags
	Output  string
	Follow  bool
	Filter  eventFilterFlags
}

func newCmdEvents(f *factory, runF func(*eventsOptions) error) *cobra.Command {
	opts := &eventsOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Show the ECS events of the managed services (task, service and deployment state changes)",
		Long: `Events derives Amazon ECS events from Nomad's event stream: ECS Task State Change
(lastStatus PROVISIONING, PENDING, RUNNING, STOPPED with stopCode, stoppedReason and exit
codes), ECS Service Action (SERVICE_STEADY_STATE, SERVICE_TASK_PLACEMENT_FAILURE), ECS
Deployment State Change (SERVICE_DEPLOYMENT_IN_PROGRESS, _COMPLETED, _FAILED, with the
circuit breaker's rollback), and the console's service events ("(service web) has started
2 tasks: ..."). It reads only.

Without --follow it lists what Nomad still holds in its event buffer (the server's
event_buffer_size, 100 batches by default) and exits; with --follow it goes on until
interrupted. -o json prints one EventBridge envelope per line, as a webhook of
'ecsgit sync --event-webhook' receives it. See docs/events.md.`,
		Example: `  ecsgit events --follow --service web
  ecsgit events -o json --type deployment --type SERVICE_STEADY_STATE | jq .detail`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Filter.check("type"); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(opts)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return eventsRun(ctx, opts)
		},
	}
	fl := cmd.Flags()
	addOutputFlag(cmd, &opts.Output, []string{outputHuman, outputJSON})
	opts.Cluster.add(fl, "default")
	fl.BoolVarP(&opts.Follow, "follow", "f", false, "keep following the stream until interrupted")
	opts.Filter.add(fl, "")
	return cmd
}

func eventsRun(ctx context.Context, opts *eventsOptions) error {
	b, ns, err := opts.Cluster.recordsClient()
	if err != nil {
		return err
	}
	keep := opts.Filter.filter()
	var werr error
	err = replayEvents(ctx, b, ns, opts.Follow, func(evs []ecsevents.Event) {
		for _, ev := range evs {
			if werr != nil || (keep != nil && !keep(&ev)) {
				continue
			}
			werr = writeEvent(opts.IO.Out, opts.Output, ev)
		}
	})
	if werr != nil {
		return werr
	}
	return err
}

// replayEvents maps Nomad's buffered events (and, with follow, the new ones) of the
// managed jobs of ns.
func replayEvents(ctx context.Context, b *nomadbackend.Client, ns string, follow bool, fn func([]ecsevents.Event)) error {
	jobs, err := b.ListManaged(ctx, ns)
	if err != nil {
		return fmt.Errorf("list the managed services of %s: %w", ns, err)
	}
	services := map[string]string{}
	for _, j := range jobs {
		services[j.ID] = j.ID
	}
	o := ecsevents.FollowOptions{Namespace: ns, WarmUp: true, Mapper: ecsevents.NewMapper(ecsevents.Options{Namespace: ns, Services: services}),
		OnBatch: func(_ uint64, evs []ecsevents.Event) { fn(evs) }}
	if !follow {
		// Nomad sends the buffered batches at once; a pause means the replay is over.
		o.Idle = time.Second
	}
	return ecsevents.Follow(ctx, b, o)
}

func writeEvent(w io.Writer, format string, ev ecsevents.Event) error {
	if format == outputJSON {
		line, err := json.Marshal(ev.Envelope)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", line)
		return err
	}
	_, err := fmt.Fprintf(w, "%s  %-32s  %s\n", ev.Envelope.Time.Format(time.RFC3339), ev.EventName(), ev.Text)
	return err
}
