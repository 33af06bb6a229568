package config

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/zclconf/go-cty/cty"
)

// Module is one directory's configuration. Maps are keyed by the object's
// name within its kind (resources by "type.name").
type Module struct {
	// Dir is the directory the module was loaded from.
	Dir string

	RequiredVersion   []hcl.Expression
	RequiredProviders map[string]*RequiredProvider
	Backend           *Backend

	ProviderConfigs map[string]*Provider // "aws", or "aws.west" for an alias
	Variables       map[string]*Variable
	Locals          map[string]*Local
	Outputs         map[string]*Output
	Resources       map[string]*Resource // managed resources, "type.name"
	DataResources   map[string]*Resource // "type.name"
	ModuleCalls     map[string]*ModuleCall
	Moved           []*Moved
	Imports         []*Import

	Applications     map[string]*Application
	Clusters         map[string]*Cluster
	DeliveryPolicies map[string]*DeliveryPolicy
	Environments     map[string]*Environment
	Guardrails       map[string]*Guardrail
}

func newModule(dir string) *Module {
	return &Module{
		Dir:               dir,
		RequiredProviders: map[string]*RequiredProvider{},
		ProviderConfigs:   map[string]*Provider{},
		Variables:         map[string]*Variable{},
		Locals:            map[string]*Local{},
		Outputs:           map[string]*Output{},
		Resources:         map[string]*Resource{},
		DataResources:     map[string]*Resource{},
		ModuleCalls:       map[string]*ModuleCall{},
		Applications:      map[string]*Application{},
		Clusters:          map[string]*Cluster{},
		DeliveryPolicies:  map[string]*DeliveryPolicy{},
		Environments:      map[string]*Environment{},
		Guardrails:        map[string]*Guardrail{},
	}
}

// RequiredProvider is one entry of tack { required_providers { … } }.
type RequiredProvider struct {
	Name      string
	Source    string // "tack/local", "vendor/hello"
	Version   string // a version constraint, "~> 0.1"; empty for any
	DeclRange hcl.Range
}

// Backend is the tack { backend "TYPE" { … } } block; its body belongs to
// the backend and is decoded by the state package's chosen backend.
type Backend struct {
	Type      string
	Config    hcl.Body
	DeclRange hcl.Range
}

// Provider is a provider block.
type Provider struct {
	Name      string
	Alias     string
	Config    hcl.Body // decoded with the provider's schema
	DeclRange hcl.Range
}

// Key is the provider configuration's key in [Module.ProviderConfigs].
func (p *Provider) Key() string {
	if p.Alias == "" {
		return p.Name
	}
	return p.Name + "." + p.Alias
}

// Variable is a variable block.
type Variable struct {
	Name        string
	Description string
	// Type is the type constraint; cty.DynamicPseudoType when none.
	Type cty.Type
	// Defaults holds the defaults of optional() object attributes.
	Defaults    *typeexpr.Defaults
	Default     cty.Value // cty.NilVal when there is none
	Sensitive   bool
	Nullable    bool
	Validations []*Validation
	DeclRange   hcl.Range
}

// Validation is a validation or precondition: a condition and the message
// shown when it is false.
type Validation struct {
	Condition    hcl.Expression
	ErrorMessage hcl.Expression
	DeclRange    hcl.Range
}

// Local is one named value of a locals block.
type Local struct {
	Name      string
	Expr      hcl.Expression
	DeclRange hcl.Range
}

// Output is an output block.
type Output struct {
	Name        string
	Description string
	Expr        hcl.Expression
	Sensitive   bool
	DependsOn   []hcl.Traversal
	DeclRange   hcl.Range
}

// ResourceMode tells a managed resource from a data source.
type ResourceMode rune

const (
	ManagedMode ResourceMode = 'M'
	DataMode    ResourceMode = 'D'
)

// Resource is a resource or data block.
type Resource struct {
	Mode ResourceMode
	Type string
	Name string
	// Config is the body without meta-arguments, decoded later with the
	// schema the provider reports.
	Config hcl.Body

	Count     hcl.Expression // nil when absent
	ForEach   hcl.Expression // nil when absent
	DependsOn []hcl.Traversal
	// ProviderRef is the provider = NAME or NAME.ALIAS argument; nil for
	// the default configuration of the type's provider.
	ProviderRef *ProviderRef
	Lifecycle   Lifecycle

	DeclRange hcl.Range
	TypeRange hcl.Range
}

// ProviderRef is a reference to a provider configuration.
type ProviderRef struct {
	Name  string
	Alias string
	Range hcl.Range
}

// Lifecycle is a resource's lifecycle block.
type Lifecycle struct {
	PreventDestroy      bool
	CreateBeforeDestroy bool
	IgnoreChanges       []hcl.Traversal
	IgnoreAllChanges    bool
	ReplaceTriggeredBy  []hcl.Expression
}

// ModuleCall is a module block.
type ModuleCall struct {
	Name        string
	Source      string
	SourceRange hcl.Range
	Config      hcl.Body // the module's input variables
	Count       hcl.Expression
	ForEach     hcl.Expression
	DependsOn   []hcl.Traversal
	DeclRange   hcl.Range
}

// Moved is a moved block: state recorded at From now belongs to To.
type Moved struct {
	From, To  hcl.Traversal
	DeclRange hcl.Range
}

// Import is an import block: the object with ID becomes To.
type Import struct {
	To        hcl.Traversal
	ID        hcl.Expression
	DeclRange hcl.Range
}

// Application is an application block: a named service and its owner.
type Application struct {
	Name string
	// Owner is who answers for the application: a team address.
	Owner       hcl.Expression
	Description hcl.Expression
	DeclRange   hcl.Range
}

// Cluster is a cluster block: the server groups of one application in one
// stack and detail, named app-stack-detail.
type Cluster struct {
	Name        string
	Application hcl.Expression
	Stack       hcl.Expression
	Detail      hcl.Expression
	ProviderRef *ProviderRef
	Delivery    hcl.Expression
	Environment hcl.Expression
	// EnvironmentName is the environment Environment refers to, "prod";
	// empty when the cluster belongs to none.
	EnvironmentName string
	LoadBalancers   hcl.Expression
	Capacity        *Capacity
	// ServerGroup is the body of the server_group block, decoded with the
	// schema of the provider that hosts the cluster.
	ServerGroup hcl.Body
	DeclRange   hcl.Range
}

// Capacity is a cluster's capacity block.
type Capacity struct {
	Min, Desired, Max hcl.Expression
	DeclRange         hcl.Range
}

// DeliveryPolicy is a delivery_policy block: how a cluster moves from one
// server group to the next: its strategy, the strategy's settings, and the
// health gate, rollback and window.
type DeliveryPolicy struct {
	Name      string
	Strategy  hcl.Expression
	Settings  DeliverySettings
	Body      hcl.Body
	DeclRange hcl.Range
}

// Environment is an environment block: a stage and its promotion
// constraints.
type Environment struct {
	Name      string
	DependsOn []hcl.Traversal
	// Upstream are the names of the environments DependsOn refers to.
	Upstream []string
	// Soak is how long a version must have run healthy upstream.
	Soak           hcl.Expression
	ManualApproval hcl.Expression
	// Protected forbids destroying its clusters.
	Protected    hcl.Expression
	AllowedTimes *SettingsBlock // days, hours, time_zone
	DeclRange    hcl.Range
}

// Guardrail is a guardrail block: a policy evaluated on the plan.
type Guardrail struct {
	Name        string
	Enforcement string // advisory, overridable or mandatory
	Condition   hcl.Expression
	Message     hcl.Expression
	AppliesTo   hcl.Expression
	// Enabled turns the guardrail off when false.
	Enabled hcl.Expression
	// MaxDrop is capacity-drop's ratio of a cluster's capacity one apply
	// may take away.
	MaxDrop hcl.Expression
	// Builtin is set for a block that configures one of
	// [BuiltinGuardrails]; its condition is tack's own.
	Builtin   bool
	DeclRange hcl.Range
}
