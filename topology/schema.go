package topology

import _ "embed"

// JSONSchema is the JSON Schema (draft 2020-12) of the graph document that
// WriteJSON produces, for consumers that validate what they read.
//
//go:embed schema.json
var JSONSchema []byte
