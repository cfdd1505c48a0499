#!/usr/bin/env python3
"""The renovation's gate: two tracesim binaries give byte-identical outputs.

    cargo build --release && cp target/release/tracesim /tmp/tracesim-old   # before a change
    ... change, cargo build --release ...
    python3 bench/identical.py /tmp/tracesim-old target/release/tracesim

Runs every bundled model (models/*.toml, models/validation/*.toml) at both resolutions
(`scenario.resolution` span and request), for seeds 1, 2 and 3, plus the VARIANTS below (an
OOM kill and restarts, retries, a refusing and a hung backend, a memory_limiter), with each
binary, and compares summary.csv, timeseries.csv and events.csv byte for byte (manifest.json
carries the version and is not compared). A run that fails must fail the same way with both.
Exit 0 when everything is identical, 1 otherwise, listing what differs.
"""
import glob
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = ("summary.csv", "timeseries.csv", "events.csv")
SEEDS = (1, 2, 3)
RESOLUTIONS = ("span", "request")
# Paths through the stages the bundled models alone may not take.
VARIANTS = {
    "models/jaeger-collector-es-outage.toml": [
        ["storage.outages.0.mode=hang"],
        ["collector.memory.limit=120MiB", "collector.restart.enabled=true"],
    ],
    "models/otel-sdk-collector-refused.toml": [["tracer.max_queue_size=1000"]],
    "models/otelcol-testbed-no-backend.toml": [["otelcol.memory.limit=60MiB"]],
    "models/validation/otelcol-v0.165.0.toml": [
        ['storage.outages=[{start="10s", duration="20s", mode="refuse"}]'],
    ],
}


def run(binary, model, sets, out):
    cmd = [binary, "run", model, "--out", out, "-q"]
    for s in sets:
        cmd += ["--set", s]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    return p.returncode, p.stderr.strip()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    old, new = (os.path.abspath(b) for b in sys.argv[1:])
    models = sorted(glob.glob(os.path.join(ROOT, "models", "*.toml")))
    models += sorted(glob.glob(os.path.join(ROOT, "models", "validation", "*.toml")))
    cases = []
    for m in models:
        rel = os.path.relpath(m, ROOT)
        variants = [[]] + VARIANTS.get(rel, [])
        for v in variants:
            for res in RESOLUTIONS:
                for seed in SEEDS:
                    cases.append((rel, v + [f'scenario.resolution="{res}"', f"scenario.seed={seed}"]))
    differ = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (model, sets) in enumerate(cases):
            a, b = os.path.join(tmp, f"{i}-old"), os.path.join(tmp, f"{i}-new")
            ra, rb = run(old, model, sets, a), run(new, model, sets, b)
            label = f"{model} {' '.join(sets)}"
            if ra != rb:
                differ.append(f"{label}: exit {ra} vs {rb}")
                continue
            if ra[0] != 0:
                continue
            for f in FILES:
                with open(os.path.join(a, f), "rb") as x, open(os.path.join(b, f), "rb") as y:
                    if x.read() != y.read():
                        differ.append(f"{label}: {f}")
            print(f"\r{i + 1}/{len(cases)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    for d in differ:
        print("differs:", d)
    print(f"{len(cases) - len(differ)} of {len(cases)} runs identical")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
