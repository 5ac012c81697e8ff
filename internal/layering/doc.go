// Package layering holds no code: its test enforces the design's data
// flow (bus packages → collectors → scan → exporter, cluster, CLI) on the
// repository's own imports.
package layering
