package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/dynblock"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/tackhq/tack/plugins/sdk"
)

// Schemas gives config the schemas providers report. config never asks a
// provider itself: the caller (the planner, or validate) fills this from
// the plugins it launched, keyed by the provider's local name.
type Schemas interface {
	// ResourceSchema is the schema of a resource (ManagedMode) or data
	// source (DataMode) type; false when the provider or type is unknown.
	ResourceSchema(provider string, mode ResourceMode, typeName string) (*sdk.Block, bool)
	// ServerGroupSchema is the server_group block of a provider that
	// hosts clusters; false when unknown.
	ServerGroupSchema(provider string) (*sdk.Block, bool)
	// HasProvider reports whether schemas of the provider are known at
	// all, to tell a missing provider from a missing type.
	HasProvider(provider string) bool
}

// ProviderName is the provider a resource belongs to: its provider
// argument, or the prefix of its type before the first underscore
// (local_file → local).
func (r *Resource) ProviderName() string {
	if r.ProviderRef != nil {
		return r.ProviderRef.Name
	}
	name, _, _ := strings.Cut(r.Type, "_")
	return name
}

// CheckProviderBodies checks every provider-owned body of the tree (the
// bodies of resources and data sources, and clusters' server_group
// blocks) against the schemas: unknown arguments and blocks, missing
// required ones, wrong block counts, and literal values of the wrong
// type. Bodies of providers whose schemas are not known are skipped, with
// one warning per provider that says so.
func CheckProviderBodies(c *Config, schemas Schemas) hcl.Diagnostics {
	skipped := map[string]int{}
	diags := checkTree(c, schemas, skipped)
	sortByPosition(diags)
	for _, name := range sortedKeys(skipped) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Provider schemas not available",
			Detail: fmt.Sprintf("The schemas of provider %q are not available, so the bodies of %d block(s) that belong to it were not checked. Run tack init to install the provider, then validate again.",
				name, skipped[name]),
		})
	}
	return diags
}

func checkTree(c *Config, schemas Schemas, skipped map[string]int) hcl.Diagnostics {
	var diags hcl.Diagnostics
	m := c.Module
	for _, set := range []map[string]*Resource{m.Resources, m.DataResources} {
		for _, key := range sortedKeys(set) {
			r := set[key]
			provider := r.ProviderName()
			if !schemas.HasProvider(provider) {
				skipped[provider]++
				continue
			}
			block, ok := schemas.ResourceSchema(provider, r.Mode, r.Type)
			if !ok {
				kind := "resource type"
				if r.Mode == DataMode {
					kind = "data source"
				}
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unknown " + kind,
					Detail:   fmt.Sprintf("Provider %q has no %s %q.%s", provider, kind, r.Type, Suggest(r.Type, typeNames(schemas, provider, r.Mode))),
					Subject:  r.TypeRange.Ptr(),
				})
				continue
			}
			diags = append(diags, validationScope(c, schemas).checkBody(r.Config, block)...)
		}
	}
	for _, name := range sortedKeys(m.Clusters) {
		cl := m.Clusters[name]
		if cl.ProviderRef == nil || cl.ServerGroup == nil {
			continue
		}
		provider := cl.ProviderRef.Name
		if !schemas.HasProvider(provider) {
			skipped[provider]++
			continue
		}
		block, ok := schemas.ServerGroupSchema(provider)
		if !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Provider does not host clusters",
				Detail:   fmt.Sprintf("Cluster %q uses provider %q, which does not host server groups: choose a provider that does.", name, provider),
				Subject:  cl.ProviderRef.Range.Ptr(),
			})
			continue
		}
		diags = append(diags, validationScope(c, schemas).checkBody(cl.ServerGroup, block)...)
	}
	for _, name := range sortedKeys(c.Children) {
		diags = append(diags, checkTree(c.Children[name], schemas, skipped)...)
	}
	return diags
}

// TypeLister is implemented by a [Schemas] that can list a provider's
// types, so that an unknown type gets a "Did you mean" suggestion.
type TypeLister interface {
	TypeNames(provider string, mode ResourceMode) []string
}

func typeNames(s Schemas, provider string, mode ResourceMode) []string {
	if l, ok := s.(TypeLister); ok {
		return l.TypeNames(provider, mode)
	}
	return nil
}

// bodySchema is the hcl.BodySchema of a provider's block.
func bodySchema(b *sdk.Block) *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, name := range sortedKeys(b.Attributes) {
		a := b.Attributes[name]
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: name, Required: a.Required})
	}
	for _, name := range sortedKeys(b.BlockTypes) {
		nb := b.BlockTypes[name]
		hs := hcl.BlockHeaderSchema{Type: name}
		if nb.Nesting == sdk.NestingMap {
			hs.LabelNames = []string{"key"}
		}
		s.Blocks = append(s.Blocks, hs)
	}
	return s
}

// checkBody checks one body against a block schema: its dynamic blocks
// are expanded (those whose for_each is not known yet stand for one block
// of unknown values), and each argument is evaluated with the scope's
// values, which at validation are unknowns of the right types.
func (s *Scope) checkBody(body hcl.Body, b *sdk.Block) hcl.Diagnostics {
	refs, diags := BodyReferences(body, b)
	ctx, cdiags := s.EvalContext(refs)
	diags = append(diags, cdiags...)
	if diags.HasErrors() {
		return diags
	}
	return dedupe(append(diags, checkExpandedBody(dynblock.Expand(body, ctx), b, ctx)...))
}

// dedupe drops repeated diagnostics: a dynamic block expanded from a
// list repeats the mistakes of its content once per element.
func dedupe(diags hcl.Diagnostics) hcl.Diagnostics {
	type key struct {
		summary, detail string
		subject         hcl.Range
	}
	seen := map[key]bool{}
	out := diags[:0]
	for _, d := range diags {
		k := key{summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.subject = *d.Subject
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}

func checkExpandedBody(body hcl.Body, b *sdk.Block, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, diags := body.Content(bodySchema(b))
	for _, name := range sortedKeys(content.Attributes) {
		attr := content.Attributes[name]
		a := b.Attributes[name]
		if a.Computed && !a.Optional && !a.Required {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Value for a computed attribute",
				Detail:   fmt.Sprintf("The provider sets %q; it cannot be configured.", name),
				Subject:  attr.NameRange.Ptr(),
			})
			continue
		}
		diags = append(diags, checkValueType(attr, a.Type, ctx)...)
	}
	byType := map[string][]*hcl.Block{}
	for _, blk := range content.Blocks {
		byType[blk.Type] = append(byType[blk.Type], blk)
	}
	for _, name := range sortedKeys(b.BlockTypes) {
		nb := b.BlockTypes[name]
		blocks := byType[name]
		maxItems := nb.MaxItems
		if nb.Nesting == sdk.NestingSingle {
			maxItems = 1
		}
		switch {
		case maxItems > 0 && len(blocks) > maxItems:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Too many " + name + " blocks",
				Detail:   fmt.Sprintf("At most %d %q block(s) are allowed here; this is number %d.", maxItems, name, maxItems+1),
				Subject:  blocks[maxItems].DefRange.Ptr(),
			})
		case nb.MinItems > 0 && len(blocks) < nb.MinItems:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing " + name + " block",
				Detail:   fmt.Sprintf("At least %d %q block(s) are required here.", nb.MinItems, name),
				Subject:  body.MissingItemRange().Ptr(),
			})
		}
		for _, blk := range blocks {
			diags = append(diags, checkExpandedBody(blk.Body, &nb.Block, ctx)...)
		}
	}
	return diags
}

// checkValueType evaluates an argument and reports a value that cannot
// convert to the attribute's type, or an expression that fails (a function
// given the wrong arguments, a file that is not there).
func checkValueType(attr *hcl.Attribute, ty cty.Type, ctx *hcl.EvalContext) hcl.Diagnostics {
	v, diags := attr.Expr.Value(ctx)
	if diags.HasErrors() {
		return diags
	}
	v, _ = v.UnmarkDeep()
	if _, err := convert.Convert(v, ty); err != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Incorrect attribute value type",
			Detail:   fmt.Sprintf("Inappropriate value for attribute %q: %s. It takes %s.", attr.Name, err, ty.FriendlyName()),
			Subject:  attr.Expr.Range().Ptr(),
		}}
	}
	return nil
}

// sortByPosition orders diagnostics as a reader goes through the files;
// those without a place come last.
func sortByPosition(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		if a == nil || b == nil {
			return a != nil && b == nil
		}
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ProviderSchemas is a [Schemas] (and [TypeLister]) over the GetSchema
// answers of providers, keyed by each provider's local name.
type ProviderSchemas map[string]sdk.GetSchemaResponse

var (
	_ Schemas    = ProviderSchemas(nil)
	_ TypeLister = ProviderSchemas(nil)
)

func (ps ProviderSchemas) HasProvider(provider string) bool {
	_, ok := ps[provider]
	return ok
}

func (ps ProviderSchemas) ResourceSchema(provider string, mode ResourceMode, typeName string) (*sdk.Block, bool) {
	s, ok := ps[provider]
	if !ok {
		return nil, false
	}
	set := s.ResourceTypes
	if mode == DataMode {
		set = s.DataSources
	}
	sch, ok := set[typeName]
	if !ok {
		return nil, false
	}
	return &sch.Block, true
}

func (ps ProviderSchemas) ServerGroupSchema(provider string) (*sdk.Block, bool) {
	s, ok := ps[provider]
	if !ok || !s.Capabilities.ServerGroups {
		return nil, false
	}
	return &s.Capabilities.ServerGroupSchema.Block, true
}

func (ps ProviderSchemas) TypeNames(provider string, mode ResourceMode) []string {
	s := ps[provider]
	if mode == DataMode {
		return sortedKeys(s.DataSources)
	}
	return sortedKeys(s.ResourceTypes)
}

// ProviderNames lists the local names of the providers the tree's
// resources, data sources and clusters belong to, sorted.
func (c *Config) ProviderNames() []string {
	seen := map[string]bool{}
	var walk func(*Config)
	walk = func(c *Config) {
		for _, set := range []map[string]*Resource{c.Module.Resources, c.Module.DataResources} {
			for _, r := range set {
				seen[r.ProviderName()] = true
			}
		}
		for _, cl := range c.Module.Clusters {
			if cl.ProviderRef != nil {
				seen[cl.ProviderRef.Name] = true
			}
		}
		for _, child := range c.Children {
			walk(child)
		}
	}
	walk(c)
	return sortedKeys(seen)
}
