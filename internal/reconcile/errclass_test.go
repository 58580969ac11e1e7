package reconcile

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/ecsgit/ecsgit/internal/errtest"
	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/source"
)

// forbidden is a real 403 from Nomad's api client (errtest.NomadForbidden).
func forbidden(t *testing.T) error { return errtest.NomadForbidden(t) }

// The class of an error comes from its type, wrapped however deep, never its text.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want ErrorClass
	}{
		{"a text that looks transient is not read", errors.New("dial tcp 127.0.0.1:4646: connection refused"), ClassUnknown},
		{"Nomad unreachable (connection refused)", errtest.NomadUnreachable(t), ClassRetry},
		{"Nomad without a leader (500)", errtest.NomadUnavailable(t), ClassRetry},
		{"a name that does not resolve", fmt.Errorf("plan: %w", &net.DNSError{Err: "no such host", Name: "nomad.invalid", IsNotFound: true}), ClassUnknown},
		{"a DNS timeout", fmt.Errorf("plan: %w", &net.DNSError{Err: "i/o timeout", Name: "nomad", IsTimeout: true}), ClassRetry},
		{"a timeout", fmt.Errorf("read job: %w", context.DeadlineExceeded), ClassRetry},
		{"a conflict with a concurrent writer", &ServiceError{Service: "web", Status: StatusConflict, Reason: "the Nomad job changed since the plan"}, ClassRetry},
		{"EnforceIndex refused the register", fmt.Errorf("rollback: %w", &nomadbackend.ConflictError{Namespace: "default", JobID: "web"}), ClassRetry},
		{"a rollout that outlived --timeout", &ServiceError{Service: "web", Status: StatusTimeout, Reason: "still rolling out"}, ClassRetry},
		{"a failed rollout is not transient", &ServiceError{Service: "web", Status: StatusFailed, Reason: "tasks exited 3"}, ClassUnknown},
		{"a service error behind a 500", &ServiceError{Service: "web", Status: StatusError, Cause: errtest.NomadUnavailable(t)}, ClassRetry},
		{"invalid revision", fmt.Errorf("pass: %w", &InvalidRevisionError{}), ClassStalled},
		{"translation content error", &ContentError{Service: "web", Err: errors.New("can never progress")}, ClassStalled},
		{"a text that looks stalled is not", errors.New("commit abc does not validate (1 errors)"), ClassUnknown},
		{"Nomad ACL 403 while planning", forbidden(t), ClassStalled},
		{"Nomad ACL 403 behind a service's apply", errors.Join(&ServiceError{Service: "web", Status: StatusError, Cause: forbidden(t)}), ClassStalled},
		{"Git refuses the credentials", fmt.Errorf("fetch: %w", transport.ErrAuthorizationFailed), ClassStalled},
		{"Git wants credentials", fmt.Errorf("fetch: %w", transport.ErrAuthenticationRequired), ClassStalled},
		{"the configured path is missing", fmt.Errorf("checkout: %w", &source.PathMissingError{Path: "prod", SHA: "abc"}), ClassWait},
		{"placement failures", fmt.Errorf("apply: %w", ErrPlacementFailures), ClassWait},
		{"an unreadable tree", &LoadError{What: "deploy", Err: errors.New("not a directory")}, ClassUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.err); got != tc.want {
				t.Errorf("Classify(%v) = %s, want %s", tc.err, got, tc.want)
			}
		})
	}
}
