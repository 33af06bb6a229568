package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// evalIn evaluates an expression with the functions of module dir.
func evalIn(t *testing.T, dir, src string) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.tack.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parsing %s: %s", src, diags.Error())
	}
	return expr.Value(&hcl.EvalContext{Functions: Functions(dir)})
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "motd.txt"), "hello\n")
	mustWrite(t, filepath.Join(dir, "tmpl", "greet.tftpl"), "Hello, ${upper(name)}! %{ for n in nums }${n}%{ endfor }")
	mustWrite(t, filepath.Join(dir, "bin.dat"), "\xff\x00")
	tests := []struct {
		expr string
		want cty.Value
	}{
		{`length("héllo")`, cty.NumberIntVal(5)},
		{`length(["a", "b"])`, cty.NumberIntVal(2)},
		{`length({a = 1, b = 2, c = 3})`, cty.NumberIntVal(3)},
		{`upper("api")`, cty.StringVal("API")},
		{`join("-", ["api", "prod"])`, cty.StringVal("api-prod")},
		{`jsonencode({a = 1})`, cty.StringVal(`{"a":1}`)},
		{`jsondecode("[1,2]")[1]`, cty.NumberIntVal(2)},
		{`base64decode(base64encode("tack"))`, cty.StringVal("tack")},
		{`sha256("hello")`, cty.StringVal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")},
		{`try(jsondecode("not json"), "fallback")`, cty.StringVal("fallback")},
		{`can(jsondecode("not json"))`, cty.False},
		{`tostring(3)`, cty.StringVal("3")},
		{`length(toset(["a", "a", "b"]))`, cty.NumberIntVal(2)},
		{`merge({a = 1}, {b = 2})["b"]`, cty.NumberIntVal(2)},
		{`file("motd.txt")`, cty.StringVal("hello\n")},
		{`filebase64("bin.dat")`, cty.StringVal("/wA=")},
		{`fileexists("motd.txt")`, cty.True},
		{`fileexists("nope.txt")`, cty.False},
		{`fileexists("tmpl")`, cty.False},
		{`templatefile("tmpl/greet.tftpl", { name = "world", nums = [1, 2] })`, cty.StringVal("Hello, WORLD! 12")},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			got, diags := evalIn(t, dir, tt.expr)
			if diags.HasErrors() {
				t.Fatalf("%s: %s", tt.expr, diags.Error())
			}
			if !got.RawEquals(tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.expr, got, tt.want)
			}
		})
	}
}

func TestFileFunctionsStayInTheModule(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	dir := filepath.Join(parent, "module")
	mustWrite(t, filepath.Join(parent, "secret.txt"), "s3cret")
	mustWrite(t, filepath.Join(dir, "ok.txt"), "ok")
	if err := os.Symlink(filepath.Join(parent, "secret.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", filepath.Join(dir, "evil")); err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{
		`file("../secret.txt")`,
		`file("link.txt")`,
		`file("` + filepath.ToSlash(filepath.Join(parent, "secret.txt")) + `")`,
		`filebase64("../secret.txt")`,
		`fileexists("../secret.txt")`,
		`templatefile("../secret.txt", {})`,
		`file("evil/secret.txt")`,
		`file("${abspath(".")}/evil/nope/../secret.txt")`,
		`fileexists("evil/secret.txt")`,
	} {
		_, diags := evalIn(t, dir, expr)
		if !diags.HasErrors() || !strings.Contains(diags.Error(), "outside the module directory") && !strings.Contains(diags.Error(), "escapes") {
			t.Errorf("%s was not refused as outside the module: %v", expr, diags)
		}
	}
	if got, diags := evalIn(t, dir, `abspath("ok.txt")`); diags.HasErrors() || got.AsString() != filepath.ToSlash(filepath.Join(dir, "ok.txt")) {
		t.Errorf("abspath = %#v, %v", got, diags)
	}
}

func TestTemplatefileResults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "num.tftpl"), "${n}")
	mustWrite(t, filepath.Join(dir, "list.tftpl"), "${l}")
	if got, diags := evalIn(t, dir, `templatefile("num.tftpl", { n = 5 })`); diags.HasErrors() || !got.RawEquals(cty.StringVal("5")) {
		t.Errorf("a template of one number = %#v, %v; want \"5\"", got, diags)
	}
	_, diags := evalIn(t, dir, `templatefile("list.tftpl", { l = [1, 2] })`)
	if !diags.HasErrors() || strings.Contains(diags.Error(), "panic") || !strings.Contains(diags.Error(), "not a string") {
		t.Errorf("a template producing a list: %v", diags)
	}
}

func TestUUIDIsFreshEachCall(t *testing.T) {
	t.Parallel()
	got, diags := evalIn(t, t.TempDir(), `[uuid(), uuid()]`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	a, b := got.Index(cty.NumberIntVal(0)).AsString(), got.Index(cty.NumberIntVal(1)).AsString()
	shape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	if !shape.MatchString(a) || a == b {
		t.Errorf("uuid() gave %q and %q", a, b)
	}
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
