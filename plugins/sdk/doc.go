// Package sdk is what a provider vendor imports to write a tack provider in
// plain Go, and the contract tack's core speaks to every provider.
//
// # Writing a provider
//
// Describe the provider with a [Provider]: its configuration [Block], a
// Configure function, and its [Resource] and [DataSource] types, each a
// schema plus Create/Read/Update/Delete/Import functions that read and set
// attributes through [Data]. Then call [Serve] from main:
//
//	func main() {
//		sdk.Serve(&sdk.Provider{Name: "hello", Resources: …})
//	}
//
// The SDK turns plans into predictions (defaults, computed values marked
// "known after apply", [RequiresReplace], [UseStateForUnknown]), recovers a
// panic in vendor code into an error diagnostic while the provider keeps
// serving, and cancels in-flight work when the core calls Stop. A provider
// must import nothing of tack but this package (and sdk/sdktest in its tests).
//
// # The contract
//
// [ProviderServer] is the Go form of the wire protocol in plugins/proto, with
// cty values where the wire has msgpack bytes. [*Provider] implements it; so
// does the core's plugin client, so the core cannot tell an in-process
// provider from one launched as a plugin. Hosting clusters adds
// [ServerGroups]; serving canary metrics adds [Metrics].
//
// This package must not import any other package of tack except
// plugins/proto, and must not print or exit except in [Serve].
package sdk
