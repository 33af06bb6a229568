package planner

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config"
	"github.com/tackhq/tack/state"
)

// A plan with every kind of value survives saving and reading back.
func TestPlanFileRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.apply(twoFiles, PlanOpts{})
	if err := os.WriteFile(filepath.Join(f.dir, "a.txt"), []byte("drifted"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(twoFiles, `path    = "b.txt"`, `path    = "b2.txt"`, 1) + `
variable "secret" {
  type      = string
  sensitive = true
  default   = "hunter2"
}
resource "local_file" "stamp" {
  path    = "stamp.txt"
  content = "${uuid()}${var.secret}"
}
`
	plan := f.plan(src, PlanOpts{ConfigHash: "abc"})
	plan.Variables["secret"] = cty.StringVal("hunter2").Mark(config.Sensitive)
	if len(plan.Drift) == 0 || len(plan.Changes) != 3 {
		t.Fatalf("the fixture plan lacks drift or changes: %v %v", plan.Drift, actions(plan))
	}

	var buf bytes.Buffer
	if err := WritePlanFile(&buf, plan, "test"); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlanFile(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// The state inside records the tack version that wrote it.
	if diff := cmp.Diff(plan, got, CmpOptions, cmpopts.IgnoreFields(state.State{}, "TackVersion")); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestReadPlanFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"empty", "", "not a saved plan"},
		{"a state file", `{"format_version": 1, "lineage": "x", "serial": 1}`, "mode"},
		{"newer", `{"format_version": 9, "tack_version": "9.0.0"}`, "newer than this tack reads"},
		{"damaged value", `{"format_version": 1, "mode": "normal", "changes": [{"addr": "local_file.a", "action": "create", "before": {"msgpack": "AA=="}, "after": {"msgpack": "//8="}}]}`, "change of local_file.a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadPlanFile(strings.NewReader(tt.in))
			var pe *PlanFileError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadPlanFile(%q) = %v, want a *PlanFileError mentioning %q", tt.in, err, tt.want)
			}
		})
	}
}

func FuzzReadPlanFile(f *testing.F) {
	f.Add([]byte(`{"format_version": 1, "mode": "normal", "prior_state": {"format_version": 1, "lineage": "l", "serial": 0}}`))
	f.Add([]byte(`{"format_version": 1, "mode": "destroy", "changes": [{"addr": "local_file.a", "action": "delete", "before": {"msgpack": "wA=="}, "after": {"msgpack": "wA=="}}]}`))
	f.Add([]byte(`{"format_version": 1, "mode": "normal", "schemas": {"tack/local": {"local_file": {"attributes": {"path": {"type": "string"}}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadPlanFile(bytes.NewReader(data))
		if err != nil {
			return
		}
		// What reads must write and read back the same.
		var buf bytes.Buffer
		if err := WritePlanFile(&buf, p, "fuzz"); err != nil {
			t.Fatalf("a plan that was read cannot be written: %v", err)
		}
		if _, err := ReadPlanFile(&buf); err != nil {
			t.Fatalf("a plan that was written cannot be read: %v", err)
		}
	})
}
