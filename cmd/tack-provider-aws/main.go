// Command tack-provider-aws serves tack's AWS provider as a plugin. tack
// launches it; run by hand with -debug it serves for a debugger and
// prints the TACK_REATTACH_PROVIDERS value that makes tack attach to it.
package main

import (
	"github.com/tackhq/tack/plugins/providers/aws"
	"github.com/tackhq/tack/plugins/sdk"
)

func main() {
	sdk.Serve(aws.Provider())
}
