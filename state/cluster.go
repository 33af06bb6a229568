package state

import (
	"slices"
	"time"
)

// Cluster is what tack recorded of one cluster: its server groups and the
// deployments that made them. It is plain data; the delivery engine owns
// what the fields mean and will extend them.
type Cluster struct {
	Name     string // "api-prod"
	Provider ProviderRef
	// Config is the cluster's address in the configuration that declared
	// it, "cluster.api-prod"; a plan destroys a recorded cluster whose
	// address the configuration no longer has.
	Config string
	// Environment is the environment the cluster belonged to when last
	// planned, "prod"; empty when none. It says whether a destroy of a
	// cluster the configuration no longer has is one of a protected
	// environment.
	Environment string
	// Protected records that the environment was protected: a destroy of
	// the cluster is refused even once the environment's block is gone.
	Protected bool

	// ServerGroups are the cluster's live server groups, oldest first.
	ServerGroups []*ServerGroup

	// History is every deployment of the cluster, oldest first.
	History []*Deployment
}

// DeepCopy returns a copy of c that shares nothing mutable with it.
func (c *Cluster) DeepCopy() *Cluster {
	if c == nil {
		return nil
	}
	ret := &Cluster{Name: c.Name, Provider: c.Provider, Config: c.Config, Environment: c.Environment, Protected: c.Protected}
	if c.ServerGroups != nil {
		ret.ServerGroups = make([]*ServerGroup, len(c.ServerGroups))
		for i, sg := range c.ServerGroups {
			if sg != nil {
				sg2 := *sg
				sg = &sg2
			}
			ret.ServerGroups[i] = sg
		}
	}
	if c.History != nil {
		ret.History = make([]*Deployment, len(c.History))
		for i, d := range c.History {
			if d != nil {
				d2 := *d
				d2.From = slices.Clone(d.From)
				d2.Steps = slices.Clone(d.Steps)
				d = &d2
			}
			ret.History[i] = d
		}
	}
	return ret
}

// ServerGroup is one immutable version of a cluster.
type ServerGroup struct {
	Name      string // "api-prod-v042"
	Sequence  int    // 42, the number in the name
	Version   string // the artifact version it runs
	SpecHash  string // a hash of the launch settings, to notice a changed spec
	Capacity  Capacity
	Enabled   bool // whether it takes traffic
	Weight    int  // 0 to 100: its share of the traffic while enabled
	CreatedAt time.Time
}

// Capacity is a server group's number of instances.
type Capacity struct {
	Min, Desired, Max int
}

// Deployment is one delivery of a version to a cluster, or one change of
// a cluster that moved traffic: a resize, a teardown, a rollback.
type Deployment struct {
	ID          string
	ServerGroup string // the server group it delivered, "api-prod-v043"
	// From are the groups that took traffic before it, oldest first.
	From     []string
	Version  string
	Strategy string // "red_black", "rolling", "canary", "highlander", "none", or Kind's own
	// Kind is what the change was: one of the Deployment… kind
	// constants, or empty in a deployment recorded before tack recorded
	// kinds.
	Kind    string
	Outcome string // one of the Deployment… outcome constants
	Reason  string // why it failed or was rolled back; empty on success
	// Steps are the steps carried out, in order, each recorded as it
	// ended (or as it failed).
	Steps    []DeploymentStep
	Started  time.Time
	Finished time.Time // zero while in progress
}

// DeploymentStep is one step of a deployment as it was carried out.
type DeploymentStep struct {
	// Description is the step as the plan showed it, "enable
	// api-prod-v043".
	Description    string
	Started, Ended time.Time
	// Error is why the step failed; empty when it succeeded.
	Error string
	// Rollback is set on the steps that undid a failed deployment.
	Rollback bool
}

// The kinds of change a [Deployment] records.
const (
	DeploymentDeploy   = "deploy"   // a new server group
	DeploymentResize   = "resize"   // capacity only
	DeploymentDestroy  = "destroy"  // every group of the cluster
	DeploymentRollback = "rollback" // tack rollback: the previous group again
	DeploymentResume   = "resume"   // finishing a deployment an interrupted apply left
)

// The outcomes a [Deployment] records.
const (
	DeploymentInProgress = "in_progress"
	DeploymentSucceeded  = "succeeded"
	DeploymentRolledBack = "rolled_back"
	DeploymentFailed     = "failed"
	// DeploymentCanaryFailed is a canary that failed its analysis and was
	// removed; the previous group served throughout.
	DeploymentCanaryFailed = "canary_failed"
)

var deploymentKinds = []string{DeploymentDeploy, DeploymentResize, DeploymentDestroy, DeploymentRollback, DeploymentResume}

func validKind(s string) bool { return slices.Contains(deploymentKinds, s) }

var deploymentOutcomes = []string{DeploymentInProgress, DeploymentSucceeded, DeploymentRolledBack, DeploymentFailed, DeploymentCanaryFailed}

func validOutcome(s string) bool { return slices.Contains(deploymentOutcomes, s) }
