// Command tack is the CLI: it reads flags and the environment, runs a
// command, and renders what the command returns. It holds no logic of its
// own beyond that.
package main

import (
	"io"
	"os"

	"github.com/hashicorp/cli"
)

// version is tack's release, reported by `tack version` and sent to
// providers in ConfigureProvider.
const version = "0.1.0"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// env is the one place the process environment is read from, passed down
// so tests can set it.
type env func(string) string

// run runs one tack command and returns the exit status.
func run(args []string, stdout, stderr io.Writer, getenv env) int {
	ui := &cli.BasicUi{Writer: stdout, ErrorWriter: stderr}
	meta := &meta{ui: ui, stdout: stdout, stderr: stderr, getenv: getenv}
	c := &cli.CLI{
		Name:        "tack",
		Version:     version,
		Args:        args,
		HelpWriter:  stdout,
		ErrorWriter: stderr,
		Commands: map[string]cli.CommandFactory{
			"fmt":              func() (cli.Command, error) { return &fmtCommand{meta: meta}, nil },
			"init":             func() (cli.Command, error) { return &initCommand{meta}, nil },
			"version":          func() (cli.Command, error) { return &versionCommand{meta}, nil },
			"providers":        func() (cli.Command, error) { return &providersCommand{meta}, nil },
			"providers schema": func() (cli.Command, error) { return &providersSchemaCommand{meta: meta}, nil },
			"validate":         func() (cli.Command, error) { return &validateCommand{meta}, nil },
		},
	}
	status, err := c.Run()
	if err != nil {
		ui.Error("Error: " + err.Error())
		return 1
	}
	return status
}
