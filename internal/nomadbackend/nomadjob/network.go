package nomadjob

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/nomad/api"
)

// ECS network modes.
const (
	networkBridge = "bridge"
	networkHost   = "host"
	networkAwsvpc = "awsvpc"
	networkNone   = "none"
)

// portEntry is one ECS port mapping with the Nomad port label it became.
type portEntry struct {
	label         string
	containerPort int
	hostPort      int // 0 = dynamic
}

// portTable holds the port labels of every container (by container index), so that the
// task config and the health-check translation agree on labels.
type portTable map[int][]portEntry

// labelFor returns the label of containerPort in container i, if that port is mapped.
func (p portTable) labelFor(i, containerPort int) (string, bool) {
	for _, e := range p[i] {
		if e.containerPort == containerPort {
			return e.label, true
		}
	}
	return "", false
}

func (t *translator) networkMode() string {
	if t.td.NetworkMode == "" {
		return networkBridge // the ECS default
	}
	return t.td.NetworkMode
}

// network builds the group network block from every container's port mappings.
//
//   - bridge: Docker's default bridge network per container (like ECS), dynamic ports
//     `port "l" { to = containerPort }`, static ones with `static = hostPort`; the
//     group network itself stays in Nomad's "host" mode.
//   - host: the containers share the host network; ports are reserved statically so
//     the scheduler never places two users of a port on one node.
//   - awsvpc: a shared network namespace per allocation (group mode "bridge"), which is
//     what containers of one awsvpc task see: localhost between them, each port once per
//     task. The namespace's ports are mapped to dynamic host ports. Docker refuses
//     per-container DNS options in a shared namespace, so dnsServers and
//     dnsSearchDomains go to the group's network.dns (hostname and extraHosts are
//     refused by validation, as ECS refuses them).
//   - none: no network at all.
func (t *translator) network(tg *api.TaskGroup) error {
	mode := t.networkMode()
	switch mode {
	case networkBridge, networkHost, networkAwsvpc, networkNone:
	default:
		return fmt.Errorf("networkMode %q is not one of bridge, host, awsvpc, none", mode)
	}
	t.ports = portTable{}
	net := &api.NetworkResource{Mode: "host"}
	used := map[string]bool{}
	for i := range t.td.ContainerDefinitions {
		c := &t.td.ContainerDefinitions[i]
		for j, pm := range c.PortMappings {
			ref := t.containerField(i, fmt.Sprintf("portMappings[%d]", j))
			if pm.ContainerPortRange != "" {
				t.notes.unsupported(ref.child("containerPortRange"), "port ranges are not translated; no port of the range is reachable")
				continue
			}
			if pm.ContainerPort == nil {
				continue
			}
			if mode == networkNone {
				return fmt.Errorf("container %q: portMappings are not allowed with networkMode none", c.Name)
			}
			e := portEntry{containerPort: *pm.ContainerPort, label: uniqueLabel(used, c.Name, pm.Name, *pm.ContainerPort)}
			if pm.HostPort != nil {
				e.hostPort = *pm.HostPort
			}
			switch mode {
			case networkHost:
				e.hostPort = e.containerPort // ECS: hostPort is unset or equal in host mode
			case networkAwsvpc:
				// hostPort = containerPort is per-ENI in ECS; on a shared Nomad node it would
				// collide, so the host side is dynamic and maps to the container port.
				e.hostPort = 0
			}
			t.ports[i] = append(t.ports[i], e)
			addPort(net, e, mode)
			if pm.Protocol == "udp" {
				t.notes.approx(ref.child("protocol"), RuleNetwork, "Nomad's docker driver publishes the port for both tcp and udp")
			}
			if pm.AppProtocol != "" && t.svc.ServiceConnect() == nil {
				t.notes.unsupported(ref.child("appProtocol"), "Service Connect protocols are not translated")
			}
		}
	}
	t.firelensNetwork(net, used, mode)
	switch mode {
	case networkAwsvpc:
		net.Mode = "bridge"
		net.DNS = t.groupDNS()
	case networkNone:
		return nil
	}
	if net.Mode == "host" && len(net.DynamicPorts)+len(net.ReservedPorts) == 0 {
		return nil
	}
	tg.Networks = []*api.NetworkResource{net}
	return nil
}

// groupDNS joins the containers' dnsServers and dnsSearchDomains into the one DNS
// configuration of the shared namespace (first occurrence order). In ECS each container
// gets its own resolv.conf; here they share one, which only differs when the
// containers ask for different settings: that case is noted.
func (t *translator) groupDNS() *api.DNSConfig {
	var servers, searches []string
	var first []string // the DNS settings of the first container that has any
	differ := false
	for i := range t.td.ContainerDefinitions {
		c := &t.td.ContainerDefinitions[i]
		if len(c.DnsServers)+len(c.DnsSearchDomains) == 0 {
			continue
		}
		key := append(append(append([]string(nil), c.DnsServers...), "|"), c.DnsSearchDomains...)
		if first == nil {
			first = key
		} else if !slices.Equal(first, key) {
			differ = true
		}
		servers = appendNew(servers, c.DnsServers...)
		searches = appendNew(searches, c.DnsSearchDomains...)
	}
	if first == nil {
		return nil
	}
	if differ {
		for i := range t.td.ContainerDefinitions {
			c := &t.td.ContainerDefinitions[i]
			if len(c.DnsServers) > 0 {
				t.notes.approx(t.containerField(i, "dnsServers"), RuleNetwork, "the containers of an awsvpc task share one resolv.conf on Nomad: every container gets the DNS servers and search domains of all containers")
			} else if len(c.DnsSearchDomains) > 0 {
				t.notes.approx(t.containerField(i, "dnsSearchDomains"), RuleNetwork, "the containers of an awsvpc task share one resolv.conf on Nomad: every container gets the DNS servers and search domains of all containers")
			}
		}
	}
	return &api.DNSConfig{Servers: servers, Searches: searches}
}

func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// addPort declares e in the group network. Host mode has no port mapping, so the port is
// reserved as itself.
func addPort(net *api.NetworkResource, e portEntry, mode string) {
	p := api.Port{Label: e.label, To: e.containerPort}
	if mode == networkHost {
		p.To = 0
	}
	if e.hostPort != 0 {
		p.Value = e.hostPort
		net.ReservedPorts = append(net.ReservedPorts, p)
		return
	}
	net.DynamicPorts = append(net.DynamicPorts, p)
}

// uniqueLabel picks a deterministic port label: the port mapping's name, else
// "p<containerPort>"; a label taken by an earlier container is prefixed with this
// container's name. Nomad labels allow letters, digits and underscores only.
func uniqueLabel(used map[string]bool, container, name string, containerPort int) string {
	base := sanitizeLabel(name)
	if base == "" {
		base = fmt.Sprintf("p%d", containerPort)
	}
	label := base
	for n := 2; used[label]; n++ {
		label = sanitizeLabel(container) + "_" + base
		if n > 2 {
			label = fmt.Sprintf("%s_%s_%d", sanitizeLabel(container), base, n)
		}
	}
	used[label] = true
	return label
}

func sanitizeLabel(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
