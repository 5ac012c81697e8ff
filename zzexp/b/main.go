package main

import (
	_ "github.com/hwgraph/hwgraph/topology"
	_ "github.com/hwgraph/hwgraph/pcie"
	_ "github.com/hwgraph/hwgraph/numa"
	_ "github.com/alecthomas/kingpin/v2"
)

func main() {}
