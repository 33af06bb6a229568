package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPagesUpToDate fails when a committed provider page is not what make
// docs writes from the schemas as they are now: a new attribute, resource
// or description needs the page regenerated in the same change.
func TestPagesUpToDate(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "..", "..")
	for _, p := range pages() {
		t.Run(p.out, func(t *testing.T) {
			t.Parallel()
			want, err := render(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(root, p.out))
			if err != nil {
				t.Fatalf("%v: run make docs to write it", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s is out of date with the provider's schemas: run make docs and commit it (-generated +committed):\n%s", p.out, diff)
			}
		})
	}
}
