package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/config/addrs"
	"github.com/tackhq/tack/state"
)

type stateShowCommand struct{ *meta }

func (c *stateShowCommand) Help() string {
	return `Usage: tack state show ADDR

  Shows what the state records of one resource instance (local_file.a,
  module.net.local_file.b[0]) or one cluster (cluster.api-prod): the
  attributes of its current object and of any deposed one, with sensitive
  values hidden.

  Exit status: 0 when shown, 1 when the state records no such object.`
}

func (c *stateShowCommand) Synopsis() string { return "Show one resource instance or cluster" }

func (c *stateShowCommand) Run(args []string) int {
	fs := flag.NewFlagSet("state show", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() { c.ui.Error(c.Help()) }
	if err := fs.Parse(args); err != nil {
		return 1
	}
	if fs.NArg() != 1 {
		c.ui.Error("Error: tack state show takes one address.\n\n" + c.Help())
		return 1
	}
	arg := fs.Arg(0)
	var addr addrs.AbsResourceInstance
	cluster, isCluster := strings.CutPrefix(arg, "cluster.")
	if !isCluster {
		var err error
		if addr, err = parseInstance(arg); err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
	}
	b, ok := c.stateBackend()
	if !ok {
		return 1
	}
	s, ok := c.readState(context.Background(), b)
	if !ok {
		return 1
	}

	if isCluster {
		cl := s.Clusters[cluster]
		if cl == nil {
			c.ui.Error(fmt.Sprintf("Error: the state records no cluster %q.", cluster))
			return 1
		}
		renderCluster(c.stdout, cl)
		return 0
	}

	is := s.ResourceInstance(addr)
	if is == nil {
		msg := fmt.Sprintf("Error: the state records no %s.", addr)
		if rs := s.Resource(addr.ContainingResource()); rs != nil {
			var keys []string
			for _, a := range s.AllResourceInstances() {
				if a.ContainingResource().Equal(rs.Addr) {
					keys = append(keys, a.String())
				}
			}
			msg += "\n\nIts instances are: " + strings.Join(keys, ", ") + ". Name one of them."
		} else {
			msg += "\n\nList what it records with tack state list."
		}
		c.ui.Error(msg)
		return 1
	}
	if is.Current != nil {
		if err := renderObject(c.stdout, addr, state.NotDeposed, is.Current); err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
	}
	keys := make([]state.DeposedKey, 0, len(is.Deposed))
	for k := range is.Deposed {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := renderObject(c.stdout, addr, k, is.Deposed[k]); err != nil {
			c.ui.Error("Error: " + err.Error())
			return 1
		}
	}
	return 0
}

// parseInstance parses a resource instance address given on the command
// line.
func parseInstance(s string) (addrs.AbsResourceInstance, error) {
	addr, diags := addrs.ParseAbsResourceInstanceStr(s)
	if diags.HasErrors() {
		return addrs.AbsResourceInstance{}, fmt.Errorf("%q is not a resource instance address: %s", s, diags[0].Detail)
	}
	return addr, nil
}

// renderObject writes one recorded object as Terraform's state show does:
// a comment with the address, then the attributes as HCL, sorted and
// aligned, with sensitive values as (sensitive value). Without the
// provider's schema, nested objects are shown as values, not blocks.
func renderObject(w io.Writer, addr addrs.AbsResourceInstance, deposed state.DeposedKey, obj *state.ObjectSrc) error {
	dec := json.NewDecoder(bytes.NewReader(obj.AttrsJSON))
	dec.UseNumber()
	var attrs map[string]any
	if err := dec.Decode(&attrs); err != nil {
		return fmt.Errorf("the attributes of %s cannot be read: %w", addr, err)
	}
	var notes []string
	if deposed != state.NotDeposed {
		notes = append(notes, "deposed object "+string(deposed))
	}
	if obj.Status == state.ObjectTainted {
		notes = append(notes, "tainted")
	}
	header := "# " + addr.String() + ":"
	if len(notes) > 0 {
		header += " (" + strings.Join(notes, ", ") + ")"
	}
	kind := "resource"
	if addr.Resource.Resource.Mode == addrs.DataResourceMode {
		kind = "data"
	}
	r := &attrRenderer{sensitive: obj.SensitivePaths}
	fmt.Fprintf(&r.b, "%s\n%s %q %q ", header, kind, addr.Resource.Resource.Type, addr.Resource.Resource.Name)
	r.object(attrs, nil, 0, true)
	r.b.WriteString("\n\n")
	_, err := w.Write(r.b.Bytes())
	return err
}

// attrRenderer renders JSON attributes as HCL.
type attrRenderer struct {
	b         bytes.Buffer
	sensitive []cty.Path
}

// pathStep is a step of the path to a value: an object key or an index.
type pathStep any

// isSensitive reports whether the value at path is sensitive. A JSON object
// may be a map or an object, so a key matches an index step and an
// attribute step alike.
func (r *attrRenderer) isSensitive(path []pathStep) bool {
	for _, p := range r.sensitive {
		if len(p) != len(path) {
			continue
		}
		match := true
		for i, step := range p {
			switch step := step.(type) {
			case cty.GetAttrStep:
				match = match && path[i] == step.Name
			case cty.IndexStep:
				switch {
				case step.Key.Type() == cty.String:
					match = match && path[i] == step.Key.AsString()
				case step.Key.Type() == cty.Number:
					n, _ := step.Key.AsBigFloat().Int64()
					match = match && path[i] == int(n)
				default:
					match = false
				}
			default:
				match = false
			}
		}
		if match {
			return true
		}
	}
	return false
}

func (r *attrRenderer) indent(depth int) {
	r.b.WriteString(strings.Repeat("    ", depth))
}

// object renders an object's fields, one to a line with the equals signs
// aligned; top leaves out null fields, as Terraform does.
func (r *attrRenderer) object(obj map[string]any, path []pathStep, depth int, top bool) {
	keys := make([]string, 0, len(obj))
	for k, v := range obj {
		if top && v == nil {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		r.b.WriteString("{}")
		return
	}
	slices.Sort(keys)
	names := make([]string, len(keys))
	width := 0
	for i, k := range keys {
		names[i] = k
		if !hclsyntax.ValidIdentifier(k) {
			names[i] = string(hclwrite.TokensForValue(cty.StringVal(k)).Bytes())
		}
		width = max(width, len(names[i]))
	}
	r.b.WriteString("{\n")
	for i, k := range keys {
		r.indent(depth + 1)
		fmt.Fprintf(&r.b, "%-*s = ", width, names[i])
		r.value(obj[k], append(slices.Clip(path), k), depth+1)
		r.b.WriteByte('\n')
	}
	r.indent(depth)
	r.b.WriteByte('}')
}

func (r *attrRenderer) value(v any, path []pathStep, depth int) {
	if r.isSensitive(path) {
		r.b.WriteString("(sensitive value)")
		return
	}
	switch v := v.(type) {
	case nil:
		r.b.WriteString("null")
	case bool:
		fmt.Fprint(&r.b, v)
	case json.Number:
		r.b.WriteString(v.String())
	case string:
		r.b.Write(hclwrite.TokensForValue(cty.StringVal(v)).Bytes())
	case []any:
		if len(v) == 0 {
			r.b.WriteString("[]")
			return
		}
		r.b.WriteString("[\n")
		for i, e := range v {
			r.indent(depth + 1)
			r.value(e, append(slices.Clip(path), i), depth+1)
			r.b.WriteString(",\n")
		}
		r.indent(depth)
		r.b.WriteByte(']')
	case map[string]any:
		r.object(v, path, depth, false)
	}
}

// renderCluster writes a cluster's server groups and history.
func renderCluster(w io.Writer, c *state.Cluster) {
	fmt.Fprintf(w, "# cluster.%s (%s):\n", c.Name, c.Provider)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "server group\tversion\ttraffic\tcapacity (min/desired/max)\tcreated")
	for _, sg := range c.ServerGroups {
		traffic := "disabled"
		if sg.Enabled {
			traffic = fmt.Sprintf("enabled, %d%%", sg.Weight)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d/%d\t%s\n", sg.Name, sg.Version, traffic,
			sg.Capacity.Min, sg.Capacity.Desired, sg.Capacity.Max, formatTime(sg.CreatedAt))
	}
	tw.Flush()
	if len(c.History) == 0 {
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "deployment\tserver group\tversion\tstrategy\toutcome\tstarted\tfinished")
	for _, d := range c.History {
		outcome := d.Outcome
		if d.Reason != "" {
			outcome += ": " + d.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.ServerGroup, d.Version, d.Strategy, outcome, formatTime(d.Started), formatTime(d.Finished))
	}
	tw.Flush()
	fmt.Fprintln(w)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
