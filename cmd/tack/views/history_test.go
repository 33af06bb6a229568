package views

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tackhq/tack/state"
)

func TestRenderClusters(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	s := state.New()
	s.Clusters["api-prod"] = &state.Cluster{
		Name:     "api-prod",
		Provider: state.ProviderRef{Source: "tack/local"},
		ServerGroups: []*state.ServerGroup{
			{Name: "api-prod-v001", Version: "v2", Capacity: state.Capacity{Desired: 3}, Enabled: true, Weight: 100},
			{Name: "api-prod-v002", Version: "v3", Capacity: state.Capacity{Desired: 1}, Enabled: true, Weight: 10},
		},
		History: []*state.Deployment{
			{
				ID: "d-1", ServerGroup: "api-prod-v001", Version: "v2", Strategy: "red_black", Kind: state.DeploymentDeploy,
				From: []string{"api-prod-v000"}, Outcome: state.DeploymentSucceeded, Started: at, Finished: at.Add(2500 * time.Millisecond),
				Steps: []state.DeploymentStep{
					{Description: "create api-prod-v001 (3 instances, disabled)", Started: at, Ended: at},
					{Description: "enable api-prod-v001", Started: at, Ended: at.Add(2500 * time.Millisecond)},
				},
			},
			{
				ID: "d-2", ServerGroup: "api-prod-v003", Version: "v4", Strategy: "red_black", Kind: state.DeploymentDeploy,
				Outcome: state.DeploymentRolledBack, Reason: "api-prod-v003 had 0/3 healthy instances", Started: at.Add(time.Hour), Finished: at.Add(time.Hour + 5*time.Second),
				Steps: []state.DeploymentStep{
					{Description: "wait until 3/3 healthy (deadline 5s)", Started: at.Add(time.Hour), Ended: at.Add(time.Hour + 5*time.Second), Error: "the platform stopped answering"},
					{Description: "disable api-prod-v003", Rollback: true},
				},
			},
			{ID: "d-3", ServerGroup: "api-prod-v004", Version: "v5", Strategy: "canary", Kind: state.DeploymentDeploy, Outcome: state.DeploymentInProgress, Started: at.Add(2 * time.Hour)},
		},
	}
	var b strings.Builder
	RenderClusters(&b, s)
	want := `# cluster.api-prod (tack/local)
  server groups:
    api-prod-v001  v2  3 instances  enabled
    api-prod-v002  v3  1 instance   enabled, 10% of traffic
  deployments, newest first:
    d-3  deploy api-prod-v004 (v5) by canary: in progress
      started 2026-11-26 11:30:00 UTC
    d-2  deploy api-prod-v003 (v4) by red_black: rolled back
      started 2026-11-26 10:30:00 UTC, took 5.0s
      why: api-prod-v003 had 0/3 healthy instances
      1. wait until 3/3 healthy (deadline 5s) — failed   5.0s
            the platform stopped answering
         rollback: disable api-prod-v003
    d-1  deploy api-prod-v001 (v2) by red_black from api-prod-v000: succeeded
      started 2026-11-26 09:30:00 UTC, took 2.5s
      1. create api-prod-v001 (3 instances, disabled)   0.0s
      2. enable api-prod-v001                           2.5s

`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("RenderClusters (-want +got):\n%s", diff)
	}
}
