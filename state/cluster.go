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
	ret := &Cluster{Name: c.Name, Provider: c.Provider}
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

// Deployment is one delivery of a version to a cluster.
type Deployment struct {
	ID          string
	ServerGroup string // the server group it created, "api-prod-v043"
	Version     string
	Strategy    string // "red_black", "rolling", "canary", "highlander"
	Outcome     string // one of the Deployment… outcome constants
	Reason      string // why it failed or was rolled back; empty on success
	Started     time.Time
	Finished    time.Time // zero while in progress
}

// The outcomes a [Deployment] records.
const (
	DeploymentInProgress = "in_progress"
	DeploymentSucceeded  = "succeeded"
	DeploymentRolledBack = "rolled_back"
	DeploymentFailed     = "failed"
)

var deploymentOutcomes = []string{DeploymentInProgress, DeploymentSucceeded, DeploymentRolledBack, DeploymentFailed}

func validOutcome(s string) bool { return slices.Contains(deploymentOutcomes, s) }
