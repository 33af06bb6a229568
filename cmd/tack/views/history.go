package views

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tackhq/tack/state"
)

// RenderClusters writes what tack show prints of the state's clusters:
// each cluster's server groups, then its deployments, newest first,
// each with its steps and how long they took.
//
//	# cluster.api-prod (tack/local)
//	  server groups:
//	    api-prod-v000  v1  3 instances  enabled
//	  deployments, newest first:
//	    d-1a2b3c4d5e6f  deploy api-prod-v000 (v1) by red_black: succeeded
//	      started 2026-11-26 00:40:12 UTC, took 2.1s
//	      1. create api-prod-v000 (3 instances, disabled)   0.0s
func RenderClusters(w io.Writer, s *state.State) {
	for _, name := range slices.Sorted(maps.Keys(s.Clusters)) {
		c := s.Clusters[name]
		fmt.Fprintf(w, "# cluster.%s (%s)\n", name, c.Provider.Source)
		if len(c.ServerGroups) == 0 {
			fmt.Fprintln(w, "  no server groups")
		} else {
			fmt.Fprintln(w, "  server groups:")
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			for _, g := range c.ServerGroups {
				traffic := "disabled"
				if g.Enabled {
					traffic = "enabled"
					if g.Weight > 0 && g.Weight < 100 {
						traffic = fmt.Sprintf("enabled, %d%% of traffic", g.Weight)
					}
				}
				fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", g.Name, safeText(g.Version), instanceCount(g.Capacity.Desired), traffic)
			}
			tw.Flush()
		}
		if len(c.History) > 0 {
			fmt.Fprintln(w, "  deployments, newest first:")
		}
		for i := len(c.History) - 1; i >= 0; i-- {
			renderDeployment(w, c.History[i])
		}
		fmt.Fprintln(w)
	}
}

func renderDeployment(w io.Writer, d *state.Deployment) {
	kind := d.Kind
	if kind == "" {
		kind = state.DeploymentDeploy
	}
	what := kind + " " + d.ServerGroup
	if d.Version != "" {
		what += " (" + safeText(d.Version) + ")"
	}
	if d.Strategy != "" && d.Strategy != kind {
		what += " by " + d.Strategy
	}
	if len(d.From) > 0 {
		what += " from " + strings.Join(d.From, ", ")
	}
	fmt.Fprintf(w, "    %s  %s: %s\n", d.ID, what, strings.ReplaceAll(d.Outcome, "_", " "))
	when := "started " + d.Started.UTC().Format("2006-01-02 15:04:05 MST")
	if !d.Finished.IsZero() {
		when += ", took " + roundDuration(d.Finished.Sub(d.Started))
	}
	fmt.Fprintf(w, "      %s\n", when)
	if d.Reason != "" {
		fmt.Fprintf(w, "      why: %s\n", safeText(d.Reason))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	n := 0
	for _, s := range d.Steps {
		label := "      "
		if s.Rollback {
			label += "   rollback: "
		} else {
			n++
			label += fmt.Sprintf("%d. ", n)
		}
		took := ""
		if !s.Ended.IsZero() && !s.Started.IsZero() {
			took = roundDuration(s.Ended.Sub(s.Started))
		}
		line := label + safeText(s.Description)
		if s.Error != "" {
			line += " — failed"
		}
		if took == "" {
			fmt.Fprintln(tw, line)
		} else {
			fmt.Fprintf(tw, "%s\t%s\n", line, took)
		}
		if s.Error != "" && !strings.Contains(d.Reason, s.Error) {
			// The reason above already says it when this step is why.
			fmt.Fprintf(tw, "%s   %s\n", strings.Repeat(" ", len(label)), safeText(s.Error))
		}
	}
	tw.Flush()
}

// roundDuration prints a duration to a tenth of a second: "2.1s".
func roundDuration(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}

func instanceCount(n int) string {
	if n == 1 {
		return "1 instance"
	}
	return fmt.Sprintf("%d instances", n)
}
