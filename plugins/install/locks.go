package install

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	version "github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// LockFileName is the lock file's name in a project's root directory.
const LockFileName = ".tack.lock.hcl"

// lockHeader starts every lock file tack writes.
const lockHeader = "# This file is maintained automatically by \"tack init\".\n# Manual edits may be lost in future updates.\n"

// Locks is the content of a lock file: the version and checksums chosen
// for each provider. A nil *Locks is an empty one.
type Locks struct {
	// Providers are keyed by source address.
	Providers map[string]*LockedProvider
}

// LockedProvider is one provider block of a lock file.
type LockedProvider struct {
	Source string
	// Version is the version chosen, "0.1.0".
	Version string
	// Constraints are the configuration's constraints when it was
	// chosen, merged; empty when there were none. Informational: what
	// counts is the configuration's current constraints.
	Constraints string
	// Hashes are the accepted checksums, "sha256:<hex>", sorted.
	Hashes []string
}

// Provider is the locked provider of source, or nil.
func (l *Locks) Provider(source string) *LockedProvider {
	if l == nil {
		return nil
	}
	return l.Providers[source]
}

// Accepts reports whether a binary with checksum sum may run.
func (p *LockedProvider) Accepts(sum []byte) bool {
	return slices.Contains(p.Hashes, HashString(sum))
}

// HashString is a SHA-256 checksum as the lock file writes it,
// "sha256:<lower-case hex>".
func HashString(sum []byte) string { return "sha256:" + hex.EncodeToString(sum) }

var hashPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

var (
	lockFileSchema = &hcl.BodySchema{
		Blocks: []hcl.BlockHeaderSchema{{Type: "provider", LabelNames: []string{"source"}}},
	}
	lockedProviderSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "version", Required: true},
			{Name: "constraints"},
			{Name: "hashes"},
		},
	}
)

// ReadLocks reads the lock file at path. It returns nil and no
// diagnostics when the file does not exist, and diagnostics with ranges
// when it is malformed.
func ReadLocks(path string) (*Locks, hcl.Diagnostics) {
	src, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the lock file",
			Detail:   fmt.Sprintf("Reading %s: %v.", path, err),
		}}
	}
	return ParseLocks(src, path)
}

// ParseLocks parses the bytes of a lock file; filename names it in
// diagnostics. What it can read of a malformed file is returned with
// the diagnostics.
func ParseLocks(src []byte, filename string) (*Locks, hcl.Diagnostics) {
	locks := &Locks{Providers: map[string]*LockedProvider{}}
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return locks, diags
	}
	content, more := file.Body.Content(lockFileSchema)
	diags = append(diags, more...)
	for _, block := range content.Blocks {
		source := block.Labels[0]
		if err := ValidateSource(source); err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid provider source in the lock file",
				Detail:   capitalize(err.Error()) + ".",
				Subject:  block.LabelRanges[0].Ptr(),
			})
			continue
		}
		p, more := decodeLockedProvider(source, block)
		diags = append(diags, more...)
		if prev, dup := locks.Providers[source]; dup && prev != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Duplicate provider in the lock file",
				Detail:   fmt.Sprintf("Provider %s is locked twice. Delete the lock file and run \"tack init\" to write it afresh.", source),
				Subject:  block.DefRange.Ptr(),
			})
			continue
		}
		if p != nil {
			locks.Providers[source] = p
		}
	}
	return locks, diags
}

func decodeLockedProvider(source string, block *hcl.Block) (*LockedProvider, hcl.Diagnostics) {
	content, diags := block.Body.Content(lockedProviderSchema)
	if diags.HasErrors() {
		return nil, diags
	}
	p := &LockedProvider{Source: source}
	str := func(name string) (string, *hcl.Attribute, bool) {
		attr, ok := content.Attributes[name]
		if !ok {
			return "", nil, false
		}
		v, vdiags := attr.Expr.Value(nil)
		diags = append(diags, vdiags...)
		if vdiags.HasErrors() {
			return "", attr, false
		}
		if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value in the lock file",
				Detail:   fmt.Sprintf("The %s of provider %s must be a string.", name, source),
				Subject:  attr.Expr.Range().Ptr(),
			})
			return "", attr, false
		}
		return v.AsString(), attr, true
	}
	if s, attr, ok := str("version"); ok {
		if _, err := version.NewSemver(s); err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid version in the lock file",
				Detail:   fmt.Sprintf("%q is not a version, such as \"1.2.0\".", s),
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
		p.Version = s
	}
	if s, attr, ok := str("constraints"); ok {
		if _, err := version.NewConstraint(s); err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid version constraint in the lock file",
				Detail:   fmt.Sprintf("%q is not a version constraint, such as \"~> 0.1\".", s),
				Subject:  attr.Expr.Range().Ptr(),
			})
		}
		p.Constraints = s
	}
	if attr, ok := content.Attributes["hashes"]; ok {
		p.Hashes, diags = decodeHashes(source, attr, diags)
	}
	return p, diags
}

func decodeHashes(source string, attr *hcl.Attribute, diags hcl.Diagnostics) ([]string, hcl.Diagnostics) {
	v, vdiags := attr.Expr.Value(nil)
	diags = append(diags, vdiags...)
	if vdiags.HasErrors() {
		return nil, diags
	}
	bad := &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid hashes in the lock file",
		Detail:   fmt.Sprintf("The hashes of provider %s must be a list of strings such as \"sha256:\" followed by 64 lower-case hexadecimal digits.", source),
		Subject:  attr.Expr.Range().Ptr(),
	}
	if v.IsNull() || !v.IsWhollyKnown() || !(v.Type().IsTupleType() || v.Type().IsListType()) {
		return nil, append(diags, bad)
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, h := it.Element()
		if h.IsNull() || h.Type() != cty.String || !hashPattern.MatchString(h.AsString()) {
			return nil, append(diags, bad)
		}
		if !slices.Contains(out, h.AsString()) {
			out = append(out, h.AsString())
		}
	}
	slices.Sort(out)
	return out, diags
}

// Bytes is the lock file's text: a header comment, then one provider
// block per source in order of source. The same locks always give the
// same bytes.
func (l *Locks) Bytes() []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	body.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(lockHeader)}})
	if l != nil {
		for _, source := range sortedKeys(l.Providers) {
			p := l.Providers[source]
			body.AppendNewline()
			b := body.AppendNewBlock("provider", []string{source}).Body()
			b.SetAttributeValue("version", cty.StringVal(p.Version))
			if p.Constraints != "" {
				b.SetAttributeValue("constraints", cty.StringVal(p.Constraints))
			}
			b.SetAttributeRaw("hashes", hashTokens(p.Hashes))
		}
	}
	return hclwrite.Format(f.Bytes())
}

// hashTokens writes a list one hash a line, so that a change of checksum
// is one line of a diff.
func hashTokens(hashes []string) hclwrite.Tokens {
	sorted := slices.Clone(hashes)
	slices.Sort(sorted)
	toks := hclwrite.Tokens{{Type: hclsyntax.TokenOBrack, Bytes: []byte("[")}}
	if len(sorted) > 0 {
		toks = append(toks, &hclwrite.Token{Type: hclsyntax.TokenNewline, Bytes: []byte("\n")})
	}
	for _, h := range sorted {
		toks = append(toks, hclwrite.TokensForValue(cty.StringVal(h))...)
		toks = append(toks,
			&hclwrite.Token{Type: hclsyntax.TokenComma, Bytes: []byte(",")},
			&hclwrite.Token{Type: hclsyntax.TokenNewline, Bytes: []byte("\n")})
	}
	return append(toks, &hclwrite.Token{Type: hclsyntax.TokenCBrack, Bytes: []byte("]")})
}

// WriteLocks writes the lock file at path atomically: a reader sees the
// old file or the new one, never part of either. A file whose bytes
// would not change is left alone.
func WriteLocks(path string, l *Locks) error {
	data := l.Bytes()
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing the lock file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the lock file %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the lock file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the lock file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing the lock file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing the lock file %s: %w", path, err)
	}
	return nil
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
