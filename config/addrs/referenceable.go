package addrs

// Referenceable is an object that an HCL expression can refer to: the
// Subject of a [Reference]. The set is sealed by an unexported method, so a
// type switch over these types is exhaustive by construction:
//
//   - [InputVariable], [LocalValue], [ModuleCall], [ModuleCallOutput]
//   - [Resource], [ResourceInstance]
//   - [Cluster], [Application], [DeliveryPolicy], [Environment], [Guardrail]
//   - [PathAttr], [CountAttr], [ForEachAttr], [Self], [PlannedChange]
//
// String renders the reference as written in HCL, and [ParseRef] reads it
// back to an equal subject.
type Referenceable interface {
	referenceable()
	String() string
}

func (InputVariable) referenceable()    {}
func (LocalValue) referenceable()       {}
func (ModuleCall) referenceable()       {}
func (ModuleCallOutput) referenceable() {}
func (Resource) referenceable()         {}
func (ResourceInstance) referenceable() {}
func (Cluster) referenceable()          {}
func (Application) referenceable()      {}
func (DeliveryPolicy) referenceable()   {}
func (Environment) referenceable()      {}
func (Guardrail) referenceable()        {}
func (PathAttr) referenceable()         {}
func (CountAttr) referenceable()        {}
func (ForEachAttr) referenceable()      {}
func (Self) referenceable()             {}
func (PlannedChange) referenceable()    {}
