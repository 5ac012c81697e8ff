// Package deploy holds the Kubernetes manifests (hwgraph.yaml), embedded
// and kept valid by the tests beside it.
package deploy

import _ "embed"

// Manifests is hwgraph.yaml.
//
//go:embed hwgraph.yaml
var Manifests []byte
