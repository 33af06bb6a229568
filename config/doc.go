// Package config loads tack's configuration: the *.tack.hcl and *.tack.json
// files of a directory form one module, decoded into a typed model
// ([Module]) with every problem reported as an hcl.Diagnostic that carries
// file, line and column.
//
// Loading is the first of the configuration's stages. It checks what the
// files alone can tell (block types, names, duplicate declarations across
// files, type constraints, Spinnaker's cluster naming) and keeps
// expressions unevaluated, for the later stages that know variables,
// references and provider schemas.
//
// This package must not import planner, state or plugins/client, and must
// not print: it returns models and diagnostics.
package config
