package source

import (
	"errors"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// IsAccessDenied reports whether err says the Git server refused the credentials (or
// asked for some): retrying with the same credentials cannot succeed.
func IsAccessDenied(err error) bool {
	return errors.Is(err, transport.ErrAuthenticationRequired) || errors.Is(err, transport.ErrAuthorizationFailed)
}
