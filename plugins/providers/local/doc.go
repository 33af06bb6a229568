// Package local is tack's embedded default provider, source address
// "tack/local": the platform that needs nothing installed, so that
// `tack apply` works on a laptop.
//
// # What it owns
//
// Files: the local_file resource writes a file atomically, detects when it
// is edited, re-permissioned or removed outside tack, and can import an
// existing file by its path; the local_file data source reads a file.
// Relative paths resolve against the provider block's directory, by
// default the working directory of the provider process.
//
// Clusters: it serves [sdk.ServerGroups] and [sdk.Metrics] on the local
// platform (package internal/platform), where a server group is N
// processes of the server_group block's command, each given a free port
// in PORT, and local_load_balancer is an HTTP reverse proxy that
// health-checks them, routes to the enabled groups by weight, drains
// groups that leave, and counts requests for canary analysis. Processes
// and proxies run under a supervisor, this provider's binary run as
// `supervise DIR` ([Supervise]), which the provider starts detached on
// demand so that they outlive tack. docs/providers/local.md describes the
// platform and the decisions behind it.
//
// # What it must not do
//
// It imports nothing of tack but plugins/sdk, exactly like a third-party
// vendor's provider, so that the SDK is proven sufficient by the provider
// tack ships; its platform imports nothing of tack at all. It never prints
// or exits; [Provider] describes it and cmd/tack-provider-local serves it.
//
// In a test binary it will not run its own executable as the supervisor
// (a test binary given unknown arguments runs its tests again): a test
// that uses clusters or load balancers passes [Options.SupervisorCommand]
// and answers that command from TestMain with [Supervise], as this
// package's tests do.
package local
