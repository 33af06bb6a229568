package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tackhq/tack/state"
)

// TestDeliveryInterrupted kills tack apply (SIGKILL, tack and its
// provider together, as the OOM killer or a lost CI runner would) as
// each step of a red/black deployment starts. After each kill the state
// file still reads, the next plan offers to finish the deployment (never
// to enable a group before its health gate), and apply converges to a
// plan with nothing to do, while a load on the cluster sees no failed
// request and no version but the old and the new.
func TestDeliveryInterrupted(t *testing.T) {
	t.Parallel()
	e := newE2E(t, `strategy = "red_black"
  red_black {
    delay_before_disable        = "1s"
    max_remaining_server_groups = 2
  }`, 2)
	e.mustApply("v1", nil)
	e.mustApply("v2", nil)

	// From v2 on, every deployment has the same seven steps: create,
	// wait, enable, wait again in service, wait 1s, disable the old
	// group, destroy the oldest.
	for k := 0; k < 7; k++ {
		from, to := fmt.Sprintf("v%d", k+2), fmt.Sprintf("v%d", k+3)
		t.Run(fmt.Sprintf("step%d", k+1), func(t *testing.T) {
			e.t = t
			rs := e.underLoad(func() {
				e.write(to, nil)
				killed := e.killApplyAt(k)

				// The state file reads, and the deployment is recorded as
				// not finished (unless the kill came after its last
				// step's work was saved).
				s := e.readState()
				c := s.Clusters["api-prod"]
				if c == nil || len(c.History) == 0 {
					t.Fatalf("after the kill at %q the state has no deployment recorded", killed)
				}

				plan := e.clusterPlan()
				t.Logf("killed at %q; the next plan: %s %q", killed, plan.Action, plan.descriptions())
				switch {
				case plan.Action == "resume":
					checkResume(t, plan, killed)
				case plan.Action == "deploy" && k == 0:
					// Killed before the group was created.
				case plan.Action == "no-op" && k == 6:
					// Killed after the last destroy went through.
				default:
					t.Fatalf("after the kill at %q the plan is %s (%s) with steps %q; want a resume", killed, plan.Action, plan.Reason, plan.descriptions())
				}
				if out, status := e.run("apply", "-auto-approve"); status != 0 {
					t.Fatalf("apply after the kill at %q: status %d\n%s", killed, status, out)
				}
				if out, status := e.run("plan", "-detailed-exitcode"); status != 0 {
					t.Fatalf("after converging, plan exited %d; want 0 (no changes)\n%s", status, out)
				}
			})
			checkNoFailures(t, rs)
			for _, r := range rs {
				if r.Err == nil && r.Body != from && r.Body != to {
					t.Errorf("%s answered; want only %s or %s", r, from, to)
				}
			}
			if last := rs[len(rs)-1]; last.Body != to {
				t.Errorf("after converging %s answered; want %s", last, to)
			}
		})
	}
	e.t = t
}

// killApplyAt starts tack apply -json and kills it, with its provider,
// once the deployment's step k (from 0) has started; it returns that
// step's description.
func (e *e2e) killApplyAt(k int) string {
	e.t.Helper()
	cmd := e.command("apply", "-json", "-auto-approve")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		var m struct {
			Type       string `json:"type"`
			Deployment *struct {
				Index int    `json:"index"`
				Step  string `json:"step"`
				Phase string `json:"phase"`
			} `json:"deployment"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil || m.Type != "deployment_step" || m.Deployment == nil {
			continue
		}
		if m.Deployment.Index == k && m.Deployment.Phase == "started" {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
			return m.Deployment.Step
		}
	}
	_ = cmd.Wait()
	e.t.Fatalf("tack apply ended before step %d started:\n%s\n%s", k, strings.Join(lines, "\n"), stderr.String())
	return ""
}

// readState reads the state file as tack would, failing the test when it
// does not parse.
func (e *e2e) readState() *state.State {
	e.t.Helper()
	f, err := os.Open(filepath.Join(e.dir, "tack.state.json"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	s, err := state.ReadFile(f)
	if err != nil {
		e.t.Fatalf("the state file does not read after the kill: %v", err)
	}
	return s
}

// jsonClusterChange is what these tests read of a plan's cluster change.
type jsonClusterChange struct {
	Action string `json:"action"`
	Reason string `json:"reason"`
	Group  string `json:"server_group"`
	Steps  []struct {
		Kind        string `json:"kind"`
		Group       string `json:"group"`
		Description string `json:"description"`
	} `json:"steps"`
}

func (c jsonClusterChange) descriptions() []string {
	var out []string
	for _, s := range c.Steps {
		out = append(out, s.Description)
	}
	return out
}

// clusterPlan saves a plan and reads its cluster change back from tack
// show -json.
func (e *e2e) clusterPlan() jsonClusterChange {
	e.t.Helper()
	if out, status := e.run("plan", "-out=next.plan"); status != 0 {
		e.t.Fatalf("tack plan: status %d\n%s", status, out)
	}
	cmd := exec.Command(e.tack, "show", "-json", "next.plan")
	cmd.Dir = e.dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		e.t.Fatalf("tack show -json next.plan: %v\n%s", err, stderr.String())
	}
	var p struct {
		Clusters []jsonClusterChange `json:"cluster_changes"`
	}
	if err := json.Unmarshal(out, &p); err != nil || len(p.Clusters) != 1 {
		e.t.Fatalf("reading the plan's cluster changes (%v):\n%s", err, out)
	}
	return p.Clusters[0]
}

// checkResume checks a resume's steps: the group it finishes passes its
// health gate before it is enabled, and nothing is enabled but it.
func checkResume(t *testing.T, c jsonClusterChange, killed string) {
	t.Helper()
	gated := false
	for _, s := range c.Steps {
		switch s.Kind {
		case "wait_healthy":
			gated = gated || s.Group == c.Group
		case "enable":
			if s.Group != c.Group || !gated {
				t.Errorf("after the kill at %q the resume enables %s before a health gate of %s: %q", killed, s.Group, c.Group, c.descriptions())
			}
		}
	}
	if !gated {
		t.Errorf("after the kill at %q the resume does not gate %s on its health: %q", killed, c.Group, c.descriptions())
	}
}
