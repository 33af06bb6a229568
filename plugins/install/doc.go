// Package install finds provider binaries. Today it knows one place: the
// providers shipped with tack, installed beside the tack binary (or in
// directories the caller names) as tack-provider-<name>, with source
// address tack/<name>. Version constraints, the lock file and checksums
// come with `tack init`.
//
// This package reads the file system only; it does not launch anything.
package install
