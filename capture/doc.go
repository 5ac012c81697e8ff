// Package capture copies what hwgraph reads of a machine into an archive
// that replays anywhere: the files each collector declares it reads (sysfs
// attributes, firmware tables, /proc files) with every symbolic link on
// their way, and the answers of the live sources that have no files (NVML,
// the BMC) in a manifest beside them. With Redactor it replaces serial
// numbers, UUIDs, MAC addresses and host names by placeholders, so that a
// capture can be attached to a public bug report.
//
// An archive is a gzip-compressed tar of the tree (sys/, proc/ and
// hwgraph/capture.json); package archive packs one and unpacks it, or
// any captured tree such as hwloc-gather-topology's, for --root.
package capture
