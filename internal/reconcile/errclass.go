package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"syscall"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/source"
)

// ErrorClass is what a failed pass (or command) means for the next attempt: it decides
// the daemon's backoff and the CLI's exit code. Classify decides it from the error's
// types (errors.As / errors.Is), never from its text.
type ErrorClass int

const (
	// ClassRetry: transient (Git or Nomad unreachable or answering with a server error,
	// a timeout, a conflict with a concurrent writer). The daemon retries with
	// exponential backoff; the CLI exits 4, so a pipeline may run the command again.
	ClassRetry ErrorClass = iota
	// ClassWait: the cluster or the source cannot take the input now (placement
	// failures: not enough capacity; the configured path is missing). The daemon tries
	// again after a poll interval, without escalating the backoff.
	ClassWait
	// ClassStalled: the input cannot succeed as it is (a revision that does not
	// validate or translate, credentials Nomad or Git refuse). The daemon keeps the last
	// good state and waits for the next commit instead of retrying the same tree.
	ClassStalled
	// ClassUser: the command was asked for something wrong (an unreadable directory, a
	// bad flag value).
	ClassUser
	// ClassUnknown: no rule recognises the error. The daemon retries it with backoff,
	// like ClassRetry (assumed transient, as it always was); the CLI reports a plain
	// failure (exit 1), because a pipeline must not loop on an error nobody has shown
	// to pass.
	ClassUnknown
)

var errorClassNames = [...]string{ClassRetry: "retry", ClassWait: "wait", ClassStalled: "stalled", ClassUser: "user-error", ClassUnknown: "unknown"}

func (c ErrorClass) String() string {
	if int(c) < len(errorClassNames) {
		return errorClassNames[c]
	}
	return fmt.Sprintf("ErrorClass(%d)", int(c))
}

// Classify maps an error to its class. nil is ClassRetry (nothing to report); an error
// no rule recognises is ClassUnknown.
func Classify(err error) ErrorClass {
	var invalid *InvalidRevisionError
	var content *ContentError
	var load *LoadError
	var secretMissing *SecretMissingError
	var taskInput *TaskInputError
	switch {
	case err == nil:
		return ClassRetry
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ClassRetry
	case errors.As(err, &invalid), errors.As(err, &content):
		return ClassStalled
	case nomadbackend.IsForbidden(err), source.IsAccessDenied(err):
		return ClassStalled
	case errors.As(err, &load), errors.As(err, &taskInput):
		return ClassUser
	case errors.Is(err, ErrPlacementFailures), errors.Is(err, source.ErrPathMissing), errors.As(err, &secretMissing):
		// Nothing to fix in ecsgit's input by retrying faster: capacity may come back,
		// a missing secret may be created (ecsgit secrets put), the configured path may appear (Flux requeues a missing source the same way).
		return ClassWait
	case errors.Is(err, nomadbackend.ErrConflict), isServiceStatus(err, StatusConflict, StatusTimeout):
		// A concurrent writer moved the job (planning again sees it), or a rollout
		// outlived --timeout and goes on in Nomad (applying again follows it).
		return ClassRetry
	case nomadbackend.IsUnavailable(err), isNetworkFailure(err):
		return ClassRetry
	}
	return ClassUnknown
}

// isServiceStatus: err is (or wraps) a service's failed apply with one of the statuses.
func isServiceStatus(err error, statuses ...Status) bool {
	var se *ServiceError
	return errors.As(err, &se) && slices.Contains(statuses, se.Status)
}

// isNetworkFailure: the peer (Nomad, Git, the daemon's status server) could not be
// reached or dropped the connection. A name that does not resolve is not one: that is
// a mistyped address more often than a passing DNS fault.
func isNetworkFailure(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return !dns.IsNotFound
	}
	var op *net.OpError
	var timeout interface{ Timeout() bool }
	return errors.As(err, &op) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &timeout) && timeout.Timeout()
}

// ContentError: the desired state validated but cannot be translated to a Nomad job
// (nomadjob.Translate is pure, so any error it returns is about the content). Retrying
// the same revision cannot succeed.
type ContentError struct {
	Service string
	Err     error
}

func (e *ContentError) Error() string { return fmt.Sprintf("plan service %s: %v", e.Service, e.Err) }
func (e *ContentError) Unwrap() error { return e.Err }
