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

// EnvAutoscalerAddr points the tests at the Nomad Autoscaler of a cluster given by
// ECSGIT_TEST_NOMAD_ADDR (the local cluster's is read from .cluster/env).
const EnvAutoscalerAddr = "ECSGIT_TEST_AUTOSCALER_ADDR"

var autoscalerLine = regexp.MustCompile(`^\s*(?:export\s+)?ECSGIT_AUTOSCALER_ADDR=(\S+)\s*$`)

// Autoscaler requires the Nomad Autoscaler that scripts/cluster.sh up starts beside
// the cluster (scripts/autoscaler.sh) and returns its HTTP address. When it does not
// answer, it runs scripts/cluster.sh up once (which starts it); a missing autoscaler
// fails the test, never skips it. Call it after Cluster.
func Autoscaler(t testing.TB) string {
	t.Helper()
	skipIfShort(t)
	if addr := os.Getenv(EnvAutoscalerAddr); addr != "" {
		if err := autoscalerHealthy(addr); err != nil {
			t.Fatalf("%s=%s: %v", EnvAutoscalerAddr, addr, err)
		}
		return addr
	}
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("ECSGIT_CLUSTER_DIR")
	if dir == "" {
		dir = filepath.Join(root, ".cluster")
	}
	envFile := filepath.Join(dir, "env")
	addr, err := readAutoscalerAddr(envFile)
	if err == nil && autoscalerHealthy(addr) == nil {
		return addr
	}
	if out, err := runScript(root, 10*time.Minute, "scripts/cluster.sh", "up"); err != nil {
		t.Fatalf("the Nomad Autoscaler is not running and scripts/cluster.sh up failed: %v\n%s", err, out)
	}
	if addr, err = readAutoscalerAddr(envFile); err != nil {
		t.Fatal(err)
	}
	if err := autoscalerHealthy(addr); err != nil {
		t.Fatalf("after scripts/cluster.sh up, the Nomad Autoscaler at %s: %v (log: %s)", addr, err, filepath.Join(dir, "autoscaler", "log"))
	}
	return addr
}

func readAutoscalerAddr(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read cluster env: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if m := autoscalerLine.FindStringSubmatch(sc.Text()); m != nil {
			return strings.Trim(m[1], `"'`), nil
		}
	}
	return "", fmt.Errorf("%s has no ECSGIT_AUTOSCALER_ADDR line (a cluster started before the autoscaler was added: run make cluster-up)", path)
}

func autoscalerHealthy(addr string) error {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(addr + "/v1/health")
	if err != nil {
		return fmt.Errorf("the Nomad Autoscaler does not answer: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the Nomad Autoscaler's /v1/health answered %s", resp.Status)
	}
	return nil
}
