package local

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A shipped provider is built the way a vendor's is: it imports nothing of
// tack but plugins/sdk (and sdk/sdktest in its tests), so it proves the SDK
// is enough to write one. Its own packages are its own business, but the
// platform under internal/ imports nothing of tack at all.
func TestImportsOnlyTheSDK(t *testing.T) {
	t.Parallel()
	const self = "github.com/tackhq/tack/plugins/providers/local"
	allowed := map[string]bool{
		"github.com/tackhq/tack/plugins/sdk":         true,
		"github.com/tackhq/tack/plugins/sdk/sdktest": true,
	}
	var files int
	err := filepath.WalkDir(".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".go") {
			return err
		}
		files++
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		inPlatform := strings.HasPrefix(filepath.ToSlash(name), "internal/")
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case !strings.HasPrefix(path, "github.com/tackhq/tack/"):
			case inPlatform:
				t.Errorf("%s imports %s; the platform imports nothing of tack", name, path)
			case path == self || strings.HasPrefix(path, self+"/"):
			case !allowed[path]:
				t.Errorf("%s imports %s; a provider may import only plugins/sdk (and sdk/sdktest in tests)", name, path)
			}
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("no Go files found (%v)", err)
	}
}
