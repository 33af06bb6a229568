// Package install finds provider binaries, chooses their versions and
// keeps the lock file, .tack.lock.hcl, that records the choice.
//
// # Where providers come from
//
// A provider is named by its source address, "<namespace>/<type>"
// ("tack/local", "vendor/hello"), and its binary is always
// tack-provider-<type>. [Resolve] and [Locate] look, in this order:
//
//  1. a development override ([Opts.DevOverrides]): one directory per
//     source, used as it is, without version or checksum checks;
//  2. the project's own directory, <Opts.Dir>/.tack/providers;
//  3. the user plugin directory, [Opts.UserDir];
//  4. each of [Opts.PluginDirs];
//  5. for tack/<type> sources only, the directory of the tack binary
//     ([Opts.TackDir]), where the providers shipped with tack are installed.
//
// Directories 2 to 4 share one layout,
// <source>/<version>/<os>_<arch>/tack-provider-<type>. A plugin directory
// and the tack binary's directory may also hold tack-provider-<type>
// directly: that is a provider shipped with tack, whose version is tack's
// own ([Opts.TackVersion]).
//
// # Versions and the lock file
//
// [Resolve] picks, for every source, the newest version that meets every
// module's constraint (when several places hold that version, the first
// in the order above), hashes its binary with SHA-256 and returns the
// [Locks] to write. A version already in the lock file is kept while it
// meets the constraints, and its binary must still have a recorded
// checksum. [Locate] is what plan, apply and validate call: it finds the
// binary of every locked provider and refuses one whose checksum differs
// from the lock file with a [*ChecksumMismatchError], before anything runs.
// plugins/client checks the checksum again when it launches the binary.
//
// This package reads the file system and reads and writes the lock file;
// it launches nothing, prints nothing and reads no environment variables:
// cmd/tack resolves $TACK_PLUGIN_DIR, the home directory and the CLI
// configuration and passes them in through [Opts]. It must not import
// config, planner or state: requirements come in as [Requirement].
package install
