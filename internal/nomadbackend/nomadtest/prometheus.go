package nomadtest

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var prometheusLine = regexp.MustCompile(`^\s*(?:export\s+)?ECSGIT_PROMETHEUS_ADDR=(\S+)\s*$`)

// Prometheus requires the cluster's Prometheus (scripts/prometheus.sh, started by
// scripts/cluster.sh up beside the proxy) and returns its HTTP address; the
// request-count policies' metrics come from it. Like Autoscaler, it runs
// scripts/cluster.sh up once when it does not answer, and fails rather than skips.
func Prometheus(t testing.TB) string {
	t.Helper()
	skipIfShort(t)
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("ECSGIT_CLUSTER_DIR")
	if dir == "" {
		dir = filepath.Join(root, ".cluster")
	}
	envFile := filepath.Join(dir, "env")
	addr, err := readPrometheusAddr(envFile)
	if err == nil && prometheusReady(addr) == nil {
		return addr
	}
	if out, err := runScript(root, 10*time.Minute, "scripts/cluster.sh", "up"); err != nil {
		t.Fatalf("Prometheus is not running and scripts/cluster.sh up failed: %v\n%s", err, out)
	}
	if addr, err = readPrometheusAddr(envFile); err != nil {
		t.Fatal(err)
	}
	if err := prometheusReady(addr); err != nil {
		t.Fatalf("after scripts/cluster.sh up, Prometheus at %s: %v (log: %s)", addr, err, filepath.Join(dir, "prometheus", "log"))
	}
	return addr
}

func readPrometheusAddr(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read cluster env: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if m := prometheusLine.FindStringSubmatch(sc.Text()); m != nil {
			return strings.Trim(m[1], `"'`), nil
		}
	}
	return "", fmt.Errorf("%s has no ECSGIT_PROMETHEUS_ADDR line (a cluster started before Prometheus was added: run make cluster-up)", path)
}

func prometheusReady(addr string) error {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(addr + "/-/ready")
	if err != nil {
		return fmt.Errorf("Prometheus does not answer: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("Prometheus's /-/ready answered %s", resp.Status)
	}
	return nil
}
