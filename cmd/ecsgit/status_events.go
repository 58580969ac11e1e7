package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ecsgit/ecsgit/internal/ecsevents"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
)

// statusEventCount is how many events `ecsgit status SERVICE` shows.
const statusEventCount = 10

// serviceEventsFromNomad are the newest events of service that Nomad's event buffer
// still yields (task state changes left out: the console's list has service events).
func serviceEventsFromNomad(ctx context.Context, b *nomadbackend.Client, ns, service string) ([]ecsevents.Record, error) {
	var recs []ecsevents.Record
	err := replayEvents(ctx, b, ns, false, func(evs []ecsevents.Event) {
		for _, ev := range evs {
			if ev.Service == service && ev.Envelope.DetailType != ecsevents.DetailTaskStateChange {
				recs = append(recs, ecsevents.RecordOf(ev))
			}
		}
	})
	if len(recs) > statusEventCount {
		recs = recs[len(recs)-statusEventCount:]
	}
	return recs, err
}

// serviceEventsFromServer are the newest events a running daemon kept of service.
func serviceEventsFromServer(ctx context.Context, server, service string) ([]ecsevents.Record, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := strings.TrimSuffix(server, "/") + "/v1/events?limit=" + fmt.Sprint(statusEventCount) + "&service=" + url.QueryEscape(service)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read daemon events: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read daemon events: %s", resp.Status)
	}
	var recs []ecsevents.Record
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&recs); err != nil {
		return nil, fmt.Errorf("daemon events are not ecsgit's /v1/events JSON: %w", err)
	}
	return recs, nil
}

// renderServiceEvents prints the events as the console lists them, newest last.
func renderServiceEvents(w io.Writer, service string, recs []ecsevents.Record) {
	if len(recs) == 0 {
		fmt.Fprintf(w, "\nEvents of %s: none in Nomad's event buffer\n", service)
		return
	}
	fmt.Fprintf(w, "\nEvents of %s (newest last):\n", service)
	for _, r := range recs {
		var env struct {
			Time time.Time `json:"time"`
		}
		_ = json.Unmarshal(r.Event, &env)
		fmt.Fprintf(w, "  %s  %s\n", env.Time.Format(time.RFC3339), r.Text)
	}
}
