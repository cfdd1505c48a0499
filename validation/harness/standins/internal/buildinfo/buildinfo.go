// Package buildinfo names the build: build.sh stamps the git commit with
// -ldflags "-X tracesim.dev/validation/standins/internal/buildinfo.Commit=...".
package buildinfo

// Commit is the git commit the binaries were built from ("+dirty" when the tree had
// changes), or "unknown" for a plain go build.
var Commit = "unknown"
