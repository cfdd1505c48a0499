#!/bin/sh
# Builds the two collector releases of the tracesim validation harness from the Go module
# proxy (versions pinned in each directory's go.mod/go.sum) into $1 (default
# validation/bin/otelcol): otelcol-v0.119.0 and otelcol-v0.165.0.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../bin/otelcol}
mkdir -p "$out"
for v in v0.119.0 v0.165.0; do
	(cd "$here/$v" && go build -trimpath -o "$out/otelcol-$v" .)
	"$out/otelcol-$v" --version
done
