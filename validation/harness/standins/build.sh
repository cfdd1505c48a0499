#!/usr/bin/env bash
# Builds the stand-ins (essink, otlpsink, loadgen) from a clean checkout, with only the Go
# module proxy: the versions are pinned in go.mod and checked against go.sum. The git
# commit is stamped into the binaries (each prints build=COMMIT when it starts).
# Usage: ./build.sh [OUT_DIR]   (default validation/bin/standins)
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-$(pwd)/../../bin/standins}"
mkdir -p "$out"
export GOFLAGS="${GOFLAGS:--mod=readonly}"
rev=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ "$rev" != unknown ] && [ -n "$(git status --porcelain -- . 2>/dev/null)" ]; then rev="$rev+dirty"; fi
go version
go build -trimpath -ldflags "-X tracesim.dev/validation/standins/internal/buildinfo.Commit=$rev" -o "$out/" ./cmd/...
echo "built $rev into $out"
ls -l "$out"/essink "$out"/otlpsink "$out"/loadgen
