package source

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
)

// Auth configures credentials for a Git remote. At most one of the HTTPS
// token fields and the SSH fields applies, chosen by the URL's scheme.
type Auth struct {
	// TokenEnv names an environment variable holding an HTTPS token
	// (--token-env).
	TokenEnv string
	// TokenFile is a file holding an HTTPS token (--token-file). It is
	// re-read on every fetch so a rotated token (e.g. a GitHub App token
	// refreshed by a sidecar) is picked up without a restart.
	TokenFile string
	// Username is the basic-auth user sent with the token. Default
	// "x-access-token" (GitHub); GitLab accepts "oauth2", Gitea any name.
	Username string

	// SSHKey is a private key file (--ssh-key).
	SSHKey string
	// SSHKeyPassphraseEnv names an environment variable holding the key's
	// passphrase, if it has one.
	SSHKeyPassphraseEnv string
	// KnownHosts is a known_hosts file (--known-hosts). When empty, the
	// files of $SSH_KNOWN_HOSTS or ~/.ssh/known_hosts are used; if none
	// exist, SSH fails: host keys are always checked unless
	// InsecureIgnoreHostKey is set.
	KnownHosts string
	// InsecureIgnoreHostKey disables host key checking. For tests only.
	InsecureIgnoreHostKey bool
}

// DefaultTokenUser is the basic-auth user name GitHub expects with a token.
const DefaultTokenUser = "x-access-token"

// secrets returns the credential strings that must never appear in text.
func (a Auth) secrets() []string {
	var out []string
	if tok, err := a.token(); err == nil && tok != "" {
		out = append(out, tok)
	}
	if a.SSHKeyPassphraseEnv != "" {
		out = append(out, os.Getenv(a.SSHKeyPassphraseEnv))
	}
	return out
}

// token reads the HTTPS token, or returns "" when none is configured.
func (a Auth) token() (string, error) {
	switch {
	case a.TokenEnv != "" && a.TokenFile != "":
		return "", errors.New("auth: set either a token environment variable or a token file, not both")
	case a.TokenEnv != "":
		tok := strings.TrimSpace(os.Getenv(a.TokenEnv))
		if tok == "" {
			return "", fmt.Errorf("auth: environment variable %s is empty or unset", a.TokenEnv)
		}
		return tok, nil
	case a.TokenFile != "":
		b, err := os.ReadFile(a.TokenFile)
		if err != nil {
			// The path is not a secret; the content is never printed.
			return "", fmt.Errorf("auth: read token file: %w", err)
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return "", fmt.Errorf("auth: token file %s is empty", a.TokenFile)
		}
		return tok, nil
	}
	return "", nil
}

// method builds the go-git auth method for rawURL. It returns nil when no
// credentials are configured, in which case go-git uses credentials embedded
// in the URL, if any.
func (a Auth) method(rawURL string) (transport.AuthMethod, error) {
	ep, err := transport.NewEndpoint(rawURL)
	if err != nil {
		return nil, fmt.Errorf("auth: parse repository URL %s: %w", Redact(rawURL), errors.New(newRedactor().text(err.Error())))
	}
	switch ep.Protocol {
	case "http", "https":
		if a.SSHKey != "" {
			return nil, fmt.Errorf("auth: --ssh-key given but %s is an %s URL", Redact(rawURL), ep.Protocol)
		}
		tok, err := a.token()
		if err != nil || tok == "" {
			return nil, err
		}
		user := a.Username
		if user == "" {
			user = DefaultTokenUser
		}
		return &githttp.BasicAuth{Username: user, Password: tok}, nil
	case "ssh":
		if a.TokenEnv != "" || a.TokenFile != "" {
			return nil, fmt.Errorf("auth: a token is for HTTPS but %s is an SSH URL", Redact(rawURL))
		}
		return a.sshMethod(ep.User)
	default: // file://, local paths, git://: no credentials
		return nil, nil
	}
}

func (a Auth) sshMethod(user string) (transport.AuthMethod, error) {
	if user == "" {
		user = "git"
	}
	hostKeys, err := a.hostKeyCallback()
	if err != nil {
		return nil, err
	}
	if a.SSHKey == "" {
		// Fall back to the SSH agent, as git itself would.
		agent, err := gitssh.NewSSHAgentAuth(user)
		if err != nil {
			return nil, fmt.Errorf("auth: no --ssh-key given and no SSH agent: %w", err)
		}
		agent.HostKeyCallback = hostKeys
		return agent, nil
	}
	pass := ""
	if a.SSHKeyPassphraseEnv != "" {
		pass = os.Getenv(a.SSHKeyPassphraseEnv)
	}
	keys, err := gitssh.NewPublicKeysFromFile(user, a.SSHKey, pass)
	if err != nil {
		return nil, fmt.Errorf("auth: load SSH key %s: %w", a.SSHKey, err)
	}
	keys.HostKeyCallback = hostKeys
	return keys, nil
}

// hostKeyCallback is strict by default: an unknown or changed host key fails
// the connection. go-git's callback (skeema/knownhosts) also restricts the
// negotiated host key algorithms to those known for the host, which avoids
// the classic "key mismatch" when the server offers another key type first.
func (a Auth) hostKeyCallback() (ssh.HostKeyCallback, error) {
	if a.InsecureIgnoreHostKey {
		return ssh.InsecureIgnoreHostKey(), nil //nolint:gosec // explicit opt-in, tests only
	}
	var files []string
	if a.KnownHosts != "" {
		if _, err := os.Stat(a.KnownHosts); err != nil {
			return nil, fmt.Errorf("auth: known_hosts: %w", err)
		}
		files = append(files, a.KnownHosts)
	}
	cb, err := gitssh.NewKnownHostsCallback(files...)
	if err != nil {
		return nil, fmt.Errorf("auth: load known_hosts (host keys are checked strictly; pass --known-hosts): %w", err)
	}
	return cb, nil
}

// validateURL rejects URLs that would silently do the wrong thing: sending
// credentials over plain http to anything but loopback (tests use that).
func validateURL(raw string, a Auth) error {
	if raw == "" {
		return errors.New("repository URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return nil // scp-like SSH addresses do not parse as URLs; fine
	}
	hasCreds := u.User != nil || a.TokenEnv != "" || a.TokenFile != ""
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return nil
	}
	if hasCreds {
		return fmt.Errorf("refusing to send credentials over plain http to %s; use https", u.Hostname())
	}
	return nil
}
