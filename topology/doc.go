// Package topology holds the machine graph: components (the parts of a
// server that run their own firmware or can fail on their own), the links
// between them, their health, and the renderers that print a graph.
//
// Collectors hand in Fragments; Build merges them by ID into one Graph, so a
// PCI function that three sources describe is one component. This package
// never reads the filesystem: it only models, judges and renders.
package topology
