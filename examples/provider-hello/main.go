// Command provider-hello is a complete tack provider, a model for vendors: the
// hello_greeting named "world" is the file <directory>/world.txt, holding
// "Hello, world!". Like every provider, it imports nothing of tack but plugins/sdk.
package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/sdk"
)

// main is all a provider's main needs. Run with -debug, it waits for a debugger.
func main() { sdk.Serve(provider()) }

// provider describes the provider in plain Go. Tests build it the same way.
func provider() *sdk.Provider {
	return &sdk.Provider{
		Name:    "hello", // every type name starts with "hello_"
		Version: "0.1.0",
		Schema: sdk.Block{Attributes: map[string]*sdk.Attribute{
			"directory": {Type: cty.String, Required: true, Description: "Where greetings are kept."},
		}},
		Configure:   configure,
		Resources:   map[string]*sdk.Resource{"hello_greeting": greetingResource()},
		DataSources: map[string]*sdk.DataSource{"hello_greeting": greetingDataSource()},
	}
}

// store is the meta Configure returns; a real provider keeps its API client here.
type store struct{ dir string }

func (s *store) path(name string) string { return filepath.Join(s.dir, name+".txt") }

func configure(_ context.Context, config *sdk.Data) (any, sdk.Diagnostics) {
	dir := config.String("directory")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("directory"),
			"Cannot use the directory", "Creating %s failed: %s.", dir, err)}
	}
	return &store{dir: dir}, nil
}

func greetingResource() *sdk.Resource {
	return &sdk.Resource{
		Schema: sdk.Block{Attributes: map[string]*sdk.Attribute{
			// A new name is a new file: the plan shows a replacement.
			"name": {Type: cty.String, Required: true, Validators: []sdk.Validator{fileName},
				PlanModifiers: []sdk.PlanModifier{sdk.RequiresReplace()}},
			"greeting": {Type: cty.String, Optional: true, Computed: true, Default: cty.StringVal("Hello")},
			"message":  {Type: cty.String, Computed: true, Description: "The text of the file."},
			// The file's path, fixed at create: plan it as recorded, not "known after apply".
			"id": {Type: cty.String, Computed: true, PlanModifiers: []sdk.PlanModifier{sdk.UseStateForUnknown()}},
		}},
		ModifyPlan: planMessage,
		Create:     func(_ context.Context, m any, d *sdk.Data) sdk.Diagnostics { return write(m.(*store), d, os.O_EXCL) },
		Update:     func(_ context.Context, m any, d *sdk.Data) sdk.Diagnostics { return write(m.(*store), d, os.O_TRUNC) },
		Read:       read,
		Delete:     remove,
		Import:     sdk.ImportAs("name"), // the import ID is the name
	}
}

func message(greeting, name string) string { return greeting + ", " + name + "!" }

// planMessage predicts the message: the plan shows the text, and drift an update.
func planMessage(_ context.Context, _ any, p *sdk.Plan) sdk.Diagnostics {
	if d := p.Planned; d.IsSet("name") && d.IsSet("greeting") {
		d.Set("message", message(d.String("greeting"), d.String("name")))
	}
	return nil
}

// write makes (os.O_EXCL) or rewrites (os.O_TRUNC) the file and sets computed values.
func write(s *store, d *sdk.Data, flag int) sdk.Diagnostics {
	name, msg := d.String("name"), message(d.String("greeting"), d.String("name"))
	f, err := os.OpenFile(s.path(name), os.O_WRONLY|os.O_CREATE|flag, 0o644)
	if errors.Is(err, fs.ErrExist) { // never take over what tack does not manage
		return sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("name"), "Greeting already exists",
			"%s exists, but tack does not manage it. Import it, or choose another name.", s.path(name))}
	} else if err == nil {
		_, err = f.WriteString(msg + "\n")
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		return sdk.FromError("Cannot write the greeting", err)
	}
	d.Set("message", msg)
	d.Set("id", s.path(name))
	return nil
}

// read refreshes the state from the file; after an import only name is set.
func read(_ context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	s, name := meta.(*store), d.String("name")
	b, err := os.ReadFile(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		d.SetGone() // deleted behind tack's back: the next plan creates it
		return nil
	} else if err != nil {
		return sdk.FromError("Cannot read the greeting", err)
	}
	msg := strings.TrimSuffix(string(b), "\n")
	d.Set("message", msg)
	d.Set("id", s.path(name))
	if greeting, ok := strings.CutSuffix(msg, ", "+name+"!"); ok {
		d.Set("greeting", greeting)
	}
	return nil
}

func remove(_ context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
	if err := os.Remove(meta.(*store).path(d.String("name"))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return sdk.FromError("Cannot delete the greeting", err)
	}
	return nil
}

// fileName keeps every greeting inside the provider's directory.
func fileName(path cty.Path, v cty.Value) sdk.Diagnostics {
	if name := v.AsString(); name != filepath.Base(name) || name == "." || name == ".." {
		return sdk.Diagnostics{sdk.AttributeErrorf(path, "Invalid name", "%q is not a file name; leave out slashes.", name)}
	}
	return nil
}

// greetingDataSource reads the message of an existing greeting.
func greetingDataSource() *sdk.DataSource {
	return &sdk.DataSource{
		Schema: sdk.Block{Attributes: map[string]*sdk.Attribute{
			"name":    {Type: cty.String, Required: true, Validators: []sdk.Validator{fileName}},
			"message": {Type: cty.String, Computed: true},
		}},
		Read: func(_ context.Context, meta any, d *sdk.Data) sdk.Diagnostics {
			b, err := os.ReadFile(meta.(*store).path(d.String("name")))
			if err != nil {
				return sdk.Diagnostics{sdk.AttributeErrorf(cty.GetAttrPath("name"), "Cannot read the greeting", "%s.", err)}
			}
			d.Set("message", strings.TrimSuffix(string(b), "\n"))
			return nil
		},
	}
}
