// Package state owns what tack last recorded: the model of resources,
// clusters and outputs ([State]), its JSON file format ([ReadFile],
// [WriteFile], documented in docs/state-format.md), and the interfaces a
// place to keep it must implement ([Backend]: [Reader], [Writer], [Locker]).
//
// # The model
//
// A [State] is plain data and carries no lock; it is not safe for
// concurrent use. The apply engine, which records results from several
// goroutines, goes through a [SyncState], which owns the mutex and hands
// out deep copies. Recorded objects are kept encoded ([ObjectSrc]), because
// only the planner knows the schema that decodes them into cty values
// ([ObjectSrc.Decode], [Object.Encode]).
//
// # Files and backends
//
// [ReadFile] accepts any bytes and never panics: a file that is not a state
// file, or is damaged, gives a *[FormatError]; one written by a newer tack
// gives [ErrNewerFormat]. [WriteFile] is deterministic, so equal states give
// byte-identical files. Backends (state/local, and later S3 and PostgreSQL)
// implement [Backend], and all of them pass the shared conformance suite in
// state/backendtest.
//
// # What this package must not do
//
// state never imports planner, cmd or plugins/client (imports flow
// cmd → config → planner → state), and it never prints or reads the
// environment: it returns values and errors, and the command line decides
// what the user sees.
package state
