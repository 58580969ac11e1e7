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

// component is a process that scripts/cluster.sh up starts beside the Nomad agents (the
// Nomad Autoscaler, Prometheus) and whose address it exports in the cluster's env file.
type component struct {
	name   string // for messages: "the Nomad Autoscaler"
	envVar string // the env file's variable: ECSGIT_AUTOSCALER_ADDR
	health string // the path that answers 200 once it is ready
	logDir string // its directory under the cluster's state dir (log: <logDir>/log)
}

// require returns the component's address. When it does not answer, it runs
// scripts/cluster.sh up once (which starts it); a missing component fails the test,
// never skips it.
func (c component) require(t testing.TB) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("ECSGIT_CLUSTER_DIR")
	if dir == "" {
		dir = filepath.Join(root, ".cluster")
	}
	envFile := filepath.Join(dir, "env")
	addr, err := c.readAddr(envFile)
	if err == nil && c.ready(addr) == nil {
		return addr
	}
	if out, err := runScript(root, 10*time.Minute, "scripts/cluster.sh", "up"); err != nil {
		t.Fatalf("%s is not running and scripts/cluster.sh up failed: %v\n%s", c.name, err, out)
	}
	if addr, err = c.readAddr(envFile); err != nil {
		t.Fatal(err)
	}
	if err := c.ready(addr); err != nil {
		t.Fatalf("after scripts/cluster.sh up, %s at %s: %v (log: %s)", c.name, addr, err, filepath.Join(dir, c.logDir, "log"))
	}
	return addr
}

// readAddr finds `export <envVar>=<addr>` in the env file.
func (c component) readAddr(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read cluster env: %w", err)
	}
	line := regexp.MustCompile(`^\s*(?:export\s+)?` + regexp.QuoteMeta(c.envVar) + `=(\S+)\s*$`)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			return strings.Trim(m[1], `"'`), nil
		}
	}
	return "", fmt.Errorf("%s has no %s line (a cluster started before %s was added: run make cluster-up)", path, c.envVar, c.name)
}

// ready is nil once the component's health path answers 200.
func (c component) ready(addr string) error {
	hc := http.Client{Timeout: 3 * time.Second}
	resp, err := hc.Get(addr + c.health)
	if err != nil {
		return fmt.Errorf("%s does not answer: %w", c.name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s's %s answered %s", c.name, c.health, resp.Status)
	}
	return nil
}
