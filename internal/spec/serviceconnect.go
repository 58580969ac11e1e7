package spec

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The Service Connect shapes (CreateService's serviceConnectConfiguration). The model
// keeps the field raw (checked against the SDK's types by the decoder, passthrough.go);
// ServiceConnect decodes the members ecsgit translates.
type ServiceConnectConfiguration struct {
	Enabled   bool                    `json:"enabled"`
	Namespace string                  `json:"namespace,omitempty"`
	Services  []ServiceConnectService `json:"services,omitempty"`
	// LogConfiguration is the proxy container's log configuration (not translated).
	LogConfiguration       json.RawMessage `json:"logConfiguration,omitempty"`
	AccessLogConfiguration json.RawMessage `json:"accessLogConfiguration,omitempty"`
}

type ServiceConnectService struct {
	PortName            string                      `json:"portName"`
	DiscoveryName       string                      `json:"discoveryName,omitempty"`
	ClientAliases       []ServiceConnectClientAlias `json:"clientAliases,omitempty"`
	IngressPortOverride *int                        `json:"ingressPortOverride,omitempty"`
	Timeout             *ServiceConnectTimeout      `json:"timeout,omitempty"`
	TLS                 json.RawMessage             `json:"tls,omitempty"`
}

type ServiceConnectClientAlias struct {
	Port             *int            `json:"port,omitempty"`
	DNSName          string          `json:"dnsName,omitempty"`
	TestTrafficRules json.RawMessage `json:"testTrafficRules,omitempty"`
}

type ServiceConnectTimeout struct {
	IdleTimeoutSeconds       *int `json:"idleTimeoutSeconds,omitempty"`
	PerRequestTimeoutSeconds *int `json:"perRequestTimeoutSeconds,omitempty"`
}

// Discovery is the name the service is registered under in its namespace: discoveryName,
// else the portName (ECS's default).
func (s *ServiceConnectService) Discovery() string {
	if s.DiscoveryName != "" {
		return s.DiscoveryName
	}
	return s.PortName
}

// AliasName is a client alias's dnsName, else the discovery name (ECS's default).
func (s *ServiceConnectService) AliasName(a ServiceConnectClientAlias) string {
	if a.DNSName != "" {
		return a.DNSName
	}
	return s.Discovery()
}

// ServiceConnect returns the service's Service Connect configuration when it is
// enabled, nil otherwise. A value the decoder already refused also gives nil.
func (s *Service) ServiceConnect() *ServiceConnectConfiguration {
	if len(s.ServiceConnectConfiguration) == 0 {
		return nil
	}
	var c ServiceConnectConfiguration
	if err := json.Unmarshal(s.ServiceConnectConfiguration, &c); err != nil || !c.Enabled {
		return nil
	}
	return &c
}

// ConnectNamespace is the namespace's name: a Cloud Map namespace ARN
// (arn:aws:servicediscovery:…:namespace/ns-…) stands for its last segment.
func ConnectNamespace(ns string) string {
	if i := strings.LastIndex(ns, "/"); i >= 0 && strings.HasPrefix(ns, "arn:") {
		return ns[i+1:]
	}
	return ns
}

// ConnectEndpoint is one client alias a service provides in a namespace.
type ConnectEndpoint struct {
	Namespace string
	Discovery string // the discovery name (the Nomad service the endpoints register under)
	DNSName   string
	Port      int
	Service   string // the ECS service providing it
	// Container and ContainerPort are the port mapping portName names.
	Container     string
	ContainerPort int
	// AppProtocol is the port mapping's appProtocol (http, http2, grpc or "").
	AppProtocol string
	Timeout     *ServiceConnectTimeout
}

// ConnectEndpoints lists the client aliases of every Service Connect service of
// namespace ns, sorted by dnsName and port: what a client of ns can call.
func (d *Desired) ConnectEndpoints(ns string) []ConnectEndpoint {
	if d.connectEndpoints != nil {
		return slices.Clone(d.connectEndpoints[ns])
	}
	return d.computeConnectEndpoints()[ns]
}

// computeConnectEndpoints lists the endpoints of every namespace in one pass over the
// services (a translation asks for its namespace's once per service: with thousands
// of services, a pass per service would be quadratic).
func (d *Desired) computeConnectEndpoints() map[string][]ConnectEndpoint {
	out := map[string][]ConnectEndpoint{}
	for _, s := range d.Services {
		c := s.ServiceConnect()
		td := d.TaskDefinitionFor(s)
		if c == nil || td == nil {
			continue
		}
		ns := ConnectNamespace(c.Namespace)
		for _, cs := range c.Services {
			ci, pm := td.portNamed(cs.PortName)
			if pm == nil {
				continue
			}
			for _, a := range cs.ClientAliases {
				if a.Port == nil {
					continue
				}
				out[ns] = append(out[ns], ConnectEndpoint{Namespace: ns, Discovery: cs.Discovery(), DNSName: cs.AliasName(a), Port: *a.Port,
					Service: s.ServiceName, Container: td.ContainerDefinitions[ci].Name, ContainerPort: *pm.ContainerPort,
					AppProtocol: pm.AppProtocol, Timeout: cs.Timeout})
			}
		}
	}
	for _, eps := range out {
		slices.SortFunc(eps, func(a, b ConnectEndpoint) int {
			if c := strings.Compare(a.DNSName, b.DNSName); c != 0 {
				return c
			}
			return a.Port - b.Port
		})
	}
	return out
}

// portNamed finds the port mapping called name (portMappings[].name) and its container.
func (td *TaskDefinition) portNamed(name string) (int, *PortMapping) {
	for i := range td.ContainerDefinitions {
		for j := range td.ContainerDefinitions[i].PortMappings {
			pm := &td.ContainerDefinitions[i].PortMappings[j]
			if pm.Name == name && name != "" && pm.ContainerPort != nil {
				return i, pm
			}
		}
	}
	return -1, nil
}

func (td *TaskDefinition) portNames() []string {
	var names []string
	for _, c := range td.ContainerDefinitions {
		for _, pm := range c.PortMappings {
			if pm.Name != "" {
				names = append(names, pm.Name)
			}
		}
	}
	return names
}

// finishServiceConnect checks what needs the whole repository: one service's task
// definition (portName, network mode) and the namespace (a discovery name or alias
// given twice, a client in a namespace nobody provides an endpoint in).
func (a *assembler) finishServiceConnect() {
	type owner = struct{ service, file string }
	discovery := map[string]owner{} // namespace/discoveryName
	aliases := map[string]owner{}   // namespace/dnsName:port
	providers := map[string]bool{}  // namespaces with at least one client alias
	var clients []*ServiceDoc
	for _, s := range a.d.Services {
		c := s.ServiceConnect()
		if c == nil {
			continue
		}
		const p = "serviceConnectConfiguration"
		if c.Namespace == "" {
			a.errorf(s.Positions().At(p), RuleServiceConnect, "%s: namespace is required when enabled is true (ecsgit has no cluster default namespace): name the namespace the service's endpoints and aliases live in", p)
			continue
		}
		ns := ConnectNamespace(c.Namespace)
		td := a.d.TaskDefinitionFor(s)
		if td == nil {
			continue // reported by checkServiceRefs
		}
		if mode := orDefault(td.NetworkMode, "bridge"); mode != "awsvpc" {
			a.errorf(s.Positions().At(p+".enabled"), RuleServiceConnect, "%s: task definition %q uses networkMode %s; ecsgit translates Service Connect for networkMode awsvpc only (the proxy shares the task's network namespace, and endpoints are the tasks' own addresses); ECS also allows bridge, ecsgit does not yet", p, td.Family, mode)
			continue
		}
		if len(c.Services) == 0 {
			clients = append(clients, s)
		}
		for i, cs := range c.Services {
			sp := fmt.Sprintf("%s.services[%d]", p, i)
			if _, pm := td.portNamed(cs.PortName); pm == nil {
				names := td.portNames()
				msg := fmt.Sprintf("%s.portName %q: no portMappings[].name of task definition %q is %q", sp, cs.PortName, td.Family, cs.PortName)
				if len(names) == 0 {
					msg += "; its port mappings have no name: add \"name\" to the port mapping the service provides"
				} else {
					msg += "; port names: " + strings.Join(names, ", ")
					if near := suggest(cs.PortName, names); near != "" {
						msg += "; did you mean \"" + near + "\"?"
					}
				}
				a.errorf(s.Positions().At(sp+".portName"), RuleServiceConnect, "%s", msg)
				continue
			}
			key := ns + "/" + cs.Discovery()
			if first, dup := discovery[key]; dup {
				a.errorf(s.Positions().At(sp+orIf(cs.DiscoveryName != "", ".discoveryName", ".portName")), RuleServiceConnectNamespace,
					"%s: discovery name %q is already used in namespace %q by service %q (%s); discovery names are unique per namespace: set a discoveryName of its own", sp, cs.Discovery(), ns, first.service, first.file)
			} else {
				discovery[key] = owner{s.ServiceName, s.Pos.File}
			}
			for j, al := range cs.ClientAliases {
				ap := fmt.Sprintf("%s.clientAliases[%d]", sp, j)
				if al.Port == nil {
					a.errorf(s.Positions().At(ap), RuleServiceConnect, "%s: port is required (1-65535): the port clients call the alias on, e.g. {\"dnsName\": %q, \"port\": 8080}", ap, cs.AliasName(al))
					continue
				}
				if *al.Port < 1 || *al.Port > 65535 {
					a.errorf(s.Positions().At(ap+".port"), RuleServiceConnect, "%s.port %d is outside 1-65535", ap, *al.Port)
					continue
				}
				akey := fmt.Sprintf("%s/%s:%d", ns, strings.ToLower(cs.AliasName(al)), *al.Port)
				if first, dup := aliases[akey]; dup {
					a.errorf(s.Positions().At(ap+orIf(al.DNSName != "", ".dnsName", ".port")), RuleServiceConnectNamespace,
						"%s: client alias %s:%d is already provided in namespace %q by service %q (%s); an alias names one service", ap, cs.AliasName(al), *al.Port, ns, first.service, first.file)
					continue
				}
				aliases[akey] = owner{s.ServiceName, s.Pos.File}
				providers[ns] = true
			}
		}
	}
	a.checkAliasPorts(aliases)
	a.d.connectEndpoints = a.d.computeConnectEndpoints()
	for _, s := range clients {
		c := s.ServiceConnect()
		ns := ConnectNamespace(c.Namespace)
		if !providers[ns] {
			a.errorf(s.Positions().At("serviceConnectConfiguration.namespace"), RuleServiceConnectNamespace,
				"serviceConnectConfiguration.namespace %q: no service of the repository provides a client alias in this namespace, so this client would have no alias to call; add the providing service (services[].portName and clientAliases) or correct the namespace", c.Namespace)
		}
	}
}

// checkAliasPorts refuses a Service Connect task whose containers listen on the port of
// another service's alias in its namespace. The task's proxy listens on the alias port
// at a 127.255.0.x address inside the task's namespace, and a container listening on
// all addresses on that port excludes it (Linux refuses the second bind); ECS redirects
// alias traffic with iptables rules instead, which ecsgit does not set up. A service's
// own alias on its own port is allowed: its calls reach its own container.
func (a *assembler) checkAliasPorts(aliases map[string]struct{ service, file string }) {
	type alias struct{ name, service string }
	byPort := map[string][]alias{} // namespace/port → the aliases on it
	for _, key := range mapKeys(aliases) {
		ns, name, _ := strings.Cut(key, "/")
		_, port, _ := strings.Cut(name, ":")
		byPort[ns+"/"+port] = append(byPort[ns+"/"+port], alias{name, aliases[key].service})
	}
	for _, s := range a.d.Services {
		c := s.ServiceConnect()
		td := a.d.TaskDefinitionFor(s)
		if c == nil || c.Namespace == "" || td == nil || td.NetworkMode != "awsvpc" {
			continue
		}
		ns := ConnectNamespace(c.Namespace)
		for _, cd := range td.ContainerDefinitions {
			for _, pm := range cd.PortMappings {
				if pm.ContainerPort == nil {
					continue
				}
				for _, al := range byPort[fmt.Sprintf("%s/%d", ns, *pm.ContainerPort)] {
					if al.service == s.ServiceName {
						continue
					}
					a.errorf(s.Positions().At("serviceConnectConfiguration"), RuleServiceConnect,
						"serviceConnectConfiguration: container %q of task definition %q listens on port %d, the port of client alias %s (service %q) in namespace %q; the task's Service Connect proxy must listen on that port, and ecsgit does not redirect alias traffic with iptables as ECS does: give the alias another port (clientAliases[].port) or the container another port", cd.Name, td.Family, *pm.ContainerPort, al.name, al.service, ns)
				}
			}
		}
	}
}

func orIf(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}
