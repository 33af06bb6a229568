// Package client is the core's side of provider plugins: it launches a
// provider binary with hashicorp/go-plugin (gRPC only, AutoMTLS, tack's
// handshake cookie, protocol version 1), or attaches to one already
// running, verifies its checksum when one is expected, and exposes it as
// the same [sdk.ProviderServer] a provider implements.
//
// A provider that crashes or exits in the middle of a call yields an error
// diagnostic that names the provider and quotes the last lines of its
// stderr and its panic; every call honours its context. Provider logs go to
// the hclog.Logger in [Opts].
//
// This package must not import config, planner or state, and reads no
// environment variables: cmd/tack reads TACK_LOG and TACK_REATTACH_PROVIDERS
// and passes what they say in through [Opts].
package client
