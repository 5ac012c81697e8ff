package main

import (
	"runtime/debug"
	"strings"

	"github.com/prometheus/common/version"
)

// Build information lives in github.com/prometheus/common/version, as in
// every Prometheus exporter: `make build` stamps Version, Revision,
// Branch, BuildUser and BuildDate there with -ldflags. A plain `go build`
// or `go install` stamps none of them; fillVersion then takes what the Go
// toolchain recorded in the binary.
func init() { fillVersion(debug.ReadBuildInfo()) }

// fillVersion sets the version from the module's version ("v0.1.0" when
// installed as `go install …@v0.1.0`, a pseudo-version from a checkout's
// commit) when -ldflags did not set it. prometheus/common/version already
// falls back to the VCS revision by itself.
func fillVersion(bi *debug.BuildInfo, ok bool) {
	if version.Version != "" {
		return
	}
	version.Version = "devel"
	if !ok {
		return
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		version.Version = strings.TrimPrefix(v, "v")
	}
}
