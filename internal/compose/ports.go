package compose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ecsgit/ecsgit/internal/spec"
)

// ports maps `ports` (short and long syntax; compose-go has expanded ranges into one
// entry per port) and `expose` to portMappings.
func (s *svcConv) ports() {
	seen := map[string]bool{}
	if len(s.svc.Ports) > maxPorts {
		s.errorf(RuleValue, "ports", "%d port mappings (after expanding ranges): ECS-on-Nomad maps each port separately; more than %d are not translated", len(s.svc.Ports), maxPorts)
		return
	}
	for i, p := range s.svc.Ports {
		k := fmt.Sprintf("ports[%d]", i)
		pm := spec.PortMapping{ContainerPort: new(int(p.Target))}
		switch proto := strings.ToLower(p.Protocol); proto {
		case "", "tcp":
		case "udp":
			pm.Protocol = "udp"
		default:
			s.approx(k, "protocol %q: ECS knows tcp and udp only and treats anything else as tcp", p.Protocol)
		}
		if p.Published != "" {
			host, err := publishedPort(p.Published)
			switch {
			case err != nil:
				s.errorf(RuleValue, k, "published port %q: %v", p.Published, err)
				continue
			case strings.Contains(p.Published, "-"):
				s.approx(k, "published range %q for one container port: ECS maps one host port; %d is used", p.Published, host)
			}
			switch {
			case s.networkMode == "awsvpc" && host != int(p.Target):
				s.approx(k, "in a task that shares one network namespace (awsvpc) a port is reachable only as the container port: %d is not published as %d", p.Target, host)
			case s.networkMode == "host" && host != int(p.Target):
				s.approx(k, "with network_mode host the container port is the host port: %d is not remapped to %d", p.Target, host)
			default:
				pm.HostPort = new(host)
			}
		}
		if p.HostIP != "" && p.HostIP != "0.0.0.0" && p.HostIP != "::" {
			s.unsupported(k+".host_ip", "ECS publishes on every host address; binding to %s only is not possible", p.HostIP)
		}
		if p.Name != "" {
			pm.Name = p.Name
		}
		switch p.AppProtocol {
		case "":
		case "http", "http2", "grpc":
			pm.AppProtocol = p.AppProtocol
		default:
			s.unsupported(k+".app_protocol", "ECS knows http, http2 and grpc; %q is dropped", p.AppProtocol)
		}
		id := portID(pm)
		if seen[id] {
			continue
		}
		seen[id] = true
		s.field(fmt.Sprintf("portMappings[%d]", len(s.c.PortMappings)), k)
		s.c.PortMappings = append(s.c.PortMappings, pm)
	}
	s.expose(seen)
}

// expose lists ports that compose keeps inside the project network. ECS has no such
// network, so they become container ports without a fixed host port: reachable through
// Nomad service discovery on a dynamic host port (bridge), or on the task's address.
func (s *svcConv) expose(seen map[string]bool) {
	for i, e := range s.svc.Expose {
		k := fmt.Sprintf("expose[%d]", i)
		port, proto, _ := strings.Cut(e, "/")
		lo, hi, err := portRange(port)
		if err != nil {
			s.errorf(RuleValue, k, "expose %q: %v", e, err)
			continue
		}
		if hi-lo >= maxExposeRange {
			s.errorf(RuleValue, k, "expose %q: ranges of more than %d ports are not translated (each becomes a port mapping)", e, maxExposeRange)
			continue
		}
		for n := lo; n <= hi; n++ {
			pm := spec.PortMapping{ContainerPort: new(n)}
			if strings.EqualFold(proto, "udp") {
				pm.Protocol = "udp"
			}
			if id := portID(pm); !seen[id] && !seen[fmt.Sprintf("%d/%s", n, protoOf(pm))] {
				seen[id] = true
				s.field(fmt.Sprintf("portMappings[%d]", len(s.c.PortMappings)), k)
				s.c.PortMappings = append(s.c.PortMappings, pm)
			}
		}
		if s.networkMode == "bridge" {
			s.approx(k, "compose keeps an exposed port inside the project network; ECS bridge mode publishes it on a dynamic host port, which other services find through Nomad service discovery")
		}
	}
}

// maxPorts bounds the port mappings of one container; each becomes a Nomad port.
const maxPorts = 1000

// maxExposeRange bounds one expose range: ECS allows at most 100 port ranges per container.
const maxExposeRange = 100

func protoOf(pm spec.PortMapping) string {
	if pm.Protocol == "" {
		return "tcp"
	}
	return pm.Protocol
}

// portID identifies a container port for de-duplication (a port both published and
// exposed is mapped once; the published form wins since it comes first).
func portID(pm spec.PortMapping) string {
	return fmt.Sprintf("%d/%s", *pm.ContainerPort, protoOf(pm))
}

func publishedPort(p string) (int, error) {
	lo, _, err := portRange(p)
	return lo, err
}

func portRange(p string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(p, "-")
	if lo, err = strconv.Atoi(a); err != nil || lo < 0 || lo > 65535 {
		return 0, 0, fmt.Errorf("not a port number")
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(b); err != nil || hi < lo || hi > 65535 {
			return 0, 0, fmt.Errorf("not a port range")
		}
	}
	return lo, hi, nil
}
