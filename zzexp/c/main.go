package main

import (
	_ "github.com/hwgraph/hwgraph/exporter"
)

func main() {}
