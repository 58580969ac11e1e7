package source

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"golang.org/x/crypto/ssh"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuthHTTPS(t *testing.T) {
	t.Setenv("GIT_TOKEN_TEST", " tok-1 \n")
	file := writeFile(t, "token", []byte("tok-2\n"))
	tests := []struct {
		name     string
		auth     Auth
		wantUser string
		wantPass string
		wantErr  bool
	}{
		{"none", Auth{}, "", "", false},
		{"env, default user", Auth{TokenEnv: "GIT_TOKEN_TEST"}, DefaultTokenUser, "tok-1", false},
		{"file, oauth2", Auth{TokenFile: file, Username: "oauth2"}, "oauth2", "tok-2", false},
		{"unset env", Auth{TokenEnv: "GIT_TOKEN_UNSET_XYZ"}, "", "", true},
		{"both", Auth{TokenEnv: "GIT_TOKEN_TEST", TokenFile: file}, "", "", true},
		{"missing file", Auth{TokenFile: "/nonexistent/token"}, "", "", true},
		{"ssh key on https", Auth{SSHKey: "/k"}, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.auth.method("https://example.com/org/repo.git")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr || tt.wantUser == "" {
				if m != nil {
					t.Fatalf("want no auth method, got %T", m)
				}
				return
			}
			ba, ok := m.(*githttp.BasicAuth)
			if !ok || ba.Username != tt.wantUser || ba.Password != tt.wantPass {
				t.Fatalf("got %#v", m)
			}
			if s := ba.String(); strings.Contains(s, tt.wantPass) {
				t.Fatalf("go-git's String() leaks the token: %s", s)
			}
		})
	}
}

// sshFixture is a client key, a host key and a known_hosts file naming the
// host key for "git.example.com".
type sshFixture struct {
	keyFile, knownHosts string
	hostKey, otherKey   ssh.PublicKey
}

func newSSHFixture(t *testing.T) sshFixture {
	t.Helper()
	_, clientPriv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(clientPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	hostPub, _, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	hk, _ := ssh.NewPublicKey(hostPub)
	ok, _ := ssh.NewPublicKey(otherPub)
	line := "git.example.com " + string(ssh.MarshalAuthorizedKey(hk))
	return sshFixture{
		keyFile:    writeFile(t, "id_ed25519", pem.EncodeToMemory(block)),
		knownHosts: writeFile(t, "known_hosts", []byte(line)),
		hostKey:    hk,
		otherKey:   ok,
	}
}

func TestAuthSSHKnownHosts(t *testing.T) {
	fx := newSSHFixture(t)
	m, err := Auth{SSHKey: fx.keyFile, KnownHosts: fx.knownHosts}.method("ssh://git@git.example.com/org/repo.git")
	if err != nil {
		t.Fatal(err)
	}
	keys, ok := m.(*gitssh.PublicKeys)
	if !ok || keys.User != "git" {
		t.Fatalf("got %#v", m)
	}
	addr := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 22}
	if err := keys.HostKeyCallback("git.example.com:22", addr, fx.hostKey); err != nil {
		t.Errorf("known host key rejected: %v", err)
	}
	if err := keys.HostKeyCallback("git.example.com:22", addr, fx.otherKey); err == nil {
		t.Error("a changed host key must be rejected")
	}
	if err := keys.HostKeyCallback("unknown.example.com:22", addr, fx.hostKey); err == nil {
		t.Error("an unknown host must be rejected (strict checking)")
	}

	// scp-like address: user from the address.
	m, err = Auth{SSHKey: fx.keyFile, KnownHosts: fx.knownHosts}.method("deploy@git.example.com:org/repo.git")
	if err != nil {
		t.Fatal(err)
	}
	if u := m.(*gitssh.PublicKeys).User; u != "deploy" {
		t.Errorf("user = %q, want deploy", u)
	}
}

func TestAuthSSHErrors(t *testing.T) {
	fx := newSSHFixture(t)
	garbage := writeFile(t, "bad_key", []byte("not a key"))
	tests := []struct {
		name string
		auth Auth
	}{
		{"missing known_hosts", Auth{SSHKey: fx.keyFile, KnownHosts: "/nonexistent/known_hosts"}},
		{"unreadable key", Auth{SSHKey: "/nonexistent/key", KnownHosts: fx.knownHosts}},
		{"not a key", Auth{SSHKey: garbage, KnownHosts: fx.knownHosts}},
		{"token on ssh", Auth{TokenEnv: "X", KnownHosts: fx.knownHosts}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.auth.method("ssh://git@git.example.com/org/repo.git"); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}
