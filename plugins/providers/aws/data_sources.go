package aws

import "github.com/tackhq/tack/plugins/sdk"

// dataSources are the provider's data source types.
func dataSources() map[string]*sdk.DataSource {
	return map[string]*sdk.DataSource{}
}
