package main

import (
	_ "github.com/hwgraph/hwgraph/collectors"
	_ "github.com/hwgraph/hwgraph/scan"
	_ "github.com/hwgraph/hwgraph/topology"
	_ "github.com/alecthomas/kingpin/v2"
)

func main() {}
