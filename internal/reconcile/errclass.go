package reconcile

import (
	"context"
	"errors"
	"fmt"

	"github.com/ecsgit/ecsgit/internal/nomadbackend"
	"github.com/ecsgit/ecsgit/internal/source"
)

// ErrorClass is what a failed pass (or command) means for the next attempt: it decides
// the daemon's backoff and the CLI's exit code. Classify decides it from the error's
// types (errors.As / errors.Is), never from its text.
type ErrorClass int

const (
	// ClassRetry: transient (Git or Nomad unreachable, a conflict with a concurrent
	// writer). The daemon retries with exponential backoff.
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
)

var errorClassNames = [...]string{ClassRetry: "retry", ClassWait: "wait", ClassStalled: "stalled", ClassUser: "user-error"}

func (c ErrorClass) String() string {
	if int(c) < len(errorClassNames) {
		return errorClassNames[c]
	}
	return fmt.Sprintf("ErrorClass(%d)", int(c))
}

// Classify maps an error to its class. nil and unknown errors are ClassRetry: an error
// the engine does not recognise is assumed transient, as before.
func Classify(err error) ErrorClass {
	var invalid *InvalidRevisionError
	var content *ContentError
	var load *LoadError
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
	case errors.Is(err, ErrPlacementFailures), errors.Is(err, source.ErrPathMissing):
		// Nothing to fix in ecsgit's input by retrying faster: capacity may come back,
		// the configured path may appear (Flux requeues a missing source the same way).
		return ClassWait
	}
	return ClassRetry
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
