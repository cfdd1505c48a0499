#!/usr/bin/env bash
# Builds the real Jaeger collectors from the Go module proxy into OUT (default validation/bin/jaeger):
#   collector-v1.22.0  github.com/jaegertracing/jaeger v1.22.0 cmd/collector (the seed's release)
#   jaeger-v1.75.0     github.com/jaegertracing/jaeger v1.75.0 cmd/jaeger (Jaeger v2)
# Each is a module of ours (go.mod/go.sum pin the versions; collector-v1/tools.go blank-imports
# the main package, jaeger-v2/go.mod has it as a `tool`). No Jaeger code is in this repository.
# Built and tested with Go 1.26.8; nothing in either dependency graph was changed: v1.22.0
# builds as its own go.mod resolves it (olivere/elastic v6.2.35, golang.org/x/sys 2021-01-19).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/../../bin/jaeger}"
mkdir -p "$OUT"
(cd "$HERE/collector-v1" && go build -o "$OUT/collector-v1.22.0" github.com/jaegertracing/jaeger/cmd/collector)
(cd "$HERE/jaeger-v2" && go build -o "$OUT/jaeger-v1.75.0" github.com/jaegertracing/jaeger/cmd/jaeger)
go version "$OUT/collector-v1.22.0" "$OUT/jaeger-v1.75.0"
