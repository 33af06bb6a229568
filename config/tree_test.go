package config

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadConfigTree(t *testing.T) {
	t.Parallel()
	c, diags := NewParser().LoadConfig(filepath.Join("testdata", "tree-modules"))
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", renderDiags(diags))
	}
	subnet := c.Descendant([]string{"net", "subnet"})
	if subnet == nil {
		t.Fatalf("module.net.module.subnet was not loaded")
	}
	if diff := cmp.Diff([]string{"net", "subnet"}, subnet.Path); diff != "" {
		t.Errorf("path (-want +got):\n%s", diff)
	}
	if _, ok := subnet.Module.Resources["local_file.web"]; !ok {
		t.Errorf("the nested module's resource local_file.web is missing")
	}
	if subnet.Parent != c.Children["net"] || c.Children["net"].Parent != c {
		t.Errorf("parents do not lead back to the root")
	}
	if _, ok := c.Children["net"].Module.Variables["cidr"]; !ok {
		t.Errorf("module.net's input variable is missing")
	}
}

func TestLoadConfigTreeErrors(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "tree-bad-modules")
	_, diags := NewParser().LoadConfig(dir)
	got := renderDiags(diags)
	checkGolden(t, dir, got)
}
