package spec

import "encoding/json"

// Elastic Load Balancing (elbv2) definitions in the repository: one JSON file per
// resource, in the --cli-input-json shape of `aws elbv2 create-load-balancer`,
// `create-listener`, `create-rule` and `create-target-group` (PascalCase members, as
// the ELB API spells them). ecsgit adds one member to the target group, Attributes (the
// list `modify-target-group-attributes` takes), since deregistration_delay is an
// attribute and not a CreateTargetGroup parameter.
//
// References between them use ARNs or names: an ARN's resource name is what is matched
// (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID, …:loadbalancer/app/NAME/ID).
// A listener has no name in ELB (its ARN is only known once created), so a rule's
// ListenerArn is "LOAD-BALANCER:PORT" (the load balancer's name or ARN, a colon and the
// listener's port), or a listener ARN when the load balancer has one listener.

// ELBLoadBalancer is the input of CreateLoadBalancer.
type ELBLoadBalancer struct {
	Name                         string          `json:"Name"`
	Subnets                      []string        `json:"Subnets,omitempty"`
	SubnetMappings               json.RawMessage `json:"SubnetMappings,omitempty"`
	SecurityGroups               []string        `json:"SecurityGroups,omitempty"`
	Scheme                       string          `json:"Scheme,omitempty"` // internet-facing | internal
	Tags                         []ELBTag        `json:"Tags,omitempty"`
	Type                         string          `json:"Type,omitempty"` // application (default) | network | gateway
	IpAddressType                string          `json:"IpAddressType,omitempty"`
	IpamPools                    json.RawMessage `json:"IpamPools,omitempty"`
	CustomerOwnedIpv4Pool        string          `json:"CustomerOwnedIpv4Pool,omitempty"`
	EnablePrefixForIpv6SourceNat string          `json:"EnablePrefixForIpv6SourceNat,omitempty"`
}

// ELBListener is the input of CreateListener.
type ELBListener struct {
	LoadBalancerArn      string          `json:"LoadBalancerArn"`
	Protocol             string          `json:"Protocol,omitempty"` // HTTP | HTTPS | TCP | …
	Port                 *int            `json:"Port,omitempty"`
	SslPolicy            string          `json:"SslPolicy,omitempty"`
	Certificates         json.RawMessage `json:"Certificates,omitempty"`
	DefaultActions       []ELBAction     `json:"DefaultActions"`
	AlpnPolicy           []string        `json:"AlpnPolicy,omitempty"`
	Tags                 []ELBTag        `json:"Tags,omitempty"`
	MutualAuthentication json.RawMessage `json:"MutualAuthentication,omitempty"`
}

// ELBRule is the input of CreateRule.
type ELBRule struct {
	ListenerArn string             `json:"ListenerArn"`
	Conditions  []ELBRuleCondition `json:"Conditions"`
	Priority    *int               `json:"Priority"`
	Actions     []ELBAction        `json:"Actions"`
	Tags        []ELBTag           `json:"Tags,omitempty"`
	Transforms  json.RawMessage    `json:"Transforms,omitempty"`
}

// ELBAction is a listener or rule action.
type ELBAction struct {
	Type                      string            `json:"Type"` // forward | fixed-response | redirect | authenticate-oidc | authenticate-cognito | jwt-validation
	TargetGroupArn            string            `json:"TargetGroupArn,omitempty"`
	Order                     *int              `json:"Order,omitempty"`
	ForwardConfig             *ELBForwardConfig `json:"ForwardConfig,omitempty"`
	FixedResponseConfig       json.RawMessage   `json:"FixedResponseConfig,omitempty"`
	RedirectConfig            json.RawMessage   `json:"RedirectConfig,omitempty"`
	AuthenticateOidcConfig    json.RawMessage   `json:"AuthenticateOidcConfig,omitempty"`
	AuthenticateCognitoConfig json.RawMessage   `json:"AuthenticateCognitoConfig,omitempty"`
	JwtValidationConfig       json.RawMessage   `json:"JwtValidationConfig,omitempty"`
}

// ELBForwardConfig forwards to one or more weighted target groups.
type ELBForwardConfig struct {
	TargetGroups                []ELBTargetGroupTuple `json:"TargetGroups,omitempty"`
	TargetGroupStickinessConfig json.RawMessage       `json:"TargetGroupStickinessConfig,omitempty"`
}

// ELBTargetGroupTuple is one weighted target group of a forward action.
type ELBTargetGroupTuple struct {
	TargetGroupArn string `json:"TargetGroupArn,omitempty"`
	Weight         *int   `json:"Weight,omitempty"`
}

// ELBRuleCondition is one condition of a rule. Values (the legacy form) and
// PathPatternConfig/HostHeaderConfig.Values are the same thing; ecsgit reads both.
type ELBRuleCondition struct {
	Field                   string           `json:"Field,omitempty"` // path-pattern | host-header | http-header | http-request-method | query-string | source-ip
	Values                  []string         `json:"Values,omitempty"`
	HostHeaderConfig        *ELBValuesConfig `json:"HostHeaderConfig,omitempty"`
	PathPatternConfig       *ELBValuesConfig `json:"PathPatternConfig,omitempty"`
	HttpHeaderConfig        json.RawMessage  `json:"HttpHeaderConfig,omitempty"`
	QueryStringConfig       json.RawMessage  `json:"QueryStringConfig,omitempty"`
	HttpRequestMethodConfig json.RawMessage  `json:"HttpRequestMethodConfig,omitempty"`
	SourceIpConfig          json.RawMessage  `json:"SourceIpConfig,omitempty"`
	RegexValues             []string         `json:"RegexValues,omitempty"`
}

// ELBValuesConfig is the Values list of a host-header or path-pattern condition.
type ELBValuesConfig struct {
	Values      []string `json:"Values,omitempty"`
	RegexValues []string `json:"RegexValues,omitempty"`
}

// ELBTargetGroup is the input of CreateTargetGroup, plus Attributes.
type ELBTargetGroup struct {
	Name                       string         `json:"Name"`
	Protocol                   string         `json:"Protocol,omitempty"`
	ProtocolVersion            string         `json:"ProtocolVersion,omitempty"`
	Port                       *int           `json:"Port,omitempty"`
	VpcId                      string         `json:"VpcId,omitempty"`
	HealthCheckProtocol        string         `json:"HealthCheckProtocol,omitempty"`
	HealthCheckPort            string         `json:"HealthCheckPort,omitempty"`
	HealthCheckEnabled         *bool          `json:"HealthCheckEnabled,omitempty"`
	HealthCheckPath            string         `json:"HealthCheckPath,omitempty"`
	HealthCheckIntervalSeconds *int           `json:"HealthCheckIntervalSeconds,omitempty"`
	HealthCheckTimeoutSeconds  *int           `json:"HealthCheckTimeoutSeconds,omitempty"`
	HealthyThresholdCount      *int           `json:"HealthyThresholdCount,omitempty"`
	UnhealthyThresholdCount    *int           `json:"UnhealthyThresholdCount,omitempty"`
	Matcher                    *ELBMatcher    `json:"Matcher,omitempty"`
	TargetType                 string         `json:"TargetType,omitempty"` // instance | ip | lambda | alb
	Tags                       []ELBTag       `json:"Tags,omitempty"`
	IpAddressType              string         `json:"IpAddressType,omitempty"`
	TargetControlPort          *int           `json:"TargetControlPort,omitempty"`
	Attributes                 []ELBAttribute `json:"Attributes,omitempty"`
}

// ELBMatcher is the HTTP (or gRPC) codes a health check accepts: "200", "200,202", "200-299".
type ELBMatcher struct {
	HttpCode string `json:"HttpCode,omitempty"`
	GrpcCode string `json:"GrpcCode,omitempty"`
}

// ELBAttribute is one key/value attribute (modify-target-group-attributes).
type ELBAttribute struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// ELBTag is an ELB resource tag.
type ELBTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value,omitempty"`
}

// ELB defaults (CreateTargetGroup API reference, HTTP/HTTPS target groups of an
// application load balancer; deregistration_delay.timeout_seconds: 300).
const (
	ELBDefaultHealthCheckPath     = "/"
	ELBDefaultHealthCheckInterval = 30
	ELBDefaultHealthCheckTimeout  = 5
	ELBDefaultHealthyThreshold    = 5
	ELBDefaultUnhealthyThreshold  = 2
	ELBDefaultMatcher             = "200"
	ELBDefaultDeregistrationDelay = 300
	// AttrDeregistrationDelay is the target-group attribute ECS drains by.
	AttrDeregistrationDelay = "deregistration_delay.timeout_seconds"
)

// LoadBalancerDoc, ListenerDoc, RuleDoc and TargetGroupDoc are ELB definitions as found
// in the repository, with positions.
type LoadBalancerDoc struct {
	ELBLoadBalancer
	Pos    Pos    `json:"-"`
	Fields PosMap `json:"-"`
}

type ListenerDoc struct {
	ELBListener
	Pos    Pos    `json:"-"`
	Fields PosMap `json:"-"`
	// LoadBalancer is the resolved load balancer name (set by the assembler).
	LoadBalancer string `json:"-"`
}

// Key identifies a listener: "LOAD-BALANCER:PORT".
func (l *ListenerDoc) Key() string { return listenerKey(l.LoadBalancer, intOrZero(l.Port)) }

type RuleDoc struct {
	ELBRule
	Pos    Pos    `json:"-"`
	Fields PosMap `json:"-"`
	// Listener is the resolved listener key (set by the assembler).
	Listener string `json:"-"`
}

type TargetGroupDoc struct {
	ELBTargetGroup
	Pos    Pos    `json:"-"`
	Fields PosMap `json:"-"`
}

// Attribute returns the value of attribute key, if set.
func (tg *ELBTargetGroup) Attribute(key string) (string, bool) {
	for _, a := range tg.Attributes {
		if a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

func intOrZero(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
