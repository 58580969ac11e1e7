package main

import (
	"strings"
	"testing"

	"github.com/ecsgit/ecsgit/internal/clustertest"
)

// newACLCmdEnv is a cmdEnv on the cluster with ACLs on (secrets, the private registry),
// with NOMAD_TOKEN set to its management token: the CLI and the daemon read it, as
// api.DefaultConfig does. It fails unless anonymous requests are really refused.
func newACLCmdEnv(t *testing.T) *cmdEnv {
	t.Helper()
	e := &cmdEnv{clustertest.NewACL(t)}
	if e.Token == "" {
		t.Fatal("the ACL cluster has no management token (scripts/cluster.sh up with ECSGIT_NOMAD_ACL=1)")
	}
	t.Setenv("NOMAD_TOKEN", e.Token)
	requireACLsEnforced(t, e.Addr)
	return e
}

// target is the flags that point a command at the test's cluster and namespace.
func (e *cmdEnv) target() []string { return []string{"--address", e.Addr, "-n", e.Namespace} }

// cli runs ecsgit with args exactly as given and stdin, logs it, and returns the exit
// code and standard output and error together (what a user of a terminal sees).
func (e *cmdEnv) cli(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	t.Logf("ecsgit %s → %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return code, out.String() + errOut.String()
}

// putSecret stores value under path/key with `ecsgit secrets put` (value on stdin).
func (e *cmdEnv) putSecret(t *testing.T, path, key, value string) string {
	t.Helper()
	code, out := e.cli(t, value, append(append([]string{"secrets", "put"}, e.target()...), path, key)...)
	if code != exitOK {
		t.Fatalf("secrets put %s %s: exit %d", path, key, code)
	}
	return out
}
