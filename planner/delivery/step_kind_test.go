package delivery

import "testing"

// Saved plans and the JSON plan write kinds by name: every kind has one,
// and it reads back.
func TestStepKindNames(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for k := StepCreate; k <= StepDestroy; k++ {
		name := k.String()
		if name == "invalid" || seen[name] {
			t.Errorf("kind %d is named %q", int(k), name)
		}
		seen[name] = true
		if got, ok := ParseStepKind(name); !ok || got != k {
			t.Errorf("ParseStepKind(%q) = %d, %v; want %d", name, int(got), ok, int(k))
		}
	}
	if _, ok := ParseStepKind("invalid"); ok {
		t.Error(`ParseStepKind("invalid") succeeded`)
	}
	if s := StepKind(0).String(); s != "invalid" {
		t.Errorf("StepKind(0) = %q, want invalid", s)
	}
}
