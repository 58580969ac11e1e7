// Package connectproxy is ecsgit's Service Connect proxy: the sidecar that ecsgit adds
// to every task of a service with serviceConnectConfiguration, as the ECS agent adds its
// Service Connect (Envoy) container. It listens on one loopback address per client
// alias inside the task's network namespace (the alias name maps to that address in the
// task's /etc/hosts) and forwards each request or connection to a registered endpoint
// of the upstream service, read from a file that a Nomad template renders from Nomad's
// service catalog and re-renders whenever the catalog changes.
package connectproxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// Protocols a listener speaks.
const (
	// ProtocolHTTP proxies HTTP/1.1 requests one by one: each request goes to an
	// endpoint of its own, and a request that could not be delivered is retried on
	// another endpoint (ECS Service Connect's appProtocol http).
	ProtocolHTTP = "http"
	// ProtocolTCP forwards connections: a connection whose dial fails is retried on
	// another endpoint; bytes are copied both ways once connected.
	ProtocolTCP = "tcp"
)

// Config is the file the sidecar reads (JSON). The listeners are fixed by the task's
// translation; only their endpoints change while the task runs.
type Config struct {
	Listeners []Listener `json:"listeners"`
}

// Listener is one client alias.
type Listener struct {
	// Name is the alias (dnsName:port), for logs.
	Name string `json:"name"`
	// Listen is the loopback address and port the alias resolves to.
	Listen   string `json:"listen"`
	Protocol string `json:"protocol"`
	// Upstream is the Nomad service whose registrations the endpoints are.
	Upstream string `json:"upstream"`
	// Endpoints are host:port pairs of the upstream's registered tasks.
	Endpoints []string `json:"endpoints"`
	// RequestTimeoutSeconds bounds one request (HTTP) including its retries; 0 is the
	// ECS default of 15 s.
	RequestTimeoutSeconds int `json:"requestTimeoutSeconds,omitempty"`
	// IdleTimeoutSeconds closes a connection without traffic; 0 is the ECS default
	// (300 s for http, 3600 s for tcp).
	IdleTimeoutSeconds int `json:"idleTimeoutSeconds,omitempty"`
}

// ECS Service Connect's timeout defaults (ServiceConnectService.timeout).
const (
	DefaultRequestTimeout = 15 * time.Second
	DefaultHTTPIdle       = 300 * time.Second
	DefaultTCPIdle        = 3600 * time.Second
)

func (l *Listener) requestTimeout() time.Duration {
	if l.RequestTimeoutSeconds > 0 {
		return time.Duration(l.RequestTimeoutSeconds) * time.Second
	}
	return DefaultRequestTimeout
}

func (l *Listener) idleTimeout() time.Duration {
	switch {
	case l.IdleTimeoutSeconds > 0:
		return time.Duration(l.IdleTimeoutSeconds) * time.Second
	case l.Protocol == ProtocolTCP:
		return DefaultTCPIdle
	default:
		return DefaultHTTPIdle
	}
}

// ParseConfig decodes and checks a config file's content.
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decoding the proxy config: %w", err)
	}
	seen := map[string]bool{}
	var errs []error
	for i, l := range c.Listeners {
		if _, _, err := net.SplitHostPort(l.Listen); err != nil {
			errs = append(errs, fmt.Errorf("listeners[%d] %q: listen %q: %w", i, l.Name, l.Listen, err))
		}
		if seen[l.Listen] {
			errs = append(errs, fmt.Errorf("listeners[%d] %q: listen address %s is used twice", i, l.Name, l.Listen))
		}
		seen[l.Listen] = true
		if l.Protocol != ProtocolHTTP && l.Protocol != ProtocolTCP {
			errs = append(errs, fmt.Errorf("listeners[%d] %q: protocol %q is not http or tcp", i, l.Name, l.Protocol))
		}
		for _, e := range l.Endpoints {
			if _, _, err := net.SplitHostPort(e); err != nil {
				errs = append(errs, fmt.Errorf("listeners[%d] %q: endpoint %q: %w", i, l.Name, e, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &c, nil
}

// ReadConfig reads and parses the config file at path.
func ReadConfig(path string) (*Config, []byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, b, nil
}
