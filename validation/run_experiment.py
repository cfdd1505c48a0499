#!/usr/bin/env python3
"""tracesim's validation experiment: a real OpenTelemetry Rust SDK program (harness/otel_rs_bsp)
exporting to a stand-in collector (sink.py) that is up, refuses, hangs and recovers, recorded
with `tracesim measure`. Writes recordings/<name>.csv and a JSON sidecar with the exact setup.

    python3 validation/run_experiment.py            # all runs (~5 minutes)
    python3 validation/run_experiment.py NAME ...   # some of them
    python3 validation/run_experiment.py --repeat 2..5 NAME ...   # replicates NAME_rep2..NAME_rep5

The runs through a recovery are recorded five times (the first without a suffix): how much
memory glibc gives back after the drain differs from one run of the same program to the next
(validation/README.md).

Needs the release build of tracesim (cargo build --release) and cargo for the harness.
"""
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TRACESIM = os.path.join(ROOT, "target", "release", "tracesim")
HARNESS_DIR = os.path.join(HERE, "harness", "otel_rs_bsp")
HARNESS = os.path.join(HARNESS_DIR, "target", "release", "otel_rs_bsp")

# name: rate (spans/s), queue (max_queue_size), duration and tail (s), sink mode and window.
RUNS = {
    "hang_r1000_q50k": dict(rate=1000, queue=50000, duration=70, tail=5, mode="hang", down=(0, None)),
    "hang_r4000_q100k": dict(rate=4000, queue=100000, duration=40, tail=5, mode="hang", down=(0, None)),
    "refused_r2000_q100k": dict(rate=2000, queue=100000, duration=70, tail=5, mode="refuse", down=(15, 45)),
    "hang_recover_r2000_q20k": dict(rate=2000, queue=20000, duration=70, tail=5, mode="hang", down=(15, 45)),
}
ATTRS, ATTR_SIZE = 8, 128


def run(name, cfg, port, out_name=None):
    sink = [sys.executable, os.path.join(HERE, "sink.py"), "--port", str(port), "--mode", cfg["mode"],
            "--run-for", str(cfg["duration"] + cfg["tail"] + 30)]
    lo, hi = cfg["down"]
    sink += ["--down-from", str(lo)] + (["--down-to", str(hi)] if hi is not None else [])
    harness = [HARNESS, "--rate", str(cfg["rate"]), "--attrs", str(ATTRS), "--attr-size", str(ATTR_SIZE),
               "--queue", str(cfg["queue"]), "--duration", str(cfg["duration"]), "--tail", str(cfg["tail"]),
               "--endpoint", f"http://127.0.0.1:{port}/v1/traces"]
    out_name = out_name or name
    out = os.path.join(HERE, "recordings", out_name + ".csv")
    s = subprocess.Popen(sink)
    time.sleep(1.0)  # the sink listens before the program starts (both clocks start together)
    t0 = time.time()
    if os.path.exists(out):  # a rerun replaces its own recording (tracesim measure never does)
        os.remove(out)
    subprocess.run([TRACESIM, "measure", "--interval", "100ms", "--out", out, "--"] + harness, check=True)
    wall = time.time() - t0
    s.kill()
    s.wait()
    meta = dict(name=out_name, run=name, software="opentelemetry_sdk 0.33.1 BatchSpanProcessor + opentelemetry-otlp 0.33.1 "
                "(http-proto, reqwest blocking), exporter timeout 10 s, other settings SDK defaults",
                config=dict(cfg, attrs=ATTRS, attr_value_bytes=ATTR_SIZE, sink_mode=cfg["mode"],
                            down_window_s=list(cfg["down"])),
                harness=harness, sink=sink, recorder="tracesim measure --interval 100ms (VmRSS of the process tree)",
                wall_s=round(wall, 2), machine=dict(cpus=os.cpu_count(), kernel=platform.release()))
    with open(os.path.join(HERE, "recordings", out_name + ".json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=HARNESS_DIR, check=True)
    args = sys.argv[1:]
    reps = [1]
    if args[:1] == ["--repeat"]:
        lo, _, hi = args[1].partition("..")
        reps = list(range(int(lo), int(hi or lo) + 1))
        args = args[2:]
    names = args or list(RUNS)
    jobs = [(n, k) for n in names for k in reps]
    for i, (n, k) in enumerate(jobs):
        out = n if k == 1 else f"{n}_rep{k}"
        print(f"[{i + 1}/{len(jobs)}] {out}", flush=True)
        run(n, RUNS[n], 24600 + i, out)


if __name__ == "__main__":
    main()
