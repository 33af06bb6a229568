// Command providerdocs writes the reference page of each provider tack
// ships, from the provider's schemas and a hand-written introduction, so
// that the documentation cannot drift from the code: `make docs` runs it,
// and its test fails when a committed page differs from what it writes.
//
// The introductions are intro/NAME.md beside this file; the reference
// that follows each is rendered by plugins/sdk/docgen.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tackhq/tack/plugins/providers/aws"
	"github.com/tackhq/tack/plugins/providers/local"
	"github.com/tackhq/tack/plugins/sdk"
	"github.com/tackhq/tack/plugins/sdk/docgen"
)

//go:embed intro/*.md
var intros embed.FS

// page is one generated page.
type page struct {
	provider *sdk.Provider
	source   string
	// intro names the file under intro/; out is the page's path from the
	// repository's root.
	intro, out string
}

// pages are the pages make docs writes. docs/providers/local.md is the
// local provider's hand-written guide; its generated reference is a page
// of its own.
func pages() []page {
	return []page{
		{provider: aws.Provider(), source: "tack/aws", intro: "aws.md", out: "docs/providers/aws.md"},
		{provider: local.Provider(), source: "tack/local", intro: "local.md", out: "docs/providers/local-schema.md"},
	}
}

// render is the page's content.
func render(p page) ([]byte, error) {
	intro, err := intros.ReadFile("intro/" + p.intro)
	if err != nil {
		return nil, err
	}
	return docgen.Markdown(p.provider.GetSchema(context.Background()), docgen.Page{
		Source:    p.source,
		Intro:     string(intro),
		Generator: "`make docs` (cmd/tack/internal/providerdocs, intro/" + p.intro + ")",
	}), nil
}

func main() {
	root := flag.String("root", ".", "the repository's root, under which the pages are written")
	flag.Parse()
	for _, p := range pages() {
		data, err := render(p)
		if err == nil {
			err = os.WriteFile(filepath.Join(*root, p.out), data, 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "providerdocs: %s: %v\n", p.out, err)
			os.Exit(1)
		}
		fmt.Println("wrote", p.out)
	}
}
