package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"

	"github.com/ecsgit/ecsgit/internal/iostreams"
	"github.com/ecsgit/ecsgit/internal/reconcile"
	"github.com/ecsgit/ecsgit/internal/source"
)

// TestUsageErrorsExit1: every command's usage errors exit 1, never 2, which plan
// --detailed-exitcode reserves for "changes present" (a CI pipeline that posts a
// comment on 2 must not do so for a typo). None of these needs a cluster: the error is
// found before anything is read.
func TestUsageErrorsExit1(t *testing.T) {
	for _, args := range [][]string{
		{"plan", "--detailed-exitcode", "--bogus"},
		{"plan", "--detailed-exitcode", "-o", "yaml"},
		{"plan", "--detailed-exitcode", "a", "b"},
		{"apply", "--bogus"},
		{"apply", "--parallelism", "0"},
		{"apply", "-o", "markdown"},
		{"validate", "-o", "yaml"},
		{"validate", "no/such/dir"},
		{"status", "-o", "yaml"},
		{"status", "a", "b"},
		{"history"},
		{"history", "-o", "yaml", "web"},
		{"rollback"},
		{"rollback", "web", "--to-revision", "x"},
		{"resume"},
		{"render"},
		{"convert", "compose", "--bogus"},
		{"schema", "nope"},
		{"completion", "tcsh"},
		{"version", "extra"},
		{"sync"},
		{"sync", "--dir", ".", "--log-level", "loud"},
		{"no-such-command"},
	} {
		code, out, errOut := runCLI(t, args...)
		if code != exitUsage || exitUsage == exitChanges {
			t.Errorf("ecsgit %s: exit %d, want %d (usage)\n%s", strings.Join(args, " "), code, exitUsage, errOut)
		}
		if out != "" || !strings.Contains(errOut, "Run 'ecsgit --help' for usage.") {
			t.Errorf("ecsgit %s: a usage error prints nothing on stdout and the usage hint on stderr\nstdout: %s\nstderr: %s", strings.Join(args, " "), out, errOut)
		}
	}
}

// TestExitCodesWithoutCluster: the documented codes of the commands that need no
// cluster (plan's 0/2 and apply's 3 are in exitcodes_cluster_test.go).
func TestExitCodesWithoutCluster(t *testing.T) {
	const broken = "../../internal/spec/testdata/broken"
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"validate", "../../examples/gitops"}, exitOK},
		{[]string{"validate", broken}, exitFailure},
		{[]string{"validate", "--strict", "testdata/validate/warning.json"}, exitFailure},
		{[]string{"validate", "--strict", "testdata/validate/untagged.json"}, exitOK},
		{[]string{"render", "web", "../../examples/gitops"}, exitOK},
		{[]string{"render", "nope", "../../examples/gitops"}, exitFailure},
		// An invalid repository is an error (1) with --detailed-exitcode too, found
		// before Nomad is asked anything.
		{[]string{"plan", "--detailed-exitcode", "--address", "http://127.0.0.1:1", broken}, exitFailure},
		{[]string{"apply", "--address", "http://127.0.0.1:1", broken}, exitFailure},
		{[]string{"convert", "compose", "../../examples/compose-app/compose.yaml"}, exitOK},
		{[]string{"convert", "compose", "--strict", "../../examples/compose-app/compose.yaml"}, exitFailure},
		{[]string{"schema", "taskdef"}, exitOK},
		{[]string{"version"}, exitOK},
		{[]string{"help", "exit-codes"}, exitOK},
	}
	for _, tt := range tests {
		if code, _, errOut := runCLI(t, tt.args...); code != tt.want {
			t.Errorf("ecsgit %s: exit %d, want %d\n%s", strings.Join(tt.args, " "), code, tt.want, errOut)
		}
	}
}

// TestExitCodesOfNomadFailures: for every command that talks to Nomad (or Git), the exit
// code of a failure comes from its class (reconcile.Classify, which also decides the daemon's
// backoff): unreachable or a 500 is transient (4, run it again), a 403 is not (1).
// With --detailed-exitcode a transient failure is 4 too, never 2.
func TestExitCodesOfNomadFailures(t *testing.T) {
	const repo = "../../examples/gitops"
	answering := func(code int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, body, code) }))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	unreachable := closed.URL
	closed.Close()
	forbidden := answering(http.StatusForbidden, "Permission denied")
	nomads := []struct {
		name, addr string
		want       int
	}{
		{"unreachable", unreachable, exitTransient},
		{"500 no leader", answering(http.StatusInternalServerError, "No cluster leader"), exitTransient},
		{"429 rate limited", answering(http.StatusTooManyRequests, "rate limited"), exitTransient},
		{"403 ACL", forbidden, exitFailure},
	}
	commands := [][]string{
		{"plan", repo},
		{"plan", "--detailed-exitcode", repo},
		{"apply", "--auto-approve", repo},
		{"status"},
		{"history", "web"},
		{"rollback", "web"},
		{"resume", "web"},
	}
	for _, n := range nomads {
		for _, c := range commands {
			args := append([]string{c[0], "--address", n.addr}, c[1:]...)
			if code, _, errOut := runCLI(t, args...); code != n.want {
				t.Errorf("Nomad %s: ecsgit %s: exit %d, want %d\n%s", n.name, strings.Join(c, " "), code, n.want, errOut)
			}
		}
	}
	// The daemon's status server and a Git remote are not Nomad, but unreachable is
	// transient all the same. (The Git fetch comes first: the 403 Nomad is never asked.)
	if code, _, errOut := runCLI(t, "status", "--server", unreachable); code != exitTransient {
		t.Errorf("status --server unreachable: exit %d, want %d\n%s", code, exitTransient, errOut)
	}
	gitArgs := []string{"plan", "--address", forbidden, "--repo", unreachable + "/gitops.git", "--cache-dir", t.TempDir()}
	if code, _, errOut := runCLI(t, gitArgs...); code != exitTransient {
		t.Errorf("plan --repo unreachable: exit %d, want %d\n%s", code, exitTransient, errOut)
	}
}

// TestHelpExitCodes: the topic exists, lists every code of the table, and root help
// points to it.
func TestHelpExitCodes(t *testing.T) {
	code, out, errOut := runCLI(t, "help", "exit-codes")
	if code != exitOK || strings.Contains(out+errOut, "Unknown help topic") {
		t.Fatalf("help exit-codes: exit %d\n%s%s", code, out, errOut)
	}
	flat := strings.Join(strings.Fields(out), " ") // the topic wraps long lines
	for _, c := range exitCodes {
		if !strings.Contains(flat, fmt.Sprintf("%d %s %s", c.Code, c.Commands, c.Meaning)) {
			t.Errorf("help exit-codes lacks code %d: %q", c.Code, c.Meaning)
		}
	}
	if _, out, _ := runCLI(t, "--help"); !strings.Contains(out, "exit-codes") {
		t.Errorf("root help does not list the exit-codes topic:\n%s", out)
	}
}

// TestApplyExitCode: how apply's per-service statuses become its exit code. Every
// status is listed, so a new one fails here until it is given a code.
func TestApplyExitCode(t *testing.T) {
	want := map[reconcile.Status]int{
		reconcile.StatusUnchanged: exitOK, reconcile.StatusApplied: exitOK, reconcile.StatusRecorded: exitOK,
		reconcile.StatusDeleted: exitOK, reconcile.StatusSkipped: exitOK,
		reconcile.StatusDegraded: exitDegraded, reconcile.StatusRolledBack: exitDegraded,
		reconcile.StatusConflict: exitTransient, reconcile.StatusFailed: exitFailure, reconcile.StatusUnplaceable: exitFailure,
		reconcile.StatusTimeout: exitTransient, reconcile.StatusError: exitFailure,
	}
	for st, code := range want {
		res := &reconcile.Result{Services: []reconcile.ServiceResult{{Service: "a", Status: reconcile.StatusApplied}, {Service: "b", Status: st}}}
		if got := applyExitCode(res); got != code {
			t.Errorf("%s: exit %d, want %d", st, got, code)
		}
	}
	// Precedence, in either order: a failure over a transient failure over a degraded
	// service.
	for _, tc := range []struct {
		a, b reconcile.Status
		want int
	}{
		{reconcile.StatusDegraded, reconcile.StatusFailed, exitFailure},
		{reconcile.StatusConflict, reconcile.StatusFailed, exitFailure},
		{reconcile.StatusFailed, reconcile.StatusTimeout, exitFailure},
		{reconcile.StatusDegraded, reconcile.StatusConflict, exitTransient},
		{reconcile.StatusConflict, reconcile.StatusRolledBack, exitTransient},
	} {
		for _, sts := range [][2]reconcile.Status{{tc.a, tc.b}, {tc.b, tc.a}} {
			res := &reconcile.Result{Services: []reconcile.ServiceResult{{Service: "a", Status: sts[0]}, {Service: "b", Status: sts[1]}}}
			if got := applyExitCode(res); got != tc.want {
				t.Errorf("%v: exit %d, want %d", sts, got, tc.want)
			}
		}
	}
}

// TestApplyStatusExitsFollowClassify: the exit code of a failed service's status is the
// one its error's class gives (reconcile.Classify, the daemon's backoff decision), so
// the CLI and the daemon agree on what is worth retrying. Rolled back is the exception
// by design: 3, the cluster runs the previous revision.
func TestApplyStatusExitsFollowClassify(t *testing.T) {
	for _, s := range applyStatuses {
		r := reconcile.ServiceResult{Service: "web", Status: s.Status}
		err := r.Err()
		if err == nil || s.Status == reconcile.StatusRolledBack {
			continue
		}
		if got := errorExit(err); got != s.Exit {
			t.Errorf("%s: the table says exit %d, its class %s gives %d", s.Status, s.Exit, reconcile.Classify(err), got)
		}
	}
}

// errCaptured stops a command after its options were captured.
var errCaptured = errors.New("captured")

// parse runs a command built by newCmd with args and a runF that records the options,
// like gh's TestNewCmdX: flag wiring is checked without doing any work.
func parse[O any](t *testing.T, newCmd func(*factory, func(*O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	var got *O
	cmd := newCmd(&factory{IOStreams: ios}, func(o *O) error { got = o; return errCaptured })
	cmd.SetArgs(args)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	if errors.Is(err, errCaptured) {
		err = nil
	}
	return got, err
}

func TestNewCmdPlan(t *testing.T) {
	def := func(mod func(*planOptions)) planOptions {
		o := planOptions{Output: "human", Timeout: 5 * time.Minute, Target: targetFlags{Dir: ".", Git: gitFlags{Ref: "main", TokenUser: source.DefaultTokenUser}}}
		mod(&o)
		return o
	}
	tests := []struct {
		cli  string
		want planOptions
	}{
		{"", def(func(o *planOptions) {})},
		{"deploy/ -o markdown --detailed-exitcode", def(func(o *planOptions) {
			o.Target.Dir, o.Target.DirGiven, o.Output, o.DetailedExitcode = "deploy/", true, "markdown", true
		})},
		{"--output text --strict --out p.ecsgit", def(func(o *planOptions) { o.Output, o.Strict, o.Out = "human", true, "p.ecsgit" })},
		{"-o json --prune --allow-empty-prune --source s1 --address http://n:4646 -n prod", def(func(o *planOptions) {
			o.Output = "json"
			o.Target.Prune = pruneFlags{Prune: true, AllowEmptyPrune: true}
			o.Target.Source = "s1"
			o.Target.Cluster = clusterFlags{Address: "http://n:4646", Namespace: "prod"}
		})},
		{"--repo https://git.example.com/d.git --ref v1 --path prod --token-env T --timeout 1m", def(func(o *planOptions) {
			o.Target.Git.Repo, o.Target.Git.Ref, o.Target.Git.Path, o.Target.Git.TokenEnv = "https://git.example.com/d.git", "v1", "prod", "T"
			o.Timeout = time.Minute
		})},
	}
	for _, tt := range tests {
		got, err := parse(t, newCmdPlan, strings.Fields(tt.cli)...)
		if err != nil {
			t.Fatalf("plan %s: %v", tt.cli, err)
		}
		if d := cmp.Diff(tt.want, *got, cmpopts.IgnoreFields(planOptions{}, "IO")); d != "" {
			t.Errorf("plan %s (-want +got):\n%s", tt.cli, d)
		}
	}
	if _, err := parse(t, newCmdPlan, "-o", "yaml"); err == nil || !strings.Contains(err.Error(), "want human, json or markdown") {
		t.Errorf("plan -o yaml: %v, want the list of formats", err)
	}
}

func TestNewCmdApply(t *testing.T) {
	got, err := parse(t, newCmdApply, strings.Fields("plan.ecsgit -o json --auto-approve --force --parallelism 2 --placement-timeout 5s --timeout 2m --prune -n prod")...)
	if err != nil {
		t.Fatal(err)
	}
	want := applyOptions{Output: "json", AutoApprove: true, Force: true, Parallelism: 2, PlacementTimeout: 5 * time.Second, Timeout: 2 * time.Minute,
		Target: targetFlags{Dir: "plan.ecsgit", DirGiven: true, Git: gitFlags{Ref: "main", TokenUser: source.DefaultTokenUser},
			Prune: pruneFlags{Prune: true}, Cluster: clusterFlags{Namespace: "prod"}}}
	if d := cmp.Diff(want, *got, cmpopts.IgnoreFields(applyOptions{}, "IO")); d != "" {
		t.Errorf("apply (-want +got):\n%s", d)
	}
	got, err = parse(t, newCmdApply)
	if err != nil || got.Output != "human" || got.Parallelism != 8 || got.Timeout != 15*time.Minute || got.Target.Dir != "." {
		t.Errorf("apply defaults: %+v %v", got, err)
	}
}

func TestNewCmdValidateStatusHistory(t *testing.T) {
	v, err := parse(t, newCmdValidate, "--strict", "-v", "-o", "text", "a.json", "b.json")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(validateOptions{Paths: []string{"a.json", "b.json"}, Output: "human", Strict: true, Verbose: true}, *v, cmpopts.IgnoreFields(validateOptions{}, "IO")); d != "" {
		t.Errorf("validate (-want +got):\n%s", d)
	}
	s, err := parse(t, newCmdStatus, "web", "-o", "json", "--server", "http://x:8787", "--address", "http://n:4646", "-n", "prod")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(statusOptions{Service: "web", Output: "json", Server: "http://x:8787", Cluster: clusterFlags{Address: "http://n:4646", Namespace: "prod"}}, *s, cmpopts.IgnoreFields(statusOptions{}, "IO")); d != "" {
		t.Errorf("status (-want +got):\n%s", d)
	}
	h, err := parse(t, newCmdHistory, "web", "--output", "text")
	if err != nil || h.Service != "web" || h.Output != "human" {
		t.Errorf("history: %+v %v", h, err)
	}
}

func TestNewCmdRollbackResumeRender(t *testing.T) {
	r, err := parse(t, newCmdRollback, "web", "--to-revision", "3", "--placement-timeout", "10s", "-n", "prod")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(rollbackOptions{Service: "web", ToRevision: 3, PlacementTimeout: 10 * time.Second, Timeout: 15 * time.Minute, Cluster: clusterFlags{Namespace: "prod"}}, *r, cmpopts.IgnoreFields(rollbackOptions{}, "IO")); d != "" {
		t.Errorf("rollback (-want +got):\n%s", d)
	}
	u, err := parse(t, newCmdResume, "web", "--address", "http://n:4646")
	if err != nil || u.Service != "web" || u.Cluster.Address != "http://n:4646" || u.Cluster.Namespace != "" {
		t.Errorf("resume: %+v %v", u, err)
	}
	rd, err := parse(t, newCmdRender, "web", "deploy", "--source", "s1", "-n", "prod")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(renderOptions{Service: "web", Dir: "deploy", Source: "s1", Namespace: "prod"}, *rd, cmpopts.IgnoreFields(renderOptions{}, "IO")); d != "" {
		t.Errorf("render (-want +got):\n%s", d)
	}
}

func TestNewCmdSync(t *testing.T) {
	o, err := parse(t, newCmdSync, strings.Fields("--repo https://g/d.git --ref prod --strict --prune --drift report --interval 30s --ha --identity r1 --listen :0")...)
	if err != nil {
		t.Fatal(err)
	}
	if o.Git.Repo != "https://g/d.git" || o.Git.Ref != "prod" || !o.Strict || !o.Prune || o.Drift != "report" || o.Interval != 30*time.Second ||
		!o.HA || o.Identity != "r1" || o.Listen != ":0" || o.LogFormat != "text" || o.LockTTL != 10*time.Second {
		t.Errorf("sync options: %+v", o)
	}
}

func TestNewCmdConvertCompose(t *testing.T) {
	o, err := parse(t, newCmdConvertCompose, "-f", "a.yaml", "-f", "b.yaml", "--profile", "web", "-p", "proj", "--output-dir", "out", "--strict", "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"a.yaml", "b.yaml", "c.yaml"}, o.Compose.Files); d != "" || o.Compose.ProjectName != "proj" || o.OutputDir != "out" || !o.Strict || len(o.Compose.Profiles) != 1 {
		t.Errorf("convert compose: %+v %s", o, d)
	}
}

// TestReadmeListsExitCodes: the README's table is a copy of exitCodes; a code added or
// moved to other commands here fails until the README says so too.
func TestReadmeListsExitCodes(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range exitCodes {
		if row := fmt.Sprintf("| %d | %s |", c.Code, c.Commands); !strings.Contains(string(b), row) {
			t.Errorf("README.md has no exit-code row starting %q", row)
		}
	}
}

// The apply summary and exit codes cover every status reconcile has, in its order: a
// new status cannot be forgotten here.
func TestApplyStatusesCoverEveryStatus(t *testing.T) {
	var got []reconcile.Status
	for _, s := range applyStatuses {
		got = append(got, s.Status)
	}
	if d := cmp.Diff(reconcile.AllStatuses(), got); d != "" {
		t.Errorf("applyStatuses vs reconcile.AllStatuses (-all +table):\n%s", d)
	}
}

func TestNewCmdEvents(t *testing.T) {
	o, err := parse(t, newCmdEvents, "-f", "-o", "json", "--service", "web,api", "--type", "deployment", "--type", "STOPPED", "-n", "prod")
	if err != nil {
		t.Fatal(err)
	}
	want := eventsOptions{Follow: true, Output: "json", Cluster: clusterFlags{Namespace: "prod"},
		Filter: eventFilterFlags{Services: []string{"web", "api"}, Types: []string{"deployment", "STOPPED"}}}
	if d := cmp.Diff(want, *o, cmpopts.IgnoreFields(eventsOptions{}, "IO")); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if _, err := parse(t, newCmdEvents, "-o", "markdown"); err == nil {
		t.Error("events -o markdown accepted")
	}
	if _, err := parse(t, newCmdEvents, "--type", "SERVICE_STEADY"); err == nil || !strings.Contains(err.Error(), "SERVICE_STEADY_STATE") {
		t.Errorf("events --type SERVICE_STEADY: %v, want a refusal naming the allowed values", err)
	}
}
