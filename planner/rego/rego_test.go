package rego_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tackhq/tack/planner/rego"
)

// loadPlan reads testdata/plan.json as encoding/json decodes it, the form
// Eval is given.
func loadPlan(t testing.TB) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var plan any
	if err := json.Unmarshal(b, &plan); err != nil {
		t.Fatal(err)
	}
	return plan
}

// load loads the policies in testdata/<dir>, failing the test if that
// fails.
func load(t testing.TB, dir string) *rego.Policies {
	t.Helper()
	p, err := rego.Load(filepath.Join("testdata", dir))
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	return p
}

func TestEval(t *testing.T) {
	t.Parallel()
	// Both syntaxes of the same policy must say the same thing.
	stringMessages := []rego.Result{
		{Package: "main", Rule: "deny", Message: "local_file.a would be deleted; files are kept forever"},
		{Package: "main", Rule: "override_required", Message: "cluster.api-prod would run 1 instance, fewer than 2"},
		{Package: "main", Rule: "warn", Message: "cluster.api-prod deploys red/black in prod: capacity doubles during the deploy"},
	}
	tests := []struct {
		dir  string
		want []rego.Result
	}{
		{dir: "eval-v1", want: stringMessages},
		{dir: "eval-v0", want: stringMessages},
		{dir: "eval-structured", want: []rego.Result{
			{Package: "main", Rule: "deny", Message: "files are kept forever", Address: "local_file.a"},
			{Package: "main", Rule: "override_required", Message: "desired capacity 1 is fewer than 2", Address: "cluster.api-prod"},
			{Package: "main", Rule: "warn", Message: "the plan changes clusters"},
		}},
		{dir: "eval-two-packages", want: []rego.Result{
			{Package: "main", Rule: "deny", Message: "local_file.a would be deleted"},
			{Package: "tack.prod", Rule: "warn", Message: "red/black in prod", Address: "cluster.api-prod"},
		}},
		{dir: "eval-boolean", want: []rego.Result{
			{Package: "main", Rule: "deny", Message: "main.deny"},
		}},
		{dir: "eval-test-files-ignored", want: []rego.Result{
			{Package: "main", Rule: "deny", Message: "from policy.rego"},
		}},
		{dir: "eval-ordering", want: []rego.Result{
			{Package: "a", Rule: "override_required", Message: "only"},
			{Package: "a", Rule: "warn", Message: "y"},
			{Package: "a", Rule: "warn", Message: "z"},
			{Package: "b", Rule: "deny", Message: "first"},
			{Package: "b", Rule: "deny", Message: "second"},
			{Package: "b", Rule: "deny_z", Message: "from deny_z"},
			{Package: "b", Rule: "violation", Message: "from violation"},
			{Package: "b", Rule: "warn", Message: "no address"},
			{Package: "b", Rule: "warn", Message: "a", Address: "cluster.a"},
			{Package: "b", Rule: "warn", Message: "b", Address: "cluster.a"},
			{Package: "b", Rule: "warn", Message: "z", Address: "cluster.z"},
			{Package: "b", Rule: "warn_a", Message: "from warn_a"},
		}},
		// Each rule keeps its own name; denied, warning and violations
		// are not rules tack reads.
		{dir: "eval-conftest-names", want: []rego.Result{
			{Package: "main", Rule: "deny_red_black_in_prod", Message: "cluster.api-prod deploys red/black in prod"},
			{Package: "main", Rule: "violation", Message: "files are kept forever", Address: "local_file.a"},
			{Package: "main", Rule: "violation_capacity", Message: "desired capacity is fewer than 2", Address: "cluster.api-prod"},
			{Package: "main", Rule: "override_required_small", Message: "a small cluster needs a second look"},
			{Package: "main", Rule: "warn_clusters", Message: "the plan changes clusters"},
		}},
		{dir: "eval-no-rules", want: nil},
	}
	plan := loadPlan(t)
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			p := load(t, tt.dir)
			got, err := p.Eval(t.Context(), plan)
			if err != nil {
				t.Fatalf("Eval: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Eval results (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir string
		// want are the parts of the error a user needs to find and fix the
		// policy.
		want []string
	}{
		{dir: "eval-non-string-message", want: []string{
			"rule deny of policy package main gave a number (42)",
			`give a string message, or an object with a "msg" string`,
		}},
		{dir: "eval-object-without-msg", want: []string{
			"rule warn of policy package tack.prod",
			`whose "msg" is missing`,
		}},
		{dir: "eval-non-string-address", want: []string{
			"rule deny of policy package main",
			`whose "address" is a set or array (["local_file.a"])`,
		}},
		{dir: "eval-not-a-set", want: []string{
			`rule deny of policy package main is a string ("a single message"), not a set of results`,
			"deny contains msg if",
		}},
		{dir: "eval-conflict", want: []string{
			"evaluating rule deny of policy package tack.prod",
			"eval-conflict/policy.rego:",
			"produced conflicting values",
		}},
	}
	plan := loadPlan(t)
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			p := load(t, tt.dir)
			got, err := p.Eval(t.Context(), plan)
			if err == nil {
				t.Fatalf("Eval succeeded with %v, want an error", got)
			}
			checkError(t, err, tt.want)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir  string
		want []string
	}{
		{dir: "load-syntax-error", want: []string{
			// Relative to the directory's parent, with the line.
			"load-syntax-error/prod.rego:4: rego_parse_error: ",
			"non-terminated string",
			// Every file's mistakes at once, not only the first file's.
			"load-syntax-error/staging.rego:5: rego_parse_error: ",
		}},
		{dir: "load-v0-syntax-error", want: []string{
			// The v0 file's real mistake, not v1's complaint that rules
			// need "if".
			"load-v0-syntax-error/old.rego:10: rego_parse_error: unexpected } token",
		}},
		{dir: "load-compile-error", want: []string{
			"load-compile-error/prod.rego:5: rego_type_error: undefined function no_such_function",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			p, err := rego.Load(filepath.Join("testdata", tt.dir))
			if err == nil {
				t.Fatalf("Load succeeded with %v, want an error", p.Files())
			}
			checkError(t, err, tt.want)
		})
	}
}

// checkError fails t unless err's message contains each of want.
func checkError(t *testing.T, err error, want []string) {
	t.Helper()
	if msg := err.Error(); strings.Contains(msg, "error occurred") || strings.Contains(msg, "errors occurred") {
		t.Errorf("error starts its lines with OPA's count, not the file and line:\n%v", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not say %q:\n%v", w, err)
		}
	}
}

// TestLoadNothing checks that having no policies is not an error and
// that the nil *Policies it gives evaluates to nothing.
func TestLoadNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, dir string
	}{
		{name: "missing directory", dir: filepath.Join("testdata", "no-such-directory")},
		{name: "only conftest tests", dir: filepath.Join("testdata", "load-only-tests")},
		{name: "empty directory", dir: t.TempDir()},
	}
	plan := loadPlan(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := rego.Load(tt.dir)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if p != nil {
				t.Fatalf("Load gave policies %v, want nil", p.Files())
			}
			got, err := p.Eval(t.Context(), plan)
			if err != nil || got != nil {
				t.Errorf("Eval on nil = %v, %v; want nil, nil", got, err)
			}
			if files := p.Files(); files != nil {
				t.Errorf("Files on nil = %v, want nil", files)
			}
		})
	}
}

func TestFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir  string
		want []string
	}{
		{dir: "eval-test-files-ignored", want: []string{"testdata/eval-test-files-ignored/policy.rego"}},
		{dir: "eval-two-packages", want: []string{"testdata/eval-two-packages/main.rego", "testdata/eval-two-packages/prod.rego"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			var want []string
			for _, f := range tt.want {
				want = append(want, filepath.FromSlash(f))
			}
			if diff := cmp.Diff(want, load(t, tt.dir).Files()); diff != "" {
				t.Errorf("Files (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSources checks that Sources lists exactly the files Load reads: a
// saved plan hashes them to notice a policy that changed since, and a
// file Load reads but Sources leaves out would go unnoticed.
func TestSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b.rego"), "package b\n\nwarn contains \"b\" if true\n")
	write(t, filepath.Join(dir, "a.rego"), "package a\n\nwarn contains \"a\" if true\n")
	write(t, filepath.Join(dir, "a_test.rego"), "package a\n\ntest_a if true\n")
	write(t, filepath.Join(dir, "notes.md"), "not a policy\n")
	write(t, filepath.Join(dir, "k8s", "policy.rego"), "package k8s\n\nwarn contains \"k8s\" if true\n")
	got, err := rego.Sources(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.rego"), filepath.Join(dir, "b.rego")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sources (-want +got):\n%s", diff)
	}
	p, err := rego.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.Files(), got); diff != "" {
		t.Errorf("Sources differs from the files Load read (-Files +Sources):\n%s", diff)
	}
	if got, err := rego.Sources(filepath.Join(dir, "missing")); got != nil || err != nil {
		t.Errorf("Sources of a missing directory = %v, %v; want nil, nil", got, err)
	}
}

// TestLoadSubdirectoryIgnored checks that Load reads only the directory
// it is given: a team may keep other policies (conftest's, for other
// inputs) in subdirectories.
func TestLoadSubdirectoryIgnored(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "policy.rego"), "package main\n\nwarn contains \"top\" if true\n")
	write(t, filepath.Join(dir, "k8s", "policy.rego"), "package main\n\nwarn contains \"nested\" if true\n")
	p, err := rego.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Eval(t.Context(), map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	want := []rego.Result{{Package: "main", Rule: "warn", Message: "top"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Eval results (-want +got):\n%s", diff)
	}
}

// TestEvalConcurrent checks that one Policies serves many plans at once,
// as its doc comment promises; run with -race.
func TestEvalConcurrent(t *testing.T) {
	t.Parallel()
	p := load(t, "eval-two-packages")
	plan := loadPlan(t)
	want, err := p.Eval(t.Context(), plan)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			got, err := p.Eval(t.Context(), plan)
			if err != nil {
				errs <- err
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				errs <- fmt.Errorf("concurrent Eval results (-want +got):\n%s", diff)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestEvalCancelled checks that cancelling Eval's context stops a policy
// that is still running, as Ctrl-C must.
func TestEvalCancelled(t *testing.T) {
	t.Parallel()
	p := load(t, "eval-slow")
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	got, err := p.Eval(ctx, loadPlan(t))
	if err == nil {
		t.Fatalf("Eval of a policy that never ends gave %v, want an error", got)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Eval error does not wrap context.DeadlineExceeded: %v", err)
	}
	checkError(t, err, []string{"rule deny of policy package tack.slow"})
}

// write creates path, and its directory, holding src.
func write(t testing.TB, path, src string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzLoad feeds arbitrary policy text to Load and Eval: a policy file is
// outside input, and however wrong it is, it must give an error, never a
// panic.
func FuzzLoad(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*", "*.rego"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		if strings.Contains(s, "eval-slow") {
			continue // runs until the timeout below, on every go test
		}
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	plan := loadPlan(f)
	f.Fuzz(func(t *testing.T, src string) {
		dir := filepath.Join(t.TempDir(), "policy")
		write(t, filepath.Join(dir, "fuzz.rego"), src)
		p, err := rego.Load(dir)
		if err != nil {
			return
		}
		// A policy may rightly run for ever; that is not what this looks for.
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_, _ = p.Eval(ctx, plan)
	})
}

// BenchmarkEval measures evaluating a few policies on a plan with 1,000
// resource changes, the cost a policy check adds to every plan.
func BenchmarkEval(b *testing.B) {
	p := load(b, "eval-v1")
	plan := map[string]any{"format_version": "1.0"}
	var changes []any
	for i := range 1000 {
		actions := []any{"create"}
		if i%100 == 0 {
			actions = []any{"delete"}
		}
		changes = append(changes, map[string]any{
			"address": fmt.Sprintf("local_file.f[%d]", i),
			"type":    "local_file",
			"name":    "f",
			"index":   float64(i),
			"change": map[string]any{
				"actions": actions,
				"before":  map[string]any{"filename": fmt.Sprintf("f%d.txt", i), "content": "old"},
				"after":   map[string]any{"filename": fmt.Sprintf("f%d.txt", i), "content": "new"},
			},
		})
	}
	plan["resource_changes"] = changes
	plan["cluster_changes"] = loadPlan(b).(map[string]any)["cluster_changes"]
	b.ReportAllocs()
	for b.Loop() {
		got, err := p.Eval(b.Context(), plan)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != 12 { // 10 deletes, 1 override, 1 warning
			b.Fatalf("Eval gave %d results, want 12", len(got))
		}
	}
}

// TestRules lists the rules each package defines, and only those: a
// caller shows a package that passed as well as one that failed.
func TestRules(t *testing.T) {
	t.Parallel()
	got := load(t, "eval-two-packages").Rules()
	want := []rego.Rule{{Package: "main", Rule: rego.RuleDeny}, {Package: "tack.prod", Rule: rego.RuleWarn}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Rules (-want +got):\n%s", diff)
	}
	got = load(t, "eval-conftest-names").Rules()
	want = []rego.Rule{
		{Package: "main", Rule: "deny_red_black_in_prod"},
		{Package: "main", Rule: "violation"},
		{Package: "main", Rule: "violation_capacity"},
		{Package: "main", Rule: "override_required_small"},
		{Package: "main", Rule: "warn_clusters"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Rules of conftest's other names (-want +got):\n%s", diff)
	}
	if (*rego.Policies)(nil).Rules() != nil {
		t.Error("a nil *Policies has rules")
	}
}

// TestLevel checks the level of each rule name conftest reads, and that
// names merely starting alike have none: a deny_… rule that did not
// block, or a "denied" helper that did, would be a policy silently
// doing the wrong thing.
func TestLevel(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"deny":                     rego.RuleDeny,
		"deny_prod":                rego.RuleDeny,
		"violation":                rego.RuleDeny,
		"violation_k8s_labels":     rego.RuleDeny,
		"override_required":        rego.RuleOverrideRequired,
		"override_required_change": rego.RuleOverrideRequired,
		"warn":                     rego.RuleWarn,
		"warn_red_black":           rego.RuleWarn,
		"denied":                   "",
		"violations":               "",
		"warning":                  "",
		"override":                 "",
		"main":                     "",
		"":                         "",
	}
	for rule, want := range tests {
		if got := rego.Level(rule); got != want {
			t.Errorf("Level(%q) = %q, want %q", rule, got, want)
		}
	}
}
