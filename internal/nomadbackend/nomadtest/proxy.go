package nomadtest

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/nomad/api"
)

// TrafficNamespaces are the namespaces the cluster's proxy (Traefik, scripts/proxy.sh)
// watches besides "default": its Nomad provider has no wildcard, so traffic tests take
// one of these instead of a fresh namespace.
var TrafficNamespaces = []string{"traffic-1", "traffic-2", "traffic-3", "traffic-4"}

// Proxy is the cluster's load balancer as a test reaches it.
type Proxy struct {
	// Listeners maps a listener port of the repository (80, 8080, 8000) to the address
	// of the proxy's entry point for it.
	Listeners map[int]string
	// API is Traefik's API (GET /api/http/routers, /api/http/services, /ping).
	API string
	// AccessLogFile is the proxy's access log (one line per request, naming the router
	// and the server that answered).
	AccessLogFile string
}

// AccessLog returns the lines of the proxy's access log.
func (p *Proxy) AccessLog() ([]string, error) {
	b, err := os.ReadFile(p.AccessLogFile)
	if err != nil {
		return nil, fmt.Errorf("the proxy's access log: %w", err)
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n"), nil
}

// ListenerURL is the base URL of the proxy's entry point for listener port.
func (p *Proxy) ListenerURL(t testing.TB, port int) string {
	t.Helper()
	a, ok := p.Listeners[port]
	if !ok {
		t.Fatalf("nomadtest: the proxy has no entry point for listener port %d (ECSGIT_PROXY_LISTENERS; has %v)", port, p.Listeners)
	}
	return "http://" + a
}

// TrafficCluster is Cluster for a test whose services sit behind the cluster's proxy: it
// takes one of TrafficNamespaces (held with a file lock, so test binaries running in
// parallel never share one), purges it at the end like Cluster but keeps it, and
// returns the proxy, checked to answer.
func TrafficCluster(t testing.TB) (*Env, *Proxy) {
	t.Helper()
	skipIfShort(t)
	ci, err := clusterAddress(false)
	if err != nil {
		t.Fatalf("nomadtest: no Nomad cluster: %v", err)
	}
	addr := ci.addr
	client, err := newClient(addr, ci.token)
	if err != nil {
		t.Fatalf("nomadtest: %v", err)
	}
	proxy, err := proxyAddrs()
	if err != nil {
		t.Fatalf("nomadtest: the cluster's proxy: %v", err)
	}
	resp, err := http.Get("http://" + proxy.API + "/ping")
	if err != nil {
		t.Fatalf("nomadtest: the proxy does not answer at %s (scripts/cluster.sh up starts it): %v", proxy.API, err)
	}
	_ = resp.Body.Close()
	ns := lockTrafficNamespace(t, addr)
	// The namespace is created by scripts/proxy.sh; make sure it exists.
	if _, err := client.Namespaces().Register(&api.Namespace{Name: ns, Description: "ecsgit traffic tests (watched by the proxy)"}, nil); err != nil {
		t.Fatalf("nomadtest: register namespace %s: %v", ns, err)
	}
	env := &Env{T: t, Client: client, Addr: addr, Namespace: ns, keepNamespace: true, ClusterDir: ci.dir}
	t.Cleanup(env.cleanup)
	return env, proxy
}

// lockTrafficNamespace waits (up to 10 min) for a free traffic namespace of the
// cluster at addr; the lock is released when the test ends.
func lockTrafficNamespace(t testing.TB, addr string) string {
	t.Helper()
	key := strings.NewReplacer("://", "-", ":", "-", "/", "-").Replace(addr)
	deadline := time.Now().Add(10 * time.Minute)
	for {
		for _, ns := range TrafficNamespaces {
			f, err := os.OpenFile(filepath.Join(os.TempDir(), "ecsgit-traffic-"+key+"-"+ns+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
			if err != nil {
				t.Fatalf("nomadtest: traffic namespace lock: %v", err)
			}
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
				t.Cleanup(func() { _ = f.Close() }) // closing releases the lock
				return ns
			}
			_ = f.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("nomadtest: no free traffic namespace (%v) after 10 min", TrafficNamespaces)
		}
		time.Sleep(time.Second)
	}
}

// proxyAddrs asks scripts/proxy.sh where the proxy's entry points are.
func proxyAddrs() (*Proxy, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	out, err := runScript(root, 30*time.Second, "scripts/proxy.sh", "addr")
	if err != nil {
		return nil, fmt.Errorf("scripts/proxy.sh addr: %w\n%s", err, out)
	}
	p := &Proxy{Listeners: map[int]string{}}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		name, a, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok {
			continue
		}
		var port int
		switch {
		case name == "api":
			p.API = a
		case name == "accesslog":
			p.AccessLogFile = a
		case strings.HasPrefix(name, "listener-"):
			if _, err := fmt.Sscanf(name, "listener-%d", &port); err == nil {
				p.Listeners[port] = a
			}
		}
	}
	if p.API == "" || len(p.Listeners) == 0 {
		return nil, fmt.Errorf("scripts/proxy.sh addr printed no addresses:\n%s", out)
	}
	return p, nil
}
