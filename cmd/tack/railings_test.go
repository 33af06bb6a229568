package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tackhq/tack/state"
)

// TestRenderRailings checks what tack show lists of the environments'
// records and the overrides: each environment's records in time order
// whatever list they are in, the overrides in time order, and text a user
// gave escaped so that it cannot drive the terminal.
func TestRenderRailings(t *testing.T) {
	t.Parallel()
	at := func(hour int) time.Time { return time.Date(2026, 5, 1, hour, 0, 0, 0, time.FixedZone("CEST", 2*3600)) }
	s := state.New()
	s.Environments["prod"] = &state.Environment{
		Name: "prod",
		Approvals: []*state.Decision{
			{Cluster: "api-prod", Version: "2.0", Actor: "ana", Reason: "canary looked fine", Time: at(10)},
			{Cluster: "api-prod", Version: "2.1", Actor: "bob", Time: at(13)},
		},
		Vetoes: []*state.Decision{{Version: "3.0", Actor: "bob", Reason: "leaks\x1b[31m memory\n", Time: at(11)}},
		Pin:    &state.Decision{Version: "1.9", Actor: "ana", Reason: "freeze", Time: at(12)},
	}
	s.Environments["staging"] = &state.Environment{Name: "staging"} // records nothing: not listed
	s.Overrides = []*state.Override{
		{Guardrail: "guardrail.prod-keeps-two", Changes: []string{"cluster.api-prod", "cluster.api-eu"}, Message: "production clusters keep at least two instances", Actor: "carol", Reason: "hotfix", Time: at(15)},
		{Guardrail: "policy.main", Actor: "dan", Reason: "rehearsal", Time: at(14)},
	}
	var buf bytes.Buffer
	renderRailings(&buf, s)
	want := `# environment.prod
  2026-05-01 08:00:00 UTC  approved 2.0 for cluster.api-prod, by ana: canary looked fine
  2026-05-01 09:00:00 UTC  vetoed 3.0, by bob: leaks\x1b[31m memory\n
  2026-05-01 10:00:00 UTC  pinned to 1.9, by ana: freeze
  2026-05-01 11:00:00 UTC  approved 2.1 for cluster.api-prod, by bob

# guardrail overrides
  2026-05-01 12:00:00 UTC  policy.main overridden by dan: rehearsal
  2026-05-01 13:00:00 UTC  guardrail.prod-keeps-two overridden by carol: hotfix
    failed on cluster.api-prod, cluster.api-eu: production clusters keep at least two instances

`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("renderRailings (-want +got):\n%s", diff)
	}

	buf.Reset()
	renderRailings(&buf, state.New())
	if buf.Len() != 0 {
		t.Errorf("renderRailings of a state with no records printed %q, want nothing", buf.String())
	}
}
