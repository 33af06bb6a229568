package addrs

// Cluster is a cluster block: cluster.api-prod.
type Cluster struct{ Name string }

// Application is an application block: application.api.
type Application struct{ Name string }

// DeliveryPolicy is a delivery_policy block: delivery_policy.safe.
type DeliveryPolicy struct{ Name string }

// Environment is an environment block: environment.prod.
type Environment struct{ Name string }

// Guardrail is a guardrail block: guardrail.prod-keeps-two.
type Guardrail struct{ Name string }

// InputVariable is a variable block: var.region.
type InputVariable struct{ Name string }

// LocalValue is one entry of a locals block: local.tags.
type LocalValue struct{ Name string }

// OutputValue is an output block: output.endpoint. Expressions cannot refer
// to an output of their own module, so it is not [Referenceable]; a parent
// module reaches it as a [ModuleCallOutput].
type OutputValue struct{ Name string }

// ModuleCall is a module block, seen from the module that contains it:
// module.net. Referred to alone it is the object of all the called module's
// outputs (or a list or map of them when the call uses count or for_each).
type ModuleCall struct{ Name string }

// ModuleCallOutput is one output of a called module: module.net.vpc_id.
type ModuleCallOutput struct {
	Call ModuleCall
	Name string
}

// PathAttr is one of the path.* values: path.module, path.root or path.cwd.
type PathAttr struct{ Name string }

// CountAttr is count.index, the index of the current instance of an object
// that uses count.
type CountAttr struct{}

// ForEachAttr is each.key or each.value in an object that uses for_each.
type ForEachAttr struct{ Name string }

// Self is self, the object a provisioner or postcondition belongs to.
type Self struct{}

// PlannedChange is change, the planned change a guardrail's condition
// and message judge.
type PlannedChange struct{}

// ProviderConfig is a provider block as a resource's or cluster's provider
// argument names it: aws for the default configuration of the aws provider,
// aws.west for the one with alias = "west". This is the short form written
// in configuration, not the provider's source address (tack/aws); the local
// name is resolved to a source by the module's required_providers. It
// round-trips through [ParseProviderConfig].
type ProviderConfig struct {
	Type  string
	Alias string
}

func (a Cluster) String() string        { return "cluster." + a.Name }
func (a Application) String() string    { return "application." + a.Name }
func (a DeliveryPolicy) String() string { return "delivery_policy." + a.Name }
func (a Environment) String() string    { return "environment." + a.Name }
func (a Guardrail) String() string      { return "guardrail." + a.Name }
func (a InputVariable) String() string  { return "var." + a.Name }
func (a LocalValue) String() string     { return "local." + a.Name }
func (a OutputValue) String() string    { return "output." + a.Name }
func (a ModuleCall) String() string     { return "module." + a.Name }
func (a ModuleCallOutput) String() string {
	return a.Call.String() + "." + a.Name
}
func (a PathAttr) String() string    { return "path." + a.Name }
func (CountAttr) String() string     { return "count.index" }
func (a ForEachAttr) String() string { return "each." + a.Name }
func (Self) String() string          { return "self" }
func (PlannedChange) String() string { return "change" }
func (a ProviderConfig) String() string {
	if a.Alias == "" {
		return a.Type
	}
	return a.Type + "." + a.Alias
}

// Equal reports whether a and o are the same cluster.
func (a Cluster) Equal(o Cluster) bool { return a == o }

// Equal reports whether a and o are the same application.
func (a Application) Equal(o Application) bool { return a == o }

// Equal reports whether a and o are the same delivery policy.
func (a DeliveryPolicy) Equal(o DeliveryPolicy) bool { return a == o }

// Equal reports whether a and o are the same environment.
func (a Environment) Equal(o Environment) bool { return a == o }

// Equal reports whether a and o are the same guardrail.
func (a Guardrail) Equal(o Guardrail) bool { return a == o }

// Equal reports whether a and o are the same input variable.
func (a InputVariable) Equal(o InputVariable) bool { return a == o }

// Equal reports whether a and o are the same local value.
func (a LocalValue) Equal(o LocalValue) bool { return a == o }

// Equal reports whether a and o are the same output value.
func (a OutputValue) Equal(o OutputValue) bool { return a == o }

// Equal reports whether a and o are the same module call.
func (a ModuleCall) Equal(o ModuleCall) bool { return a == o }

// Equal reports whether a and o are the same output of the same call.
func (a ModuleCallOutput) Equal(o ModuleCallOutput) bool { return a == o }

// Equal reports whether a and o are the same path attribute.
func (a PathAttr) Equal(o PathAttr) bool { return a == o }

// Equal is always true: there is one count.index.
func (a CountAttr) Equal(o CountAttr) bool { return true }

// Equal reports whether a and o are the same each attribute.
func (a ForEachAttr) Equal(o ForEachAttr) bool { return a == o }

// Equal is always true: there is one self.
func (a Self) Equal(o Self) bool { return true }

// Equal reports true: there is one change in a guardrail's scope.
func (a PlannedChange) Equal(o PlannedChange) bool { return true }

// Equal reports whether a and o are the same provider configuration.
func (a ProviderConfig) Equal(o ProviderConfig) bool { return a == o }
