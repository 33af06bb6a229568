package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

type outputCommand struct{ *meta }

func (c *outputCommand) Synopsis() string { return "Show output values from the state" }

func (c *outputCommand) Help() string {
	return `Usage: tack output [options] [NAME]

  Prints the root module's outputs as the last apply recorded them, or one
  of them. Sensitive outputs are hidden in the list, and shown when named.

Options:

  -json      Print as JSON: every output with its type and sensitivity, or
             the named one's value.
  -raw       Print the named output's value as it is, without quotes; only
             for strings, numbers and booleans.
  -no-color  Accepted for symmetry; output is never coloured.`
}

func (c *outputCommand) Run(args []string) int {
	fs := flag.NewFlagSet("output", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	raw := fs.Bool("raw", false, "")
	fs.Bool("no-color", false, "")
	if err := fs.Parse(args); err != nil || fs.NArg() > 1 || (*raw && *asJSON) {
		c.ui.Error("Error: invalid arguments.\n\n" + c.Help())
		return 1
	}
	s, ok := c.currentState()
	if !ok {
		return 1
	}
	if fs.NArg() == 1 {
		name := fs.Arg(0)
		o, ok := s.Outputs[name]
		if !ok {
			c.ui.Error(fmt.Sprintf("Error: output %q not found. The state has no output of that name; run tack apply if the configuration added it.", name))
			return 1
		}
		v, _ := o.Value.UnmarkDeep()
		switch {
		case *raw:
			if !v.Type().IsPrimitiveType() || v.IsNull() {
				c.ui.Error(fmt.Sprintf("Error: -raw prints strings, numbers and booleans; output %q is %s. Use -json.", name, v.Type().FriendlyName()))
				return 1
			}
			sv, _ := convertToString(v)
			fmt.Fprint(c.stdout, sv)
		case *asJSON:
			b, err := ctyjson.Marshal(v, v.Type())
			if err != nil {
				c.ui.Error("Error: " + err.Error())
				return 1
			}
			fmt.Fprintln(c.stdout, string(b))
		default:
			fmt.Fprintln(c.stdout, formatValue(v, ""))
		}
		return 0
	}
	if *asJSON {
		type jsonOutput struct {
			Sensitive bool            `json:"sensitive"`
			Type      json.RawMessage `json:"type"`
			Value     json.RawMessage `json:"value"`
		}
		out := map[string]jsonOutput{}
		for name, o := range s.Outputs {
			v, _ := o.Value.UnmarkDeep()
			ty, _ := ctyjson.MarshalType(v.Type())
			val, err := ctyjson.Marshal(v, v.Type())
			if err != nil {
				c.ui.Error("Error: " + err.Error())
				return 1
			}
			out[name] = jsonOutput{Sensitive: o.Sensitive, Type: ty, Value: val}
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(c.stdout, string(b))
		return 0
	}
	if len(s.Outputs) == 0 {
		c.ui.Warn("Warning: no outputs found. The state has no outputs; add output blocks and run tack apply.")
		return 0
	}
	for _, name := range slices.Sorted(maps.Keys(s.Outputs)) {
		o := s.Outputs[name]
		if o.Sensitive {
			fmt.Fprintf(c.stdout, "%s = <sensitive>\n", name)
			continue
		}
		fmt.Fprintf(c.stdout, "%s = %s\n", name, formatValue(o.Value, ""))
	}
	return 0
}

func convertToString(v cty.Value) (string, bool) {
	switch v.Type() {
	case cty.String:
		return v.AsString(), true
	case cty.Number:
		return v.AsBigFloat().Text('f', -1), true
	case cty.Bool:
		if v.True() {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// formatValue renders a known value in HCL syntax, indented for nesting.
func formatValue(v cty.Value, indent string) string {
	v, marks := v.Unmark()
	if len(marks) > 0 {
		return "(sensitive value)"
	}
	if v.IsNull() {
		return "null"
	}
	if !v.IsKnown() {
		return "(known after apply)"
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		s := v.AsString()
		if strings.Contains(s, "\n") {
			if !strings.HasSuffix(s, "\n") {
				s += "\n"
			}
			return "<<EOT\n" + s + "EOT"
		}
		b, _ := json.Marshal(s)
		return string(b)
	case ty.IsPrimitiveType():
		s, _ := convertToString(v)
		return s
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		if v.LengthInt() == 0 {
			return "[]"
		}
		var b strings.Builder
		b.WriteString("[\n")
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			b.WriteString(indent + "  " + formatValue(e, indent+"  ") + ",\n")
		}
		b.WriteString(indent + "]")
		return b.String()
	case ty.IsMapType() || ty.IsObjectType():
		if v.LengthInt() == 0 {
			return "{}"
		}
		m := v.AsValueMap()
		keys := make([]string, 0, len(m))
		width := 0
		for k := range m {
			keys = append(keys, k)
			width = max(width, len(k))
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "%s  %-*s = %s\n", indent, width, k, formatValue(m[k], indent+"  "))
		}
		b.WriteString(indent + "}")
		return b.String()
	}
	return v.GoString()
}
