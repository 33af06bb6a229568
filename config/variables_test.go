package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// varModule writes files into a fresh directory and loads it.
func varModule(t *testing.T, files map[string]string) (*Parser, *Module) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := NewParser()
	m, diags := p.LoadModule(dir)
	if diags.HasErrors() {
		t.Fatalf("loading: %s", diags.Error())
	}
	return p, m
}

const varDecls = `
variable "region" {
  type    = string
  default = "eu-west-1"
}
variable "replicas" {
  type = number
}
variable "tags" {
  type    = map(string)
  default = {}
}
variable "token" {
  type      = string
  sensitive = true
  default   = "s3cret"
}
`

func TestVariablePrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		files      map[string]string
		in         VariableInputs
		wantRegion string
		wantFrom   SourceKind
	}{
		{"default", nil, VariableInputs{Args: []VarArg{{Value: "replicas=1"}}}, "eu-west-1", FromDefault},
		{"environment over default", nil,
			VariableInputs{Env: []string{"TACK_VAR_region=env", "TACK_VAR_replicas=1"}}, "env", FromEnv},
		{"auto file over environment", map[string]string{"a.auto.tackvars": `region = "auto-a"`},
			VariableInputs{Env: []string{"TACK_VAR_region=env", "TACK_VAR_replicas=1"}}, "auto-a", FromAutoFile},
		{"later auto file wins, JSON included", map[string]string{"a.auto.tackvars": `region = "auto-a"`, "b.auto.tackvars.json": `{"region": "auto-b"}`},
			VariableInputs{Args: []VarArg{{Value: "replicas=1"}}}, "auto-b", FromAutoFile},
		{"-var over auto file", map[string]string{"a.auto.tackvars": `region = "auto-a"`},
			VariableInputs{Args: []VarArg{{Value: "region=cli"}, {Value: "replicas=1"}}}, "cli", FromArgs},
		{"later argument wins: -var-file after -var", map[string]string{"prod.tackvars": `region = "from-file"`},
			VariableInputs{Args: []VarArg{{Value: "region=cli"}, {File: true, Value: "prod.tackvars"}, {Value: "replicas=1"}}}, "from-file", FromArgs},
		{"later argument wins: -var after -var-file", map[string]string{"prod.tackvars": `region = "from-file"`},
			VariableInputs{Args: []VarArg{{File: true, Value: "prod.tackvars"}, {Value: "region=cli"}, {Value: "replicas=1"}}}, "cli", FromArgs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"main.tack.hcl": varDecls}
			for k, v := range tt.files {
				files[k] = v
			}
			p, m := varModule(t, files)
			for i, a := range tt.in.Args {
				if a.File {
					tt.in.Args[i].Value = filepath.Join(m.Dir, a.Value)
				}
			}
			got, diags := p.VariableValues(m, tt.in)
			if diags.HasErrors() {
				t.Fatalf("unexpected errors: %s", diags.Error())
			}
			if r := got["region"]; r.Value.AsString() != tt.wantRegion || r.Source.Kind != tt.wantFrom {
				t.Errorf("region = %q from %v, want %q from %v", r.Value.AsString(), r.Source.Kind, tt.wantRegion, tt.wantFrom)
			}
		})
	}
}

func TestVariableValuesConvertAndMark(t *testing.T) {
	t.Parallel()
	p, m := varModule(t, map[string]string{"main.tack.hcl": varDecls})
	got, diags := p.VariableValues(m, VariableInputs{
		Env:  []string{"TACK_VAR_replicas=3", "TACK_VAR_undeclared=x", "PATH=/bin"},
		Args: []VarArg{{Value: `tags={ team = "edge" }`}},
	})
	if diags.HasErrors() {
		t.Fatalf("unexpected errors: %s", diags.Error())
	}
	if diff := cmp.Diff(cty.NumberIntVal(3).GoString(), got["replicas"].Value.GoString()); diff != "" {
		t.Errorf("replicas from the environment, parsed as a number (-want +got):\n%s", diff)
	}
	if want := cty.MapVal(map[string]cty.Value{"team": cty.StringVal("edge")}); !got["tags"].Value.RawEquals(want) {
		t.Errorf("tags = %#v, want %#v", got["tags"].Value, want)
	}
	if !got["token"].Value.HasMark(Sensitive) {
		t.Errorf("the sensitive variable's value is not marked sensitive")
	}
	if got["region"].Value.HasMark(Sensitive) {
		t.Errorf("a plain variable's value is marked sensitive")
	}
}

func TestVariableValueErrorsNameTheVariableAndSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		files     map[string]string
		in        VariableInputs
		wantParts []string
		severity  hcl.DiagnosticSeverity
	}{
		{"missing required", nil, VariableInputs{}, []string{`No value for required variable`, `"replicas"`, "TACK_VAR_replicas"}, hcl.DiagError},
		{"bad number from the environment", nil, VariableInputs{Env: []string{"TACK_VAR_replicas=three"}},
			[]string{`"replicas"`, "the environment variable TACK_VAR_replicas"}, hcl.DiagError},
		{"bad type from -var", nil, VariableInputs{Args: []VarArg{{Value: "replicas=[1]"}}},
			[]string{`"replicas"`, "-var", "number"}, hcl.DiagError},
		{"bad type from a file", map[string]string{"x.auto.tackvars": "replicas = \"many\"\n"}, VariableInputs{},
			[]string{`"replicas"`, "x.auto.tackvars line 1"}, hcl.DiagError},
		{"not NAME=VALUE", nil, VariableInputs{Args: []VarArg{{Value: "replicas"}}}, []string{"Invalid -var option", "NAME=VALUE"}, hcl.DiagError},
		{"undeclared -var with a suggestion", nil, VariableInputs{Args: []VarArg{{Value: "replica=1"}}},
			[]string{"Value for undeclared variable", `Did you mean "replicas"?`}, hcl.DiagError},
		{"undeclared in a file warns", map[string]string{"x.auto.tackvars": "replicas = 1\nregoin = \"x\"\n"}, VariableInputs{},
			[]string{"Value for undeclared variable", `Did you mean "region"?`}, hcl.DiagWarning},
		{"missing -var-file", nil, VariableInputs{Args: []VarArg{{File: true, Value: "/no/such/file.tackvars"}, {Value: "replicas=1"}}},
			[]string{"Cannot read variables file", "/no/such/file.tackvars"}, hcl.DiagError},
		{"reference in a variables file", map[string]string{"x.auto.tackvars": "replicas = var.other\n"}, VariableInputs{},
			[]string{"must be a literal value", "x.auto.tackvars"}, hcl.DiagError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"main.tack.hcl": varDecls}
			for k, v := range tt.files {
				files[k] = v
			}
			p, m := varModule(t, files)
			_, diags := p.VariableValues(m, tt.in)
			var found *hcl.Diagnostic
			for _, d := range diags {
				if d.Severity == tt.severity && containsAll(d.Summary+" "+d.Detail, tt.wantParts) {
					found = d
				}
			}
			if found == nil {
				t.Errorf("no %v diagnostic mentions %q; got:\n%s", tt.severity, tt.wantParts, renderDiags(diags))
			}
		})
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// A directory whose name holds glob characters still has its auto files
// read, and only its own.
func TestAutoFilesInAGlobNamedDirectory(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	for _, d := range []string{"m[1]", "m*", "mother"} {
		mustWrite(t, filepath.Join(parent, d, "main.tack.hcl"), `variable "region" { default = "default" }`)
	}
	mustWrite(t, filepath.Join(parent, "m[1]", "a.auto.tackvars"), `region = "from m[1]"`)
	mustWrite(t, filepath.Join(parent, "mother", "a.auto.tackvars"), `region = "from mother"`)
	for dir, want := range map[string]string{"m[1]": "from m[1]", "m*": "default"} {
		p := NewParser()
		m, diags := p.LoadModule(filepath.Join(parent, dir))
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		got, diags := p.VariableValues(m, VariableInputs{})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		if s := got["region"].Value.AsString(); s != want {
			t.Errorf("in %s, region = %q, want %q", dir, s, want)
		}
	}
}

// JSON syntax's "${…}" templates are evaluated in constant checks.
func TestConstantChecksEvaluateJSONTemplates(t *testing.T) {
	t.Parallel()
	_, diags := NewParser().LoadSource(t.TempDir(), map[string][]byte{"main.tack.json": []byte(`{
  "delivery_policy": {"c": {"strategy": "canary", "canary": {"weight": "${10 * 2}", "duration": "${lower(\"5M\")}"}}},
  "resource": {"local_file": {"a": {"path": "a", "count": "${1 + 1}"}}}
}`)})
	if len(diags) > 0 {
		t.Errorf("valid JSON templates gave:\n%s", renderDiags(diags))
	}
}

func TestVariableValidations(t *testing.T) {
	t.Parallel()
	const decls = `
variable "replicas" {
  type = number
  validation {
    condition     = var.replicas >= 2
    error_message = "Run at least two replicas, so that one can fail."
  }
  validation {
    condition     = var.replicas <= 10
    error_message = "At most 10 replicas, not ${var.replicas}."
  }
}
variable "token" {
  type      = string
  sensitive = true
  validation {
    condition     = length(var.token) > 8
    error_message = "Token ${var.token} is too short."
  }
}
`
	tests := []struct {
		name      string
		files     map[string]string
		in        VariableInputs
		wantParts [][]string
		wantLine  int // of the first diagnostic's subject, in the tackvars file or main.tack.hcl
	}{
		{"all rules hold", nil, VariableInputs{Args: []VarArg{{Value: "replicas=3"}, {Value: "token=long-enough"}}}, nil, 0},
		{"too few, from -var", nil, VariableInputs{Args: []VarArg{{Value: "replicas=1"}, {Value: "token=long-enough"}}},
			[][]string{{"Run at least two replicas", "var.replicas (from -var)", "main.tack.hcl:5"}}, 2},
		{"too many, from a file, the message shows the value", map[string]string{"x.auto.tackvars": "replicas = 11\ntoken = \"long-enough\"\n"}, VariableInputs{},
			[][]string{{"At most 10 replicas, not 11.", "x.auto.tackvars"}}, 1},
		{"a sensitive message is not shown", nil, VariableInputs{Args: []VarArg{{Value: "replicas=3"}, {Value: "token=short"}}},
			[][]string{{"derived from a sensitive value", "var.token"}}, 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files := map[string]string{"main.tack.hcl": decls}
			for k, v := range tt.files {
				files[k] = v
			}
			p, m := varModule(t, files)
			values, diags := p.VariableValues(m, tt.in)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			diags = CheckVariableValidations(m, values)
			if len(diags) != len(tt.wantParts) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(diags), len(tt.wantParts), renderDiags(diags))
			}
			for i, d := range diags {
				if !containsAll(d.Summary+" "+d.Detail, tt.wantParts[i]) {
					t.Errorf("diagnostic %d does not mention %q:\n%s", i, tt.wantParts[i], renderDiags(diags))
				}
				if strings.Contains(d.Detail, "short") && strings.Contains(d.Detail, "Token") {
					t.Errorf("a sensitive value reached a message: %s", d.Detail)
				}
			}
			if len(diags) > 0 && (diags[0].Subject == nil || diags[0].Subject.Start.Line != tt.wantLine) {
				t.Errorf("first diagnostic at %v, want line %d", diags[0].Subject, tt.wantLine)
			}
		})
	}
}
