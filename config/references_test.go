package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tackhq/tack/config/addrs"
)

func TestReferences(t *testing.T) {
	t.Parallel()
	src := `"${var.region}-${local.name}" == module.net.id ? local_file.a[0].path : data.local_file.motd.content`
	expr, diags := hclsyntax.ParseExpression([]byte(src), "x.tack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	refs, diags := References(expr)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var got []string
	for _, r := range refs {
		got = append(got, r.Subject.String())
	}
	want := []string{"var.region", "local.name", "module.net.id", "local_file.a[0]", "data.local_file.motd"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
}

func TestReferencesReportMalformedOnes(t *testing.T) {
	t.Parallel()
	expr, diags := hclsyntax.ParseExpression([]byte(`count.foo + var`), "x.tack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	_, diags = References(expr)
	if len(diags) != 2 {
		t.Fatalf("got %d diagnostics, want one for count.foo and one for var:\n%s", len(diags), renderDiags(diags))
	}
	if diags[0].Subject == nil || diags[0].Subject.Start.Column < 1 {
		t.Errorf("the diagnostic has no place: %v", diags[0])
	}
}

func TestResourceAddr(t *testing.T) {
	t.Parallel()
	m, diags := loadFixture(t, "load-full")
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	got := m.DataResources["local_file.motd"].Addr()
	want := addrs.Resource{Mode: addrs.DataResourceMode, Type: "local_file", Name: "motd"}
	if !got.Equal(want) || got.String() != "data.local_file.motd" {
		t.Errorf("Addr() = %v, want %v", got, want)
	}
}
