// Package deploy holds what installs hwgraph, kept valid by the tests
// beside it: the Kubernetes manifests (hwgraph.yaml and its patches for
// devices and GPU nodes), the systemd unit (systemd/), the package
// description (package/) and the container image's test (container/).
package deploy

import _ "embed"

// Manifests is hwgraph.yaml.
//
//go:embed hwgraph.yaml
var Manifests []byte

// DevicesPatch is hwgraph-devices.yaml: the agent, privileged, reads
// /dev/kmsg and /dev/ipmi0.
//
//go:embed hwgraph-devices.yaml
var DevicesPatch []byte

// GPUPatch is hwgraph-gpu.yaml: the agent on NVIDIA GPU nodes.
//
//go:embed hwgraph-gpu.yaml
var GPUPatch []byte

// NPDPatch is node-problem-detector/npd-hwgraph-patch.yaml: NPD's
// DaemonSet running `hwgraph check` as its custom plugins.
//
//go:embed node-problem-detector/npd-hwgraph-patch.yaml
var NPDPatch []byte

// NPDPluginConfigMap is node-problem-detector/hwgraph-plugin-configmap.yaml,
// and NPDPlugin the plugin configuration it holds.
//
//go:embed node-problem-detector/hwgraph-plugin-configmap.yaml
var NPDPluginConfigMap []byte

//go:embed node-problem-detector/hwgraph-plugin.json
var NPDPlugin []byte

// NodeConditionsRBAC is hwgraph-node-conditions.yaml, and
// NodeConditionsPatch hwgraph-node-conditions-patch.yaml: the agent
// setting its node's hardware conditions.
//
//go:embed hwgraph-node-conditions.yaml
var NodeConditionsRBAC []byte

//go:embed hwgraph-node-conditions-patch.yaml
var NodeConditionsPatch []byte
