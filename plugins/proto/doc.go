// Package proto is tack's provider wire protocol, package tack.plugin.v1:
// tack.proto, the vendor's reference for every message and field, and the
// Go code protoc generates from it (tack.pb.go, tack_grpc.pb.go), which is
// committed and regenerated with `make proto`.
//
// Nothing here is written by hand except tack.proto and this file. The Go
// contract over these messages, with cty values instead of bytes, is
// plugins/sdk; both tack's plugin client and the SDK's server convert
// through it.
package proto
