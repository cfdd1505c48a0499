//go:build tools

// Package tools pins the Jaeger v1 collector that build.sh compiles from the
// Go module proxy. No Jaeger code is copied here: `go build` compiles
// github.com/jaegertracing/jaeger/cmd/collector straight out of the module
// cache at the version go.mod requires.
package tools

import _ "github.com/jaegertracing/jaeger/cmd/collector"
