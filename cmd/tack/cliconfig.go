package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/install"
)

// cliConfig is the user's CLI configuration: $TACK_CLI_CONFIG_FILE, else
// ~/.tackrc. It belongs to the person running tack, not to a project.
//
//	dev_overrides = {
//	  "vendor/hello" = "/home/me/src/hello/bin"
//	}
//
// The object is an attribute, not a block as in Terraform's CLI
// configuration: HCL's native syntax allows quoted keys only in objects.
type cliConfig struct {
	// path is the file read; empty when there is none.
	path string
	// devOverrides map a source address to the directory holding its
	// binary, made absolute.
	devOverrides map[string]string
	// sources holds the file's bytes for diagnostics' snippets.
	sources map[string][]byte
}

var cliConfigSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "dev_overrides"}}}

// home is the user's home directory, from the environment tack was given;
// empty when it names none.
func (m *meta) home() string {
	if runtime.GOOS == "windows" {
		return m.getenv("USERPROFILE")
	}
	return m.getenv("HOME")
}

// cliConfig reads the CLI configuration. A missing ~/.tackrc is no
// configuration; a missing $TACK_CLI_CONFIG_FILE is an error, since the
// user named it.
func (m *meta) cliConfig() (*cliConfig, hcl.Diagnostics) {
	c := &cliConfig{sources: map[string][]byte{}}
	path := m.getenv("TACK_CLI_CONFIG_FILE")
	named := path != ""
	if !named {
		home := m.home()
		if home == "" {
			return c, nil
		}
		path = filepath.Join(home, ".tackrc")
	}
	src, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !named {
		return c, nil
	}
	if err != nil {
		return c, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read the CLI configuration",
			Detail:   fmt.Sprintf("Reading %s: %v. Fix or unset TACK_CLI_CONFIG_FILE.", path, err),
		}}
	}
	c.path = path
	c.sources[path] = src
	file, diags := hclparse.NewParser().ParseHCL(src, path)
	if diags.HasErrors() {
		return c, diags
	}
	content, more := file.Body.Content(cliConfigSchema)
	diags = append(diags, more...)
	if attr, ok := content.Attributes["dev_overrides"]; ok {
		c.devOverrides, more = decodeDevOverrides(attr, filepath.Dir(path))
		diags = append(diags, more...)
	}
	return c, diags
}

func decodeDevOverrides(attr *hcl.Attribute, base string) (map[string]string, hcl.Diagnostics) {
	pairs, diags := hcl.ExprMap(attr.Expr)
	if diags.HasErrors() {
		return nil, diags
	}
	out := map[string]string{}
	for _, kv := range pairs {
		var source, dir string
		for _, part := range []struct {
			expr hcl.Expression
			to   *string
			what string
		}{{kv.Key, &source, "a provider source address"}, {kv.Value, &dir, "a directory"}} {
			v, vdiags := part.expr.Value(nil)
			if vdiags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid development override",
					Detail:   fmt.Sprintf("dev_overrides maps a provider source address to the directory that holds its binary, written literally: { \"vendor/hello\" = \"/home/me/src/hello/bin\" }; this is not %s.", part.what),
					Subject:  part.expr.Range().Ptr(),
				})
				source = ""
				break
			}
			*part.to = v.AsString()
		}
		if source == "" {
			continue
		}
		if err := install.ValidateSource(source); err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid development override",
				Detail:   capitalize(err.Error()) + ".",
				Subject:  kv.Key.Range().Ptr(),
			})
			continue
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(base, dir)
		}
		out[source] = dir
	}
	return out, diags
}

// devOverrideWarning is the warning every command that uses providers
// gives while development overrides are set, as Terraform does, so that
// nobody forgets them.
func (c *cliConfig) devOverrideWarning() hcl.Diagnostics {
	if len(c.devOverrides) == 0 {
		return nil
	}
	var lines []string
	for _, source := range slices.Sorted(maps.Keys(c.devOverrides)) {
		lines = append(lines, fmt.Sprintf("%s in %s", source, c.devOverrides[source]))
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagWarning,
		Summary:  "Provider development overrides are in effect",
		Detail: fmt.Sprintf("The CLI configuration %s overrides these providers: %s. tack uses those binaries as they are, without checking versions or checksums, and does not record them in %s.",
			c.path, strings.Join(lines, "; "), install.LockFileName),
	}}
}

// capitalize makes an error message, which starts in lower case, the
// start of a sentence.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
