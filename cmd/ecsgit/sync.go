package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/nomad/api"
	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/reconcile/syncloop"
	"github.com/ecsgit/ecsgit/internal/source"
	"github.com/ecsgit/ecsgit/internal/spec"
	"github.com/ecsgit/ecsgit/internal/syncserver"
)

type syncOptions struct {
	IO *iostreams.IOStreams

	Git                 gitFlags
	Dir                 string
	Namespace, Source   string
	Prune, Strict       bool
	Interval            time.Duration
	Drift               string
	Listen              string
	WebhookSecretEnv    string
	WebhookSecretFile   string
	LogFormat, LogLevel string
	HA                  bool
	LockTTL             time.Duration
	Identity            string
	PprofListen         string
	MemoryLimit         string
	memoryLimitSet      bool // --memory-limit given (it then wins over GOMEMLIMIT)
	FullReadInterval    time.Duration
	FileCache           bool
	ShallowClone        bool
	Events              eventFlags
}

func newCmdSync(fac *factory, runF func(*syncOptions) error) *cobra.Command {
	o := &syncOptions{IO: fac.IOStreams}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Run the GitOps daemon: follow a branch and keep Nomad equal to it",
		Long: `Sync follows a Git ref (or a local directory) and keeps the cluster equal to it,
with the same validate → plan → apply pipeline as 'ecsgit apply'. A pass runs on every
new commit (poll every --interval, a webhook at POST /v1/webhook, or fsnotify for --dir)
and when Nomad's event stream shows an owned job changed outside ecsgit (drift).

A commit that does not validate is not applied: the last good state stays deployed and
GET /v1/status shows the errors as file:line with the commit. Git or Nomad being down
is retried with backoff; the daemon never exits for it. SIGTERM/SIGINT finish the
register in flight and exit 0. With --ha, replicas elect one actor through a lock in
Nomad. See docs/sync.md.`,
		Example: `  # follow main of a remote repository, webhook-triggered, in namespace prod
  ecsgit sync --repo https://git.example.com/deploy.git --ref main --path prod \
    --token-env GIT_TOKEN --webhook-secret-env WEBHOOK_SECRET --namespace prod

  # follow a local directory (fsnotify), only report drift
  ecsgit sync --dir ./deploy --drift report

  # two replicas, one acting (lock in Nomad Variables)
  ecsgit sync --repo ... --ha --identity $(hostname)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.memoryLimitSet = cmd.Flags().Changed("memory-limit")
			if runF != nil {
				return runF(o)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return runSync(ctx, o)
		},
	}
	f := cmd.Flags()
	o.Git.add(f)
	f.StringVar(&o.Dir, "dir", "", "follow a local directory instead of a Git remote (fsnotify)")
	f.StringVar(&o.Namespace, "namespace", envOr("NOMAD_NAMESPACE", "default"), "Nomad namespace the daemon manages (default $NOMAD_NAMESPACE, else default); a commit whose ecsgit.yaml names another namespace is refused")
	f.StringVar(&o.Source, "source", "", "ownership identity of this repository (default: ecsgit.yaml's source in the first commit the daemon reads, else \""+reconcile.DefaultSource+"\"); pinned for the daemon's lifetime: a commit that changes it is refused")
	f.BoolVar(&o.Prune, "prune", false, "stop owned jobs whose service left the repository")
	f.BoolVar(&o.Strict, "strict", false, strictHelp)
	f.DurationVar(&o.Interval, "interval", time.Minute, "poll interval")
	f.StringVar(&o.Drift, "drift", string(reconcile.DriftCorrect), "what to do when a live job drifts from Git: correct or report")
	f.StringVar(&o.Listen, "listen", "127.0.0.1:8787", "address of the HTTP API (health, metrics, status, webhook)")
	f.StringVar(&o.WebhookSecretEnv, "webhook-secret-env", "", "environment variable holding the webhook secret (enables POST /v1/webhook)")
	f.StringVar(&o.WebhookSecretFile, "webhook-secret-file", "", "file holding the webhook secret (enables POST /v1/webhook)")
	f.StringVar(&o.LogFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&o.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	f.BoolVar(&o.HA, "ha", false, "run as one of several replicas: act only while holding the lock in Nomad")
	f.DurationVar(&o.LockTTL, "lock-ttl", 10*time.Second, "TTL of the HA lock (Nomad's minimum is 10s)")
	f.StringVar(&o.Identity, "identity", "", "name of this replica in the HA lock (default host:pid)")
	f.BoolVar(&o.FileCache, "file-cache", true, "keep the decoded and checked task definition and service files between passes, so a pass decodes only the files a commit changed (costs about 3 KiB of memory per file; false: decode every file on every pass)")
	f.DurationVar(&o.FullReadInterval, "full-read-interval", 10*time.Minute, "re-read every service from Nomad at least this often; in between, a pass reads only the services Git changed or whose job Nomad's event stream shows changed (0: read every service on every pass)")
	f.BoolVar(&o.ShallowClone, "shallow-clone", false, "with --repo: keep a depth-1 clone (smaller first clone of a long history, but every new commit then re-sends the whole tree: seconds per commit at 1,000 services); default: a full clone fetched incrementally")
	o.Events.add(f)
	f.StringVar(&o.MemoryLimit, "memory-limit", defaultMemoryLimit, "soft limit of the daemon's memory, e.g. 256MiB (Go's runtime/debug.SetMemoryLimit): the collector runs more often near it instead of letting a pass's garbage double the heap, at a CPU cost that grows as the limit nears what a pass needs; GOMEMLIMIT in the environment is used when the flag is not given; 0 (the default): none")
	f.StringVar(&o.PprofListen, "pprof-listen", "", "serve Go's net/http/pprof profiles on this address (e.g. 127.0.0.1:6060; off by default, never on the API port)")
	return cmd
}

func runSync(ctx context.Context, o *syncOptions) error {
	log, err := newLogger(o.IO.ErrOut, o.LogFormat, o.LogLevel)
	if err != nil {
		return usageError{err}
	}
	if (o.Git.Repo == "") == (o.Dir == "") {
		return usageError{errors.New("sync: set exactly one of --repo and --dir")}
	}
	memLimit, memLimitFrom, err := memoryLimit(o.MemoryLimit, o.memoryLimitSet, os.Getenv("GOMEMLIMIT"))
	if err != nil {
		return usageError{err}
	}
	debug.SetMemoryLimit(memLimit)
	metrics := syncloop.NewSyncMetrics()
	nomad, err := syncNomadClient(metrics)
	if err != nil {
		return err
	}
	src, watch, err := syncSource(o)
	if err != nil {
		return usageError{err}
	}
	identity := &reconcile.IdentityPin{Flag: o.Source, Source: src, Logger: log}
	loop, err := syncloop.NewLoop(syncloop.LoopOptions{Source: src, Engine: syncEngine(nomad, o, src, identity), Nomad: nomad, Namespace: o.Namespace,
		Interval: o.Interval, DriftMode: reconcile.DriftMode(o.Drift), Logger: log, Metrics: metrics,
		FullReadInterval: o.FullReadInterval, Probe: nomad.Ping})
	if err != nil {
		return usageError{err}
	}
	// The drift watcher's owner and the HA lock path are set by the Daemon once the
	// identity is resolved (reconcile.IdentityPin).
	events, err := o.Events.forwarder(ctx, nomad, o.Namespace, metrics, log)
	if err != nil {
		return usageError{err}
	}
	d := &syncloop.Daemon{Loop: loop, Watch: watch, Logger: log, Identity: identity, Events: events,
		Drift: &syncloop.DriftWatcher{Events: nomad, Namespace: o.Namespace, Loop: loop, Logger: log}}
	if o.HA {
		d.Leadership = &syncloop.Leadership{Locks: nomad, Namespace: o.Namespace,
			Identity: replicaIdentity(o.Identity), TTL: o.LockTTL, Logger: log}
	}
	srv, err := syncHTTP(o, d, metrics, log)
	if err != nil {
		return err
	}
	if o.PprofListen != "" {
		prof, err := servePprof(o.PprofListen, log)
		if err != nil {
			return err
		}
		defer prof.Close()
	}
	log.Info("sync: starting", "source", src.Describe(), "namespace", o.Namespace, "interval", o.Interval,
		"drift", o.Drift, "listen", srv.Addr, "ha", o.HA, "memory_limit", memoryLimitText(memLimit), "memory_limit_from", memLimitFrom)
	runErr := d.Run(ctx)
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	log.Info("sync: stopped")
	return runErr
}

// syncNomadClient is the Nomad client from the environment (NOMAD_ADDR, NOMAD_TOKEN…)
// with every request timed for the metrics.
// syncEngine is the daemon's pass: the pipeline `ecsgit plan` runs (pipeline), with the
// daemon's refusals (another namespace, a changed identity) and --strict's fidelity check.
func syncEngine(nomad reconcile.Cluster, o *syncOptions, src source.Source, identity *reconcile.IdentityPin) syncloop.SyncEngine {
	engine := &syncloop.PipelineEngine{ApplyFunc: syncloop.EngineApply,
		Pipeline: pipeline(nomad, o.Strict, reconcile.PlanOptions{Source: o.Source, Namespace: o.Namespace, Prune: o.Prune,
			Label: src.Describe(), DriftMode: reconcile.DriftMode(o.Drift)})}
	engine.PinNamespace, engine.Identity = true, identity
	// A pass decodes and checks again only the files that changed since the previous
	// one (spec.FileCache); positions name files inside the repository, as the status
	// page shows them, so that they do not change with each commit's snapshot directory.
	engine.Load.RelativeNames = true
	if o.FileCache {
		engine.Load.Cache = spec.NewFileCache()
	}
	return withStrict(engine, o.Strict)
}

func syncNomadClient(m *syncloop.SyncMetrics) (*nomadbackend.Client, error) {
	cfg := api.DefaultConfig()
	hc := &http.Client{Transport: syncserver.NomadTransport(cleanTransport(), m.ObserveNomad)}
	cfg.HttpClient = hc
	return nomadbackend.NewClient(cfg)
}

func cleanTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return t
}

func syncSource(o *syncOptions) (source.Source, func(context.Context) (<-chan struct{}, error), error) {
	if o.Dir != "" {
		l, err := source.Local(o.Dir)
		if err != nil {
			return nil, nil, err
		}
		return l, l.Watch, nil
	}
	// The daemon keeps its clone for its lifetime: with full history a new commit costs
	// only its new objects (like Argo CD's repo-server), whereas a depth-1 fetch makes
	// the server send the whole tree again (measured in docs/source.md).
	gf := o.Git
	gf.FullHistory = !o.ShallowClone
	g, err := gf.source()
	if err != nil {
		return nil, nil, err
	}
	return g, nil, nil
}

// syncHTTP starts the HTTP API; a port that cannot be bound is an error at start, not a
// silent daemon without health checks.
func syncHTTP(o *syncOptions, d *syncloop.Daemon, m *syncloop.SyncMetrics, log *slog.Logger) (*http.Server, error) {
	var hook http.Handler
	if o.WebhookSecretEnv != "" || o.WebhookSecretFile != "" {
		secret, err := source.LoadSecret(o.WebhookSecretEnv, o.WebhookSecretFile)
		if err != nil {
			return nil, usageError{err}
		}
		hook, err = source.WebhookHandler(source.WebhookOptions{Secret: secret, Ref: o.Git.Ref, Trigger: d.TriggerWebhook, Logger: log})
		if err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("sync: listen %s: %w", o.Listen, err)
	}
	srv := syncserver.NewServer(ln.Addr().String(), syncserver.Handler(syncserver.Options{Status: d.Status, Registry: m.Registry, Webhook: hook, Events: d.Events.Recent.List}))
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("sync: HTTP server stopped", "err", err)
		}
	}()
	return srv, nil
}

// servePprof exposes the runtime profiles (heap, goroutines, CPU) for diagnosing a
// long-running daemon. It has its own listener and mux: the profiles reveal internals and
// must not ride along on the API address that webhooks reach.
func servePprof(addr string, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sync: --pprof-listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("sync: pprof server stopped", "err", err)
		}
	}()
	log.Info("sync: serving pprof", "listen", ln.Addr().String())
	return srv, nil
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

func replicaIdentity(flag string) string {
	if flag != "" {
		return flag
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
