package aws

import "github.com/tackhq/tack/plugins/sdk"

// resources are the provider's managed resource types.
func resources() map[string]*sdk.Resource {
	return map[string]*sdk.Resource{}
}
