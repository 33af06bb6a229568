package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/tackhq/tack/config/addrs"
)

// Sensitive is the cty mark on the value of a variable declared sensitive:
// whatever prints values must check for it (cty refuses to compare or
// convert marked values carelessly, so a forgotten check fails loudly).
// It is the plain string "sensitive", the same mark the state package
// records, so that values keep their sensitivity through state and plans.
const Sensitive = "sensitive"

// SourceKind says where a variable's value came from, in the order of
// precedence: a later kind overrides an earlier one, and within -var and
// -var-file the later argument wins, as in Terraform.
type SourceKind int

const (
	// FromDefault is the declaration's default.
	FromDefault SourceKind = iota
	// FromEnv is a TACK_VAR_name environment variable.
	FromEnv
	// FromAutoFile is a *.auto.tackvars or *.auto.tackvars.json file in
	// the configuration directory, read in name order.
	FromAutoFile
	// FromArgs is -var NAME=VALUE or -var-file FILE on the command line.
	FromArgs
)

// ValueSource is where one value came from, for messages: "the
// environment variable TACK_VAR_region", "prod.tackvars:3", "-var".
type ValueSource struct {
	Kind        SourceKind
	Description string
	// Range is the value's place in a file, when it has one.
	Range *hcl.Range
}

// rawValue is a value as given, before it is converted to the variable's
// type: an expression from a file or the command line, or a string from
// the environment.
type rawValue struct {
	expr   hcl.Expression // nil for an environment string
	str    string
	source ValueSource
}

// VarArg is one -var or -var-file argument, in command-line order.
type VarArg struct {
	File  bool   // -var-file
	Value string // NAME=VALUE for -var, a path for -var-file
}

// VariableInputs says where to look for variable values; cmd/tack fills it
// from the command line and the process environment.
type VariableInputs struct {
	// Env is the environment as KEY=VALUE; only TACK_VAR_ names count.
	Env []string
	// Args are the -var and -var-file arguments in order.
	Args []VarArg
}

// InputValue is a variable's final value and where it came from.
type InputValue struct {
	Value  cty.Value
	Source ValueSource
}

// VariableValues gathers values for the module's variables from every
// source, with Terraform's precedence (TACK_VAR_ environment variables,
// then *.auto.tackvars files in name order, then -var and -var-file in
// the order given), converts each to its variable's type, applies
// defaults, and marks sensitive values. Every problem is a diagnostic
// naming the variable and the source of the bad value; the parser keeps
// the files it read for snippets.
func (p *Parser) VariableValues(m *Module, in VariableInputs) (map[string]*InputValue, hcl.Diagnostics) {
	raw := map[string]*rawValue{}
	var diags hcl.Diagnostics

	for _, kv := range in.Env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, "TACK_VAR_") {
			continue
		}
		varName := strings.TrimPrefix(name, "TACK_VAR_")
		if _, declared := m.Variables[varName]; !declared {
			continue // as Terraform: the environment is shared, so extra names are not an error
		}
		raw[varName] = &rawValue{str: value, source: ValueSource{Kind: FromEnv, Description: "the environment variable " + name}}
	}

	// Listed, not globbed: a directory name may hold glob characters.
	var autoFiles []string
	if entries, err := os.ReadDir(m.Dir); err == nil {
		for _, e := range entries {
			if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".auto.tackvars") || strings.HasSuffix(n, ".auto.tackvars.json")) {
				autoFiles = append(autoFiles, filepath.Join(m.Dir, n))
			}
		}
		sort.Strings(autoFiles)
	}
	for _, f := range autoFiles {
		diags = append(diags, p.readVarFile(m, f, FromAutoFile, raw)...)
	}

	for _, arg := range in.Args {
		if arg.File {
			diags = append(diags, p.readVarFile(m, arg.Value, FromArgs, raw)...)
			continue
		}
		name, value, ok := strings.Cut(arg.Value, "=")
		if !ok || name == "" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid -var option",
				Detail:   fmt.Sprintf("The option -var=%q is not of the form NAME=VALUE, as in -var='region=eu-west-1'.", arg.Value),
			})
			continue
		}
		name = strings.TrimSpace(name)
		if _, declared := m.Variables[name]; !declared {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Value for undeclared variable",
				Detail:   fmt.Sprintf("A value was given with -var for %q, but the configuration declares no such variable.%s Declare it with a variable block, or remove the option.", name, Suggest(name, variableNames(m))),
			})
			continue
		}
		raw[name] = &rawValue{str: value, source: ValueSource{Kind: FromArgs, Description: "-var"}}
	}

	out := map[string]*InputValue{}
	for _, name := range variableNames(m) {
		v := m.Variables[name]
		rv, given := raw[name]
		if !given {
			if v.Default == cty.NilVal {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "No value for required variable",
					Detail:   fmt.Sprintf("Variable %q has no default, so it needs a value: set it with -var='%s=…', in a *.auto.tackvars file, or as TACK_VAR_%s.", name, name, name),
					Subject:  v.DeclRange.Ptr(),
				})
				continue
			}
			out[name] = &InputValue{Value: markIfSensitive(v, v.Default), Source: ValueSource{Kind: FromDefault, Description: "its default", Range: v.DeclRange.Ptr()}}
			continue
		}
		val, vdiags := rv.value(v)
		diags = append(diags, vdiags...)
		if vdiags.HasErrors() {
			continue
		}
		out[name] = &InputValue{Value: markIfSensitive(v, val), Source: rv.source}
	}
	return out, diags
}

func markIfSensitive(v *Variable, val cty.Value) cty.Value {
	if v.Sensitive {
		return val.Mark(Sensitive)
	}
	return val
}

// value converts a raw value to the variable's type. A string from the
// environment or -var is taken literally for a string variable, and
// parsed as an HCL expression for any other type, as Terraform does.
func (rv *rawValue) value(v *Variable) (cty.Value, hcl.Diagnostics) {
	var val cty.Value
	switch {
	case rv.expr != nil:
		var diags hcl.Diagnostics
		val, diags = rv.expr.Value(nil)
		if diags.HasErrors() {
			return cty.NilVal, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("The value for variable %q from %s must be a literal value: a variables file cannot refer to variables or other objects.", v.Name, rv.source.Description),
				Subject:  rv.expr.Range().Ptr(),
			}}
		}
	case v.Type == cty.String || v.Type == cty.DynamicPseudoType:
		val = cty.StringVal(rv.str)
	default:
		expr, diags := hclsyntax.ParseExpression([]byte(rv.str), rv.source.Description, hcl.InitialPos)
		if !diags.HasErrors() {
			val, diags = expr.Value(nil)
		}
		if diags.HasErrors() {
			return cty.NilVal, hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("The value for variable %q from %s is not a valid %s: %s. Write it as you would in a configuration file, for example [\"a\", \"b\"] or { size = 2 }.", v.Name, rv.source.Description, typeexpr.TypeString(v.Type), diags[0].Summary),
				Subject:  v.DeclRange.Ptr(),
			}}
		}
	}
	if v.Defaults != nil {
		val = v.Defaults.Apply(val)
	}
	converted, err := convert.Convert(val, v.Type)
	if err != nil {
		d := &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("The value for variable %q from %s does not fit its type %s: %s.", v.Name, rv.source.Description, typeexpr.TypeString(v.Type), err),
			Subject:  v.DeclRange.Ptr(),
		}
		if rv.source.Range != nil {
			d.Subject = rv.source.Range
		}
		return cty.NilVal, hcl.Diagnostics{d}
	}
	if converted.IsNull() && !v.Nullable {
		d := &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("Variable %q is not nullable, but %s sets it to null.", v.Name, rv.source.Description),
			Subject:  v.DeclRange.Ptr(),
		}
		if rv.source.Range != nil {
			d.Subject = rv.source.Range
		}
		return cty.NilVal, hcl.Diagnostics{d}
	}
	return converted, nil
}

// readVarFile reads one variables file (HCL, or JSON for *.json) into raw.
func (p *Parser) readVarFile(m *Module, path string, kind SourceKind, raw map[string]*rawValue) hcl.Diagnostics {
	src, err := os.ReadFile(path)
	if err != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read variables file",
			Detail:   fmt.Sprintf("tack could not read %s: %s.", path, err),
		}}
	}
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(path, ".json") {
		f, diags = p.p.ParseJSON(src, path)
	} else {
		f, diags = p.p.ParseHCL(src, path)
	}
	if diags.HasErrors() {
		return diags
	}
	attrs, adiags := f.Body.JustAttributes()
	diags = append(diags, adiags...)
	for _, name := range sortedAttrNames(attrs) {
		attr := attrs[name]
		if _, declared := m.Variables[name]; !declared {
			// Terraform warns rather than fails here: one file often
			// serves several configurations.
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Value for undeclared variable",
				Detail:   fmt.Sprintf("%s sets %q, but the configuration declares no such variable; the value is ignored.%s", path, name, Suggest(name, variableNames(m))),
				Subject:  attr.NameRange.Ptr(),
			})
			continue
		}
		desc := fmt.Sprintf("%s line %d", path, attr.Range.Start.Line)
		raw[name] = &rawValue{expr: attr.Expr, source: ValueSource{Kind: kind, Description: desc, Range: attr.Expr.Range().Ptr()}}
	}
	return diags
}

func variableNames(m *Module) []string {
	names := make([]string, 0, len(m.Variables))
	for name := range m.Variables {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// CheckVariableValidations evaluates the validation rules of the module's
// variables against their values. A rule whose condition is false is an
// error showing its error_message, placed at the value when it came from a
// file and otherwise at the variable; a rule that cannot be decided yet
// (a value only known after apply) is skipped.
func CheckVariableValidations(m *Module, values map[string]*InputValue) hcl.Diagnostics {
	scope := &Scope{Data: inputData(values), ModuleDir: m.Dir, RootDir: m.Dir, Pure: true}
	var diags hcl.Diagnostics
	for _, name := range sortedKeys(m.Variables) {
		v := m.Variables[name]
		in, ok := values[name]
		if !ok {
			continue
		}
		for _, rule := range v.Validations {
			ok, d := scope.EvalExpr(rule.Condition, cty.Bool)
			diags = append(diags, d...)
			if d.HasErrors() || !ok.IsKnown() {
				continue
			}
			ok, _ = ok.Unmark()
			if ok.IsNull() {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid validation result",
					Detail:   "The condition is null; it must be true or false.",
					Subject:  rule.Condition.Range().Ptr(),
				})
				continue
			}
			if ok.True() {
				continue
			}
			msg, d := scope.EvalExpr(rule.ErrorMessage, cty.String)
			diags = append(diags, d...)
			text := "The value does not satisfy the rule."
			switch {
			case msg.IsMarked():
				text = "The error message is derived from a sensitive value, so it is not shown."
			case msg.IsKnown() && !msg.IsNull():
				text = msg.AsString()
			}
			subject := v.DeclRange
			if in.Source.Range != nil {
				subject = *in.Source.Range
			}
			cond := rule.Condition.Range()
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail: fmt.Sprintf("%s\n\nThe value of var.%s (from %s) was checked by the validation rule at %s:%d.",
					text, name, in.Source.Description, cond.Filename, cond.Start.Line),
				Subject: subject.Ptr(),
			})
		}
	}
	return diags
}

// inputData gives validation rules the values of the module's variables.
type inputData map[string]*InputValue

func (d inputData) Value(addr addrs.Referenceable, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	if v, ok := addr.(addrs.InputVariable); ok {
		if in, ok := d[v.Name]; ok {
			return in.Value, nil
		}
	}
	return cty.DynamicVal, hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Invalid reference in variable validation",
		Detail:   fmt.Sprintf("A validation rule can refer only to the module's variables, not to %s.", addr),
		Subject:  rng.Ptr(),
	}}
}
