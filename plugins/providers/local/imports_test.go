package local

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A shipped provider is built the way a vendor's is: it imports nothing of
// tack but plugins/sdk (and sdk/sdktest in its tests), so it proves the SDK
// is enough to write one.
func TestImportsOnlyTheSDK(t *testing.T) {
	t.Parallel()
	allowed := map[string]bool{
		"github.com/tackhq/tack/plugins/sdk":             true,
		"github.com/tackhq/tack/plugins/sdk/sdktest":     true,
		"github.com/tackhq/tack/plugins/providers/local": true, // its own external tests
	}
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files found (%v)", err)
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/tackhq/tack/") && !allowed[path] {
				t.Errorf("%s imports %s; a provider may import only plugins/sdk (and sdk/sdktest in tests)", name, path)
			}
		}
	}
}
