// Command plugin-roundtrip is what `make demo` runs until tack's plan and
// apply commands exist: the core's plugin client launches the local
// provider binary out of process, as tack will, and takes a local_file
// through its whole life (validate, plan, apply, refresh with drift,
// repair, import, delete), printing each step.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/tackhq/tack/plugins/client"
	"github.com/tackhq/tack/plugins/sdk"
)

func main() {
	provider := flag.String("provider", "bin/tack-provider-local", "the local provider binary")
	flag.Parse()
	if err := run(*provider); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(bin string) error {
	ctx := context.Background()
	start := time.Now()
	p, err := client.Launch(ctx, client.Opts{Name: "tack/local", Path: bin})
	if err != nil {
		return err
	}
	defer p.Close()
	schemas := p.GetSchema(ctx)
	fmt.Printf("launched   tack/local from %s in %s (process, mutual TLS, handshake, schemas)\n", bin, time.Since(start).Round(time.Millisecond))
	if err := check("configure", p.ConfigureProvider(ctx, sdk.ConfigureProviderRequest{
		TackVersion: "demo", Config: cty.NullVal(schemas.Provider.Block.ImpliedType()),
	}).Diagnostics); err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "tack-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fileSchema := schemas.ResourceTypes["local_file"]
	block := &fileSchema.Block
	path := filepath.Join(dir, "greeting.txt")
	config := block.Object(map[string]cty.Value{"path": cty.StringVal(path), "content": cty.StringVal("hello from tack\n")})
	null := cty.NullVal(block.ImpliedType())

	bad := block.Object(map[string]cty.Value{"path": cty.StringVal(path)})
	for _, d := range p.ValidateResourceConfig(ctx, sdk.ValidateResourceConfigRequest{TypeName: "local_file", Config: bad}).Diagnostics {
		fmt.Printf("validate   a local_file without content is refused: %s\n", d)
	}
	if err := check("validate", p.ValidateResourceConfig(ctx, sdk.ValidateResourceConfigRequest{TypeName: "local_file", Config: config}).Diagnostics); err != nil {
		return err
	}
	fmt.Println("validate   local_file.greeting is valid")

	plan := p.PlanResourceChange(ctx, sdk.PlanResourceChangeRequest{TypeName: "local_file", PriorState: null, ProposedNewState: config, Config: config})
	if err := check("plan", plan.Diagnostics); err != nil {
		return err
	}
	fmt.Printf("plan       + local_file.greeting will be created: sha256 %s, id %s\n", show(plan.PlannedState.GetAttr("sha256")), show(plan.PlannedState.GetAttr("id")))

	applied := p.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{TypeName: "local_file", PriorState: null, PlannedState: plan.PlannedState, Config: config})
	if err := check("apply", applied.Diagnostics); err != nil {
		return err
	}
	state := applied.NewState
	onDisk, _ := os.ReadFile(path)
	fmt.Printf("apply      created %s holding %q\n", path, onDisk)

	if err := os.WriteFile(path, []byte("edited by hand\n"), 0o644); err != nil {
		return err
	}
	read := p.ReadResource(ctx, sdk.ReadResourceRequest{TypeName: "local_file", CurrentState: state})
	if err := check("refresh", read.Diagnostics); err != nil {
		return err
	}
	fmt.Printf("refresh    drift: content was %s, is now %s (edited outside tack)\n", show(state.GetAttr("content")), show(read.NewState.GetAttr("content")))

	repair := p.PlanResourceChange(ctx, sdk.PlanResourceChangeRequest{TypeName: "local_file", PriorState: read.NewState, ProposedNewState: sdk.ProposedNewState(block, read.NewState, config), Config: config})
	if err := check("plan", repair.Diagnostics); err != nil {
		return err
	}
	fmt.Printf("plan       ~ local_file.greeting will be updated in place (replace: %d attributes)\n", len(repair.RequiresReplace))
	fixed := p.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{TypeName: "local_file", PriorState: read.NewState, PlannedState: repair.PlannedState, Config: config})
	if err := check("apply", fixed.Diagnostics); err != nil {
		return err
	}
	onDisk, _ = os.ReadFile(path)
	fmt.Printf("apply      repaired: the file holds %q again\n", onDisk)

	imp := p.ImportResourceState(ctx, sdk.ImportResourceStateRequest{TypeName: "local_file", ID: path})
	if err := check("import", imp.Diagnostics); err != nil {
		return err
	}
	imported := p.ReadResource(ctx, sdk.ReadResourceRequest{TypeName: "local_file", CurrentState: imp.Imported[0].State})
	if err := check("import", imported.Diagnostics); err != nil {
		return err
	}
	fmt.Printf("import     %s imports with sha256 %s\n", path, show(imported.NewState.GetAttr("sha256")))

	deleted := p.ApplyResourceChange(ctx, sdk.ApplyResourceChangeRequest{TypeName: "local_file", PriorState: fixed.NewState, PlannedState: null, Config: null})
	if err := check("delete", deleted.Diagnostics); err != nil {
		return err
	}
	_, statErr := os.Stat(path)
	fmt.Printf("delete     - local_file.greeting destroyed; the file exists: %t\n", statErr == nil)
	return nil
}

func check(step string, diags sdk.Diagnostics) error {
	if err := diags.Err(); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	return nil
}

func show(v cty.Value) string {
	switch {
	case !v.IsKnown():
		return "(known after apply)"
	case v.IsNull():
		return "null"
	}
	return fmt.Sprintf("%q", v.AsString())
}
