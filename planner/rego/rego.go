package rego

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	oparego "github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// The levels of the rules a package may define, in the order their
// results sort. [Level] says which a rule has.
const (
	// RuleDeny names results that should stop the plan from being applied.
	RuleDeny = "deny"
	// RuleOverrideRequired names results that should stop the plan unless
	// someone with the authority to do so overrides them.
	RuleOverrideRequired = "override_required"
	// RuleWarn names results that are shown but stop nothing.
	RuleWarn = "warn"
)

// levels lists the levels in the order their results sort.
var levels = []string{RuleDeny, RuleOverrideRequired, RuleWarn}

// Level is the level of the rule named rule: [RuleDeny] for deny and
// violation and the rules named deny_… or violation_…, as conftest
// counts them all as failures; [RuleOverrideRequired] for
// override_required and override_required_…; [RuleWarn] for warn and
// warn_…. It is "" for any other name: Eval does not read that rule.
func Level(rule string) string {
	for _, family := range []struct{ name, level string }{
		{"deny", RuleDeny},
		{"violation", RuleDeny},
		{"override_required", RuleOverrideRequired},
		{"warn", RuleWarn},
	} {
		if rule == family.name || strings.HasPrefix(rule, family.name+"_") {
			return family.level
		}
	}
	return ""
}

// compareRules orders rule names by their level, then by name, so that
// a package's deny comes before its deny_prod, and both before its warn.
func compareRules(a, b string) int {
	return cmp.Or(cmp.Compare(slices.Index(levels, Level(a)), slices.Index(levels, Level(b))), strings.Compare(a, b))
}

// Result is one message produced by one rule of one policy package.
type Result struct {
	// Package is the Rego package that produced the result, without the
	// "data." prefix: "main", "tack.prod".
	Package string
	// Rule is the name of the rule that gave the result, as the policy
	// spells it: "deny", "violation", "warn_prod". [Level] gives its
	// level.
	Rule string
	// Message is the policy's message, or "<package>.<rule>" for a rule
	// defined as a boolean.
	Message string
	// Address names the planned change the result concerns, as the plan's
	// JSON spells it ("cluster.api-prod", "local_file.a[0]"); it is ""
	// when the policy did not name one.
	Address string
}

// Policies is a compiled directory of Rego policies. A nil *Policies is
// valid and has no files and no results. Its methods are safe for
// concurrent use.
type Policies struct {
	files   []string
	queries []query
}

// query is one prepared rule lookup, data.<pkg>.<rule>.
type query struct {
	pkg, rule string
	prepared  oparego.PreparedEvalQuery
}

// Load reads and compiles every *.rego file directly in dir (it does not
// descend into subdirectories), skipping conftest's *_test.rego unit
// tests. Each file is parsed as Rego v1 and, failing that, as Rego v0, so
// old and new conftest policies can sit side by side.
//
// A missing directory, or one without policies, is not an error: Load
// returns nil, which evaluates to no results. An error in a policy is
// reported with the file's path relative to dir's parent and its line
// ("policy/prod.rego:3: rego_parse_error: …"): the syntax errors of
// every file at once or, when all files parse, every compile error (an
// undefined function, say; OPA stops at ten). All compiling happens here,
// so that [Policies.Eval] on many plans is cheap.
func Load(dir string) (*Policies, error) {
	paths, err := Sources(dir)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("finding the policy directory %s: %w", dir, err)
	}
	base := filepath.Base(abs)

	p := &Policies{}
	modules := map[string]*ast.Module{}
	var errs []error
	for _, path := range paths {
		name := filepath.Base(path)
		src, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("reading policy %s: %w", path, err))
			continue
		}
		// The name reported in errors, relative to dir's parent so the
		// user sees which directory it came from without a long path.
		shown := filepath.ToSlash(filepath.Join(base, name))
		m, err := parse(shown, string(src))
		if err != nil {
			errs = append(errs, split(err)...)
			continue
		}
		modules[shown] = m
		p.files = append(p.files, path)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(modules) == 0 {
		return nil, nil
	}
	slices.Sort(p.files)

	c := ast.NewCompiler()
	c.Compile(modules)
	if c.Failed() {
		return nil, errors.Join(split(c.Errors)...)
	}

	if p.queries, err = prepare(c, modules); err != nil {
		return nil, err
	}
	return p, nil
}

// Sources lists the files [Load] reads in dir: every *.rego file
// directly in it, but conftest's *_test.rego unit tests, as dir joined
// with the file's name, sorted by name. A missing directory has none and
// is not an error. A caller that must notice when the policies change,
// such as a saved plan's hash of what it was made from, hashes these.
func Sources(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the policy directory %s: %w", dir, err)
	}
	var out []string
	for _, e := range entries { // os.ReadDir sorts them by name
		name := e.Name()
		if e.IsDir() || filepath.Ext(name) != ".rego" || strings.HasSuffix(name, "_test.rego") {
			continue
		}
		out = append(out, filepath.Join(dir, name))
	}
	return out, nil
}

// parse parses one policy file, as Rego v1 if it can and as Rego v0
// otherwise. When neither works, the error is v1's, the syntax new
// policies should use. That does not mislead the author of an old policy:
// OPA's v1 parser reports a v0 file's real syntax mistakes, at the lines
// they are on, before it complains of the missing "if".
func parse(name, src string) (*ast.Module, error) {
	m, errV1 := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if errV1 == nil {
		return m, nil
	}
	if m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV0}); err == nil {
		return m, nil
	}
	return nil, errV1
}

// split returns the errors in an OPA error list one by one, so that each
// line of the joined message starts with the file and line it concerns
// rather than OPA's "2 errors occurred:".
func split(err error) []error {
	var list ast.Errors
	if !errors.As(err, &list) || len(list) == 0 {
		return []error{err}
	}
	out := make([]error, len(list))
	for i, e := range list {
		out[i] = e
	}
	return out
}

// prepare prepares a query for each rule Eval reads that some package
// defines, sorted by package and rule, sharing one compiler and store.
func prepare(c *ast.Compiler, modules map[string]*ast.Module) ([]query, error) {
	type key struct{ pkg, rule string }
	found := map[key]ast.Ref{}
	for _, m := range modules {
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		for _, r := range m.Rules {
			if len(r.Head.Args) > 0 {
				continue // a function, not a rule with a value
			}
			head, ok := r.Head.Ref()[0].Value.(ast.Var)
			if !ok || Level(string(head)) == "" {
				continue
			}
			found[key{pkg, string(head)}] = m.Package.Path.Append(ast.StringTerm(string(head)))
		}
	}

	store := inmem.New()
	ctx := context.Background()
	var qs []query
	for k, ref := range found {
		pq, err := oparego.New(
			oparego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.NewTerm(ref)))),
			oparego.Compiler(c),
			oparego.Store(store),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("preparing rule %s of policy package %s: %w", k.rule, k.pkg, err)
		}
		qs = append(qs, query{pkg: k.pkg, rule: k.rule, prepared: pq})
	}
	slices.SortFunc(qs, func(a, b query) int {
		return cmp.Or(strings.Compare(a.pkg, b.pkg), compareRules(a.rule, b.rule))
	})
	return qs, nil
}

// Rule names one rule a loaded package defines.
type Rule struct {
	Package string
	Rule    string // its name, as in [Result]; [Level] gives its level
}

// Rules lists the rules Eval evaluates, in the order their results sort:
// every rule of every package whose name has a [Level]. It is nil for a
// nil *Policies.
func (p *Policies) Rules() []Rule {
	if p == nil {
		return nil
	}
	out := make([]Rule, 0, len(p.queries))
	for _, q := range p.queries {
		out = append(out, Rule{Package: q.pkg, Rule: q.rule})
	}
	return out
}

// Files returns the paths of the policy files loaded, as dir joined with
// each file's name, sorted. The caller owns the slice. It is nil for a
// nil *Policies.
func (p *Policies) Files() []string {
	if p == nil {
		return nil
	}
	return slices.Clone(p.files)
}

// Eval evaluates every rule with a [Level] (deny, violation, warn,
// override_required, and those names followed by _ and more) of every
// loaded package on input, the plan's JSON decoded into Go values
// (map[string]any, []any, string, float64 or json.Number, bool, nil, as
// encoding/json produces them).
//
// Each rule's value must be a set or array of results, each a message
// string or an object {"msg": string, "address": string} whose address
// may be left out. A rule defined as a boolean (deny if { … }) gives one
// result, with the message "<package>.<rule>", when it is true and none
// when it is false or undefined. Any other value, and any error a policy
// raises while it runs (two values for one complete rule, say), is an
// error naming the package and rule. Cancelling ctx stops a policy that
// is still running; the error then wraps ctx.Err().
//
// Results are sorted by package, then level (deny, override_required,
// warn), then rule name, then address, then message, so the same plan
// always gives the same list. A nil *Policies gives no results.
func (p *Policies) Eval(ctx context.Context, input any) ([]Result, error) {
	if p == nil || len(p.queries) == 0 {
		return nil, nil
	}
	// Convert the plan once rather than once per query: on a large plan
	// the conversion costs as much as the policies.
	in, err := ast.InterfaceToValue(input)
	if err != nil {
		return nil, fmt.Errorf("converting the plan to a Rego value: %w", err)
	}
	var out []Result
	for _, q := range p.queries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rs, err := q.prepared.Eval(ctx, oparego.EvalParsedInput(in))
		if err != nil {
			if ctx.Err() != nil {
				// OPA's own message says which builtin it was in when it
				// stopped; what the caller needs is that it was stopped.
				err = ctx.Err()
			}
			return nil, fmt.Errorf("evaluating rule %s of policy package %s: %w", q.rule, q.pkg, err)
		}
		if len(rs) == 0 || len(rs[0].Expressions) == 0 {
			continue // undefined: the rule's conditions did not hold
		}
		res, err := results(q.pkg, q.rule, rs[0].Expressions[0].Value)
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	slices.SortFunc(out, func(a, b Result) int {
		return cmp.Or(
			strings.Compare(a.Package, b.Package),
			compareRules(a.Rule, b.Rule),
			strings.Compare(a.Address, b.Address),
			strings.Compare(a.Message, b.Message),
		)
	})
	return out, nil
}

// results reads the value of rule in package pkg.
func results(pkg, rule string, v any) ([]Result, error) {
	switch v := v.(type) {
	case bool:
		if !v {
			return nil, nil
		}
		return []Result{{Package: pkg, Rule: rule, Message: pkg + "." + rule}}, nil
	case []any: // a set or an array
		out := make([]Result, 0, len(v))
		for _, item := range v {
			r, err := result(pkg, rule, item)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	return nil, fmt.Errorf("rule %s of policy package %s is %s, not a set of results; define it as %q, or as a boolean",
		rule, pkg, describe(v), rule+" contains msg if { … }")
}

// result reads one item of a rule's set.
func result(pkg, rule string, item any) (Result, error) {
	r := Result{Package: pkg, Rule: rule}
	switch item := item.(type) {
	case string:
		r.Message = item
		return r, nil
	case map[string]any:
		msg, ok := item["msg"].(string)
		if !ok {
			return r, fmt.Errorf("rule %s of policy package %s gave %s, whose \"msg\" is %s; give a string message, or an object with a \"msg\" string",
				rule, pkg, describe(item), describe(item["msg"]))
		}
		r.Message = msg
		if a, present := item["address"]; present {
			addr, ok := a.(string)
			if !ok {
				return r, fmt.Errorf("rule %s of policy package %s gave %s, whose \"address\" is %s; give the address of a planned change as a string, such as \"cluster.api-prod\", or leave it out",
					rule, pkg, describe(item), describe(a))
			}
			r.Address = addr
		}
		return r, nil
	}
	return r, fmt.Errorf("rule %s of policy package %s gave %s; give a string message, or an object with a \"msg\" string",
		rule, pkg, describe(item))
}

// describe names a Rego value's type and shows it, shortened, for an
// error message.
func describe(v any) string {
	var kind string
	switch v.(type) {
	case nil:
		return "missing or null"
	case bool:
		kind = "a boolean"
	case string:
		kind = "a string"
	case json.Number:
		kind = "a number"
	case []any:
		kind = "a set or array"
	case map[string]any:
		kind = "an object"
	default:
		kind = fmt.Sprintf("a %T", v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return kind
	}
	if s := []rune(string(b)); len(s) > 80 {
		b = []byte(string(s[:77]) + "...")
	}
	return kind + " (" + string(b) + ")"
}
