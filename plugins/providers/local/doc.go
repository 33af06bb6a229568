// Package local is tack's embedded default provider, source address
// "tack/local": the platform that needs nothing installed, so that
// `tack apply` works on a laptop.
//
// # What it owns
//
// Today it manages files on the machine the provider runs on: the
// local_file resource writes a file atomically, detects when it is edited,
// re-permissioned or removed outside tack, and can import an existing file
// by its path; the local_file data source reads a file. Relative paths
// resolve against the provider block's directory, by default the working
// directory of the provider process.
//
// Later it will host clusters (a server group as N real OS processes of the
// user's command) and serve local_load_balancer, a real HTTP reverse proxy
// that health-checks instances and counts requests for canary analysis.
//
// # What it must not do
//
// It imports nothing of tack but plugins/sdk, exactly like a third-party
// vendor's provider, so that the SDK is proven sufficient by the provider
// tack ships. It never prints or exits; [Provider] describes it and
// cmd/tack-provider-local serves it.
package local
