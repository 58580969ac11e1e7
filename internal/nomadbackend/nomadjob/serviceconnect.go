package nomadjob

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/nomad/api"

	"github.com/ecsgit/ecsgit/internal/connectproxy"
	"github.com/ecsgit/ecsgit/internal/spec"
)

// Service Connect (docs/traffic.md): ECS's agent adds a proxy container to each task of
// a Service Connect service, maps every client alias of the namespace to a 127.255.0.x
// address in the task's /etc/hosts, and the proxy listens there and forwards to the
// upstream's healthy tasks. ecsgit does the same with Nomad's parts:
//
//   - a provided endpoint (services[].portName) is a task service "sc-<namespace>-<discovery>"
//     in Nomad's native catalog, registered with address_mode "alloc": the allocation's
//     bridge address and the container port, which a proxy in another allocation's
//     namespace reaches over the host's routes between the clients' bridges;
//   - every task gets a prestart sidecar task ConnectProxyTask running ecsgit's proxy
//     (internal/connectproxy, image ConnectProxyImage); a Nomad template renders its
//     listeners and the upstreams' registrations from the catalog and re-renders on
//     every change (change_mode noop: the proxy re-reads the file, open connections
//     stay);
//   - docker extra_hosts map the aliases: in a bridge-mode group Nomad writes them into
//     the allocation's own hosts file (drivers/shared/hostnames), which Docker's own
//     extra_hosts would refuse for a container sharing a namespace.
const (
	ConnectProxyTask  = "ecs-service-connect"
	ConnectProxyImage = "ecsgit/connect-proxy:1"
	// ConnectServicePrefix starts the Nomad service name of every Service Connect endpoint.
	ConnectServicePrefix = "sc-"
	// ConnectTag marks the catalog entries of Service Connect endpoints.
	ConnectTag = "ecsgit.service-connect"
	// connectDrain is the least group shutdown_delay of a provider: the time between
	// the deregistration of a stopping task and its SIGTERM, in which every client's
	// template re-renders (a blocking query, well under a second here) and the proxies
	// stop choosing it. What reaches it in that window still finishes: the task has not
	// been signalled yet.
	connectDrain = 5 * time.Second
	connectCPU   = 50 // MHz and MiB the sidecar adds to the task (ECS reserves 256 CPU units and 64 MiB)
	connectMemMB = 32
	connectFile  = "local/connect-proxy.json"
)

// ConnectServiceName is the Nomad service a Service Connect endpoint registers under.
func ConnectServiceName(namespace, discovery string) string {
	return serviceName(ConnectServicePrefix+namespace, discovery)
}

// ConnectAlias is one address a Service Connect client can call.
type ConnectAlias struct {
	DNSName  string
	Port     int
	Listen   string // the loopback address:port the alias resolves to
	Upstream string // the Nomad service
	Protocol string
}

// ConnectAliases are the client aliases of namespace ns in d, each with the loopback
// address it gets: one address per dnsName (127.255.0.1, .2, … in dnsName order), so
// two aliases of one name on two ports share it, as in ECS.
func ConnectAliases(d *spec.Desired, ns string) []ConnectAlias {
	var out []ConnectAlias
	ips := map[string]string{}
	for _, e := range d.ConnectEndpoints(ns) {
		name := strings.ToLower(e.DNSName)
		ip, ok := ips[name]
		if !ok {
			n := len(ips) + 1
			ip = fmt.Sprintf("127.255.%d.%d", n/254, n%254+n/254) // skips .0 and .255
			ips[name] = ip
		}
		proto := connectproxy.ProtocolTCP
		if e.AppProtocol == "http" {
			proto = connectproxy.ProtocolHTTP
		}
		out = append(out, ConnectAlias{DNSName: e.DNSName, Port: e.Port, Listen: fmt.Sprintf("%s:%d", ip, e.Port),
			Upstream: ConnectServiceName(ns, e.Discovery), Protocol: proto})
	}
	return out
}

func (t *translator) serviceConnect(tg *api.TaskGroup) error {
	c := t.svc.ServiceConnect()
	if c == nil {
		return nil
	}
	if t.networkMode() != networkAwsvpc {
		// Validation refuses this (ECS-SVC-020); a caller that skipped it gets a note.
		t.notes.unsupported(t.svcField("serviceConnectConfiguration"), "Service Connect is translated for networkMode awsvpc only; this %s task gets no proxy and registers no endpoint", t.networkMode())
		return nil
	}
	ns := spec.ConnectNamespace(c.Namespace)
	ref := t.svcField("serviceConnectConfiguration")
	provider := false
	for i, cs := range c.Services {
		sref := ref.child(fmt.Sprintf("services[%d]", i))
		ci, port := t.portNamed(cs.PortName)
		if ci < 0 {
			return fmt.Errorf("serviceConnectConfiguration.services[%d]: portName %q is no port mapping's name", i, cs.PortName)
		}
		label, ok := t.ports.labelFor(ci, port)
		if !ok {
			return fmt.Errorf("serviceConnectConfiguration.services[%d]: port %q has no port label", i, cs.PortName)
		}
		// A group service: Nomad allows address_mode "alloc" there only. It is in the
		// catalog from the allocation's start (before the container listens: the
		// proxies retry another endpoint) until the group's shutdown_delay begins.
		tg.Services = append(tg.Services, &api.Service{
			Name:        ConnectServiceName(ns, cs.Discovery()),
			Provider:    "nomad",
			PortLabel:   label,
			AddressMode: "alloc",
			Tags:        []string{ConnectTag, "ecsgit.namespace=" + ns},
		})
		provider = true
		if pm := t.td.ContainerDefinitions[ci].PortMappings; true {
			for j, m := range pm {
				if m.Name == cs.PortName && (m.AppProtocol == "http2" || m.AppProtocol == "grpc") {
					t.notes.approx(t.containerField(ci, fmt.Sprintf("portMappings[%d].appProtocol", j)), RuleServiceConnect,
						"%s is forwarded as TCP: clients get no per-request balancing or retries (http is proxied per request)", m.AppProtocol)
				}
			}
		}
		if cs.IngressPortOverride != nil {
			t.notes.unsupported(sref.child("ingressPortOverride"), "there is no ingress proxy: clients reach the container port directly")
		}
		if len(cs.TLS) > 0 {
			t.notes.unsupported(sref.child("tls"), "traffic between the proxy and the endpoints is not encrypted")
		}
	}
	if len(c.LogConfiguration) > 0 {
		t.notes.unsupported(ref.child("logConfiguration"), "the proxy's logs go to Nomad's task logs of %s", ConnectProxyTask)
	}
	if len(c.AccessLogConfiguration) > 0 {
		t.notes.unsupported(ref.child("accessLogConfiguration"), "the proxy writes no access log; it logs failed requests and endpoint changes")
	}
	t.notes.approx(ref.child("enabled"), RuleServiceConnect,
		"Service Connect runs through ecsgit's proxy (sidecar %s): aliases resolve through the task's hosts file; http endpoints are proxied per request with a retry on another endpoint when one cannot be reached, others as TCP; an endpoint is in the catalog from its container's start until its stop (no health-check filtering), a refused one is skipped for 5 s; no TLS, no proxy metrics, no ingress proxy", ConnectProxyTask)
	all := ConnectAliases(t.d, ns)
	hosts := extraHosts(all)
	// The proxy cannot listen on a port a container of the task listens on (validation
	// allows that only for the service's own aliases): those calls reach the task itself.
	var aliases []ConnectAlias
	for _, a := range all {
		if t.listensOn(a.Port) {
			t.notes.approx(ref.child("services"), RuleServiceConnect, "alias %s:%d is on a port this task's own container listens on: its calls to the alias reach this task, not another task of the service", a.DNSName, a.Port)
			continue
		}
		aliases = append(aliases, a)
	}
	for _, task := range tg.Tasks {
		if task.Driver == "docker" && len(hosts) > 0 {
			own, _ := task.Config["extra_hosts"].([]string)
			task.Config["extra_hosts"] = append(slices.Clone(own), hosts...)
		}
	}
	if provider {
		// The group's delay runs after its services are deregistered and before any
		// task is signalled.
		delay := connectDrain
		if tg.ShutdownDelay != nil {
			delay = max(delay, *tg.ShutdownDelay)
		}
		tg.ShutdownDelay = &delay
	}
	if len(aliases) == 0 {
		return nil // nothing to listen on: no proxy
	}
	sidecar := &api.Task{
		Name:      ConnectProxyTask,
		Driver:    "docker",
		Config:    map[string]any{"image": ConnectProxyImage, "args": []string{"--config", "${NOMAD_TASK_DIR}/connect-proxy.json"}},
		Lifecycle: &api.TaskLifecycle{Hook: api.TaskLifecycleHookPrestart, Sidecar: true},
		Resources: &api.Resources{CPU: new(connectCPU), MemoryMB: new(connectMemMB)},
		Templates: []*api.Template{{
			EmbeddedTmpl: new(proxyTemplate(aliases, t.d, ns)),
			DestPath:     new(connectFile),
			ChangeMode:   new("noop"),
			// Render as soon as the catalog changes: the default quiescence wait
			// would keep a stopped task in the proxy's endpoints for seconds.
			Wait: &api.WaitConfig{Min: new(time.Duration(0)), Max: new(time.Duration(0))},
		}},
	}
	if len(hosts) > 0 {
		sidecar.Config["extra_hosts"] = hosts // the hosts file is the allocation's: every task writes the same
	}
	if task := tg.Tasks[0]; task.ShutdownDelay > 0 {
		sidecar.ShutdownDelay = task.ShutdownDelay // a load balancer's deregistration delay
	}
	tg.Tasks = append(tg.Tasks, sidecar)
	return nil
}

// listensOn reports whether a container of the task maps containerPort port.
func (t *translator) listensOn(port int) bool {
	for _, c := range t.td.ContainerDefinitions {
		for _, pm := range c.PortMappings {
			if pm.ContainerPort != nil && *pm.ContainerPort == port {
				return true
			}
		}
	}
	return false
}

// portNamed finds the container and container port of the port mapping called name.
func (t *translator) portNamed(name string) (int, int) {
	for i, c := range t.td.ContainerDefinitions {
		for _, pm := range c.PortMappings {
			if pm.Name == name && pm.ContainerPort != nil {
				return i, *pm.ContainerPort
			}
		}
	}
	return -1, 0
}

func extraHosts(aliases []ConnectAlias) []string {
	var hosts []string
	seen := map[string]bool{}
	for _, a := range aliases {
		ip, _, _ := strings.Cut(a.Listen, ":")
		if h := a.DNSName + ":" + ip; !seen[h] {
			seen[h] = true
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// proxyTemplate is the Nomad template of the proxy's config (connectproxy.Config): the
// listeners are fixed, each listener's endpoints a range over the upstream's catalog
// entries.
func proxyTemplate(aliases []ConnectAlias, d *spec.Desired, ns string) string {
	timeouts := map[string]*spec.ServiceConnectTimeout{}
	for _, e := range d.ConnectEndpoints(ns) {
		timeouts[fmt.Sprintf("%s:%d", e.DNSName, e.Port)] = e.Timeout
	}
	var b strings.Builder
	b.WriteString("{\"listeners\": [")
	for i, a := range aliases {
		if i > 0 {
			b.WriteString(",")
		}
		name := fmt.Sprintf("%s:%d", a.DNSName, a.Port)
		l := connectproxy.Listener{Name: name, Listen: a.Listen, Protocol: a.Protocol, Upstream: a.Upstream}
		if to := timeouts[name]; to != nil {
			l.RequestTimeoutSeconds = intOr(to.PerRequestTimeoutSeconds, 0)
			l.IdleTimeoutSeconds = intOr(to.IdleTimeoutSeconds, 0)
		}
		head, _ := json.Marshal(l)
		// The template writes the endpoints: a range over the upstream's registrations.
		endpoints := fmt.Sprintf(`"endpoints":[{{ range $i, $s := nomadService %q }}{{ if $i }},{{ end }}"{{ $s.Address }}:{{ $s.Port }}"{{ end }}]`, a.Upstream)
		b.WriteString("\n  " + strings.Replace(string(head), `"endpoints":null`, endpoints, 1))
	}
	b.WriteString("\n]}\n")
	return b.String()
}

// serviceRegistries registers each Cloud Map registry as a Nomad service named after
// the ECS service (a registry ARN carries the Cloud Map service's ID, not its name), so
// `nomad service info`, templates and ecsgit's Service Connect clients find the tasks.
// awsvpc tasks register their own address and container port (the Cloud Map A/SRV
// record of an awsvpc task); bridge and host tasks the host's address and port.
func (t *translator) serviceRegistries(tg *api.TaskGroup) error {
	for i, sr := range t.svc.ServiceRegistries {
		ref := t.svcField(fmt.Sprintf("serviceRegistries[%d]", i))
		// Validation reports a container or port that is not in the task definition;
		// a registry without a mapped port is noted and registers nothing.
		ci, port := t.registryPort(sr)
		label, ok := "", false
		if ci >= 0 {
			label, ok = t.ports.labelFor(ci, port)
		}
		ti := -1
		if ok {
			name := t.td.ContainerDefinitions[ci].Name
			ti = slices.IndexFunc(tg.Tasks, func(task *api.Task) bool { return task.Name == name })
		}
		if ti < 0 {
			t.notes.unsupported(ref, "no port mapping of the task matches the registry (containerName/containerPort or port): nothing is registered")
			continue
		}
		svc := &api.Service{Name: serviceName(t.svc.ServiceName, ""), Provider: "nomad", PortLabel: label,
			Tags: []string{"ecsgit.cloud-map"}}
		if id := registryID(sr.RegistryArn); id != "" {
			svc.Tags = append(svc.Tags, "ecsgit.cloud-map.service="+id)
		}
		if t.networkMode() == networkAwsvpc {
			// The allocation's own address, in a group service (the only place Nomad
			// allows address_mode alloc): registered from the allocation's start.
			svc.AddressMode = "alloc"
			tg.Services = append(tg.Services, svc)
		} else {
			// The host's address and port, registered once the container started.
			tg.Tasks[ti].Services = append(tg.Tasks[ti].Services, svc)
		}
		t.notes.approx(ref.child("registryArn"), RuleServiceRegistry,
			"registered in Nomad's service catalog as %q (the ECS service name: the ARN names no Cloud Map service name); no DNS name is served for it, and its records follow the task's start and stop, not its health check", svc.Name)
	}
	return nil
}

// registryPort is the container and port a registry names: containerName/containerPort,
// else the port mapping with port (awsvpc SRV records), else the first port mapping.
func (t *translator) registryPort(sr spec.ServiceRegistry) (int, int) {
	for i, c := range t.td.ContainerDefinitions {
		for _, pm := range c.PortMappings {
			if pm.ContainerPort == nil {
				continue
			}
			switch {
			case sr.ContainerName != "":
				if c.Name == sr.ContainerName && (sr.ContainerPort == nil || *sr.ContainerPort == *pm.ContainerPort) {
					return i, *pm.ContainerPort
				}
			case sr.Port != nil:
				if *sr.Port == *pm.ContainerPort {
					return i, *pm.ContainerPort
				}
			default:
				return i, *pm.ContainerPort
			}
		}
	}
	return -1, 0
}

// registryID is the service ID of a Cloud Map service ARN (…:service/srv-…).
func registryID(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return ""
}
