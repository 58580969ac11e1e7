package connectproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"slices"
	"sync"
	"time"
)

// Options tune a Proxy; the zero value is what the sidecar runs with.
type Options struct {
	// Reload is how often the config file is checked for new endpoints (250 ms).
	Reload time.Duration
	// DialTimeout bounds one connection attempt to an endpoint (1 s): a task that
	// is gone leaves an address nobody answers, and the next endpoint must be tried
	// long before the request's own timeout.
	DialTimeout time.Duration
	// Log receives one line per endpoint change and per failed request.
	Log *log.Logger
}

func (o *Options) defaults() {
	if o.Reload <= 0 {
		o.Reload = 250 * time.Millisecond
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = time.Second
	}
	if o.Log == nil {
		o.Log = log.New(os.Stderr, "connect-proxy: ", log.LstdFlags)
	}
}

// Proxy serves every listener of a config file.
type Proxy struct {
	path      string
	opts      Options
	last      []byte
	listeners []*listener
}

type listener struct {
	cfg  Listener
	pool *pool
	ln   net.Listener
	srv  *http.Server // http listeners
}

// Run reads the config at path, listens on every alias address and forwards until ctx
// is done. The file is re-read every Options.Reload; a change of endpoints takes
// effect for the next request or connection, without dropping open ones.
func Run(ctx context.Context, path string, opts Options) error {
	opts.defaults()
	cfg, raw, err := ReadConfig(path)
	if err != nil {
		return err
	}
	p := &Proxy{path: path, opts: opts, last: raw}
	defer p.close()
	for _, lc := range cfg.Listeners {
		l := &listener{cfg: lc, pool: newPool(lc.Endpoints)}
		if l.ln, err = net.Listen("tcp", lc.Listen); err != nil {
			return fmt.Errorf("alias %s: %w", lc.Name, err)
		}
		p.listeners = append(p.listeners, l)
		opts.Log.Printf("%s: listening on %s (%s) for %s, endpoints %v", lc.Name, lc.Listen, lc.Protocol, lc.Upstream, lc.Endpoints)
		if lc.Protocol == ProtocolHTTP {
			go l.serveHTTP(opts)
		} else {
			go l.serveTCP(ctx, opts)
		}
	}
	tick := time.NewTicker(opts.Reload)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			p.reload()
		}
	}
}

// reload applies the endpoints of a changed file; a file that does not parse (a
// half-written one cannot happen: Nomad renders to a temporary file and renames) keeps
// the current endpoints.
func (p *Proxy) reload() {
	raw, err := os.ReadFile(p.path)
	if err != nil || bytes.Equal(raw, p.last) {
		return
	}
	cfg, err := ParseConfig(raw)
	if err != nil {
		p.opts.Log.Printf("keeping the current endpoints: %v", err)
		return
	}
	p.last = raw
	for _, l := range p.listeners {
		i := slices.IndexFunc(cfg.Listeners, func(c Listener) bool { return c.Listen == l.cfg.Listen })
		if i < 0 {
			continue // listeners are fixed for the task's life
		}
		now := cfg.Listeners[i].Endpoints
		if was := l.pool.endpoints(); !slices.Equal(was, now) {
			p.opts.Log.Printf("%s: endpoints %v (were %v)", l.cfg.Name, now, was)
			l.pool.set(now)
		}
	}
}

func (p *Proxy) close() {
	for _, l := range p.listeners {
		if l.srv != nil {
			_ = l.srv.Close()
		} else {
			_ = l.ln.Close()
		}
	}
}

func (l *listener) serveHTTP(opts Options) {
	rt := &retryTransport{
		pool:    l.pool,
		timeout: l.cfg.requestTimeout(),
		base: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: opts.DialTimeout}).DialContext,
			MaxIdleConnsPerHost:   64,
			IdleConnTimeout:       l.cfg.idleTimeout(),
			ResponseHeaderTimeout: l.cfg.requestTimeout(),
		},
	}
	rp := &httputil.ReverseProxy{
		// The Host header stays the alias the client called, as with Envoy.
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.Out.URL.Scheme, pr.Out.URL.Host = "http", l.cfg.Upstream },
		Transport: rt,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			opts.Log.Printf("%s: %s %s: %v", l.cfg.Name, r.Method, r.URL.Path, err)
			w.WriteHeader(http.StatusServiceUnavailable)
		},
	}
	l.srv = &http.Server{Handler: rp, ReadHeaderTimeout: l.cfg.requestTimeout(), IdleTimeout: l.cfg.idleTimeout()}
	if err := l.srv.Serve(l.ln); !errors.Is(err, http.ErrServerClosed) {
		opts.Log.Printf("%s: %v", l.cfg.Name, err)
	}
}

// retryTransport sends a request to one endpoint after another until one answers or
// the request timeout is over. Only requests that certainly did not reach an
// application are retried: a failed dial, or an idempotent request without a body
// whose connection broke before any answer (a stopping task closing its connections).
type retryTransport struct {
	pool    *pool
	base    http.RoundTripper
	timeout time.Duration
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	deadline := time.Now().Add(t.timeout)
	body := req.Body
	if body != nil && body != http.NoBody {
		defer body.Close()
	}
	tried := map[string]bool{}
	var lastErr error
	for {
		addr := t.pool.pick(tried)
		if addr == "" {
			// Every endpoint failed (or there is none yet): wait for the catalog.
			if time.Now().After(deadline) {
				if lastErr == nil {
					lastErr = errors.New("no endpoint registered")
				}
				return nil, fmt.Errorf("no endpoint answered within %s: %w", t.timeout, lastErr)
			}
			select {
			case <-req.Context().Done():
				return nil, req.Context().Err()
			case <-time.After(100 * time.Millisecond):
			}
			clear(tried)
			continue
		}
		tried[addr] = true
		out := req.Clone(req.Context())
		out.URL.Host = addr
		if body != nil && body != http.NoBody {
			out.Body = io.NopCloser(body) // the transport closes its body on errors; a retry needs it
		}
		resp, err := t.base.RoundTrip(out)
		if err == nil {
			return resp, nil
		}
		lastErr = fmt.Errorf("%s: %w", addr, err)
		if !retryable(req, err) {
			return nil, lastErr
		}
		t.pool.eject(addr)
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no endpoint answered within %s: %w", t.timeout, lastErr)
		}
	}
}

func retryable(req *http.Request, err error) bool {
	if req.Context().Err() != nil {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead || req.Method == http.MethodOptions
	return idempotent && (req.Body == nil || req.Body == http.NoBody)
}

func (l *listener) serveTCP(ctx context.Context, opts Options) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				opts.Log.Printf("%s: %v", l.cfg.Name, err)
			}
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.forwardTCP(ctx, c, opts)
		}()
	}
}

// forwardTCP connects c to an endpoint (trying the next one on a failed dial) and
// copies bytes both ways until either side closes or the idle timeout passes.
func (l *listener) forwardTCP(ctx context.Context, c net.Conn, opts Options) {
	defer c.Close()
	deadline := time.Now().Add(l.cfg.requestTimeout())
	tried := map[string]bool{}
	var up net.Conn
	for up == nil {
		addr := l.pool.pick(tried)
		if addr == "" {
			if time.Now().After(deadline) || ctx.Err() != nil {
				opts.Log.Printf("%s: no endpoint accepted the connection within %s", l.cfg.Name, l.cfg.requestTimeout())
				return
			}
			time.Sleep(100 * time.Millisecond)
			clear(tried)
			continue
		}
		tried[addr] = true
		var err error
		if up, err = (&net.Dialer{Timeout: opts.DialTimeout}).DialContext(ctx, "tcp", addr); err != nil {
			l.pool.eject(addr)
			up = nil
		}
	}
	defer up.Close()
	idle := l.cfg.idleTimeout()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(idleConn{dst, idle}, idleConn{src, idle})
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}

// idleConn pushes the connection's deadline forward on every read and write.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c idleConn) Read(b []byte) (int, error) {
	_ = c.Conn.SetDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(b)
}

func (c idleConn) Write(b []byte) (int, error) {
	_ = c.Conn.SetDeadline(time.Now().Add(c.idle))
	return c.Conn.Write(b)
}
