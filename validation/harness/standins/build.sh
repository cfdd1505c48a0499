#!/usr/bin/env bash
# Builds the stand-ins (essink, otlpsink, loadgen) from a clean checkout, with only the Go
# module proxy: the versions are pinned in go.mod and checked against go.sum.
# Usage: ./build.sh [OUT_DIR]   (default /work/bin/standins)
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-/work/bin/standins}"
mkdir -p "$out"
export GOFLAGS="${GOFLAGS:--mod=readonly}"
go version
go build -trimpath -o "$out/" ./cmd/...
ls -l "$out"/essink "$out"/otlpsink "$out"/loadgen
