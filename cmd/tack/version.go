package main

import (
	"fmt"

	"github.com/tackhq/tack/plugins/sdk"
)

type versionCommand struct{ *meta }

func (c *versionCommand) Help() string {
	return "Usage: tack version\n\n  Prints tack's version and the provider protocol version it speaks."
}

func (c *versionCommand) Synopsis() string { return "Show the version" }

func (c *versionCommand) Run(args []string) int {
	if len(args) > 0 {
		c.ui.Error("Error: tack version takes no arguments.\n\n" + c.Help())
		return 1
	}
	fmt.Fprintf(c.stdout, "tack v%s\nprovider protocol %d\n", version, sdk.ProtocolVersion)
	return 0
}
