// Command app is the demo workload used by ecsgit's examples, quick start and
// real-cluster tests. One static binary (stdlib and a msgpack library, runs in a FROM scratch
// image) plays several roles chosen by --mode or $MODE, so one image covers a
// web service, a background worker, an init/sidecar job and a failing task:
//
//	app                       HTTP service on $PORT (default 8080); with
//	                          $UPSTREAM, /healthz also needs GET $UPSTREAM to succeed
//	app --mode=worker         logs a line every $INTERVAL until stopped
//	app --mode=init           does some work for $INIT_DURATION, exits 0
//	app --mode=fail           exits 3 after $FAIL_AFTER (default immediately)
//	app --mode=router         FireLens log router: Fluentd forward protocol on
//	                          $FLUENT_PORT (default 24224), prints each record
//	app --mode=pause          holds a network namespace (Nomad's infra container)
//	app --mode=client         GETs $TARGET every $INTERVAL (default 50ms), counts
//	                          successes and failures, serves them at GET /stats on $PORT
//	app --probe URL           GET URL, exit 0 on 2xx: an ECS CMD health check
//	                          for images without curl
//
// The version is stamped at build time: -ldflags "-X main.version=2". The
// "broken" image is built with -X main.broken=true: it serves, but /healthz
// always answers 500, to exercise failed deployments and rollbacks.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// Set with -ldflags -X.
var (
	version = "dev"
	broken  = "false"
)

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	log.SetPrefix("demo-app: ")

	mode := flag.String("mode", envOr("MODE", "app"), "app | worker | init | fail | router | pause | client")
	probe := flag.String("probe", "", "GET this URL and exit 0 on a 2xx answer, 1 otherwise")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println(version)
		return
	}
	if *probe != "" {
		os.Exit(runProbe(*probe))
	}

	// Tasks are stopped with SIGTERM (ECS and Nomad) or SIGINT; exiting
	// promptly keeps stop times far below the kill timeout.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	var err error
	switch *mode {
	case "app":
		err = runApp(ctx)
	case "worker":
		err = runWorker(ctx)
	case "init":
		err = runInit(ctx)
	case "router":
		err = runRouter(ctx)
	case "pause":
		err = runPause(ctx)
	case "client":
		err = runClient(ctx)
	case "fail":
		d := envDuration("FAIL_AFTER", 0)
		log.Printf("version %s: failing in %s with exit code 3", version, d)
		sleep(ctx, d)
		os.Exit(3)
	default:
		err = fmt.Errorf("unknown mode %q (want app, worker, init, fail, router, pause or client)", *mode)
	}
	if err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

// info is the JSON body of GET /.
type info struct {
	Version  string `json:"version"`
	Hostname string `json:"hostname"`
	AllocID  string `json:"alloc_id,omitempty"`
	Task     string `json:"task,omitempty"`
	Zone     string `json:"zone,omitempty"`
	Healthy  bool   `json:"healthy"`
	Uptime   string `json:"uptime"`
}

func runApp(ctx context.Context) error {
	port := envOr("PORT", "8080")
	// $READY_AFTER delays healthiness, to test min_healthy_time and
	// health-check grace periods.
	readyAfter := envDuration("READY_AFTER", 0)
	start := time.Now()
	var requests atomic.Int64
	healthy := func() bool { return broken != "true" && time.Since(start) >= readyAfter }

	host, _ := os.Hostname()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(info{
			Version:  version,
			Hostname: host,
			AllocID:  os.Getenv("NOMAD_ALLOC_ID"),
			Task:     os.Getenv("NOMAD_TASK_NAME"),
			Zone:     os.Getenv("ZONE"), // the job sets ZONE = ${meta.zone}
			Healthy:  healthy(),
			Uptime:   time.Since(start).Round(time.Second).String(),
		})
	})
	// $UPSTREAM (a URL, e.g. a sidecar on localhost) makes the app depend on it:
	// /healthz answers 200 only while GET $UPSTREAM does, and each change of the
	// upstream's state is logged.
	upstream := os.Getenv("UPSTREAM")
	var upstreamUp atomic.Bool
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if !healthy() {
			http.Error(w, "unhealthy", http.StatusInternalServerError)
			return
		}
		if upstream != "" {
			code := runProbe(upstream)
			if up := code == 0; upstreamUp.Swap(up) != up || !up {
				log.Printf("upstream %s reachable: %t", upstream, up)
			}
			if code != 0 {
				http.Error(w, "upstream "+upstream+" unreachable", http.StatusBadGateway)
				return
			}
		}
		_, _ = io.WriteString(w, "ok\n")
	})

	// GET /burn?ms=N spins one core for N ms (at most 10 s): CPU load for the auto
	// scaling tests. GET /sleep?ms=N answers after N ms (at most 60 s): a request in
	// flight while a task is stopped, for the connection-draining tests.
	mux.HandleFunc("GET /burn", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		d := queryMillis(r, "ms", 10*time.Second)
		for end := time.Now().Add(d); time.Now().Before(end); {
		}
		fmt.Fprintf(w, "burned %s\n", d)
	})
	mux.HandleFunc("GET /sleep", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		d := queryMillis(r, "ms", time.Minute)
		select {
		case <-time.After(d):
			fmt.Fprintf(w, "slept %s\n", d)
		case <-r.Context().Done():
		}
	})

	srv := &http.Server{
		Addr:              net.JoinHostPort("", port),
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("version %s listening on :%s (broken=%s)", version, port, broken)

	select {
	case err := <-errc:
		return fmt.Errorf("serve on :%s: %w", port, err)
	case <-ctx.Done():
	}
	log.Printf("stopping after %d requests", requests.Load())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func runWorker(ctx context.Context) error {
	interval := envDuration("INTERVAL", 2*time.Second)
	log.Printf("worker version %s: tick every %s", version, interval)
	t := time.NewTicker(interval)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			log.Printf("worker stopping after %d ticks", n-1)
			return nil
		case <-t.C:
			log.Printf("worker tick %d", n)
		}
	}
}

func runInit(ctx context.Context) error {
	d := envDuration("INIT_DURATION", time.Second)
	log.Printf("init version %s: working for %s", version, d)
	if !sleep(ctx, d) {
		return errors.New("init interrupted")
	}
	// $INIT_OUTPUT lets a test observe that the init task ran before the
	// main task (e.g. a file in the shared alloc dir).
	if out := os.Getenv("INIT_OUTPUT"); out != "" {
		if err := os.WriteFile(out, []byte("initialised by version "+version+"\n"), 0o644); err != nil {
			return fmt.Errorf("write init output: %w", err)
		}
	}
	log.Print("init done")
	return nil
}

func runProbe(url string) int {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		return 1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fmt.Fprintln(os.Stderr, "probe:", resp.Status)
		return 1
	}
	return 0
}

// sleep waits for d or until ctx is done; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// envDuration accepts a Go duration ("1500ms") or plain seconds ("2").
func envDuration(key string, def time.Duration) time.Duration {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	if d, err := time.ParseDuration(v); err == nil {
		return d
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(s) * time.Second
	}
	log.Printf("ignoring invalid %s=%q, using %s", key, v, def)
	return def
}
