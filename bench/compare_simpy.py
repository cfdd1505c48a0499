"""Runs the peer model in SimPy (both ways of writing it: `store`, `resource`) and in tracesim
on the same parameters, several seeds each, and prints the wall-time ratios and whether they
agree on drops and peak queue. It also times `tracesim bench --only peer_floor`, the same
model as a bare kernel on tracesim's draws: the ratio no engine of this model could pass.

Usage (from the repository root, after `cargo build --release`):
    python3 -m venv .venv && .venv/bin/pip install simpy
    .venv/bin/python bench/compare_simpy.py [--seeds 5]
"""
import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACESIM = os.path.join(ROOT, "target", "release", "tracesim")
SCENARIO = os.path.join(ROOT, "bench", "peer-collector.toml")


def tracesim_run(seed, out):
    t0 = time.perf_counter()
    subprocess.run([TRACESIM, "run", SCENARIO, "--seed", str(seed), "--out", out, "--quiet"], check=True)
    wall = time.perf_counter() - t0
    with open(os.path.join(out, "summary.csv")) as f:
        row = next(csv.DictReader(f))
    return {
        "generated": int(row["spans_generated"]),
        "dropped_queue_full": int(row["dropped_queue_full"]),
        "storage_error": int(row["dropped_storage_error"]),
        "peak_queue": int(row["peak_queue_items"]),
        "wall_s": wall,
    }


def simpy_run(seed, style):
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "bench", "simpy_collector.py"), "--seed", str(seed),
         "--style", style],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def floor_wall(repeat):
    """Seconds per run of the bare kernel (simulation only), the best of `repeat`."""
    out = subprocess.run(
        [TRACESIM, "bench", "--only", "peer_floor", "--repeat", str(repeat)],
        check=True, capture_output=True, text=True,
    ).stdout
    return min(float(r["wall_s"]) for r in csv.DictReader(io.StringIO(out)))


def ci(xs):
    m = statistics.mean(xs)
    h = 2.78 * statistics.stdev(xs) / len(xs) ** 0.5 if len(xs) > 1 else 0.0
    return m, h


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=5)
    a = p.parse_args()
    styles = ["store", "resource"]
    ts, sp = [], {st: [] for st in styles}
    with tempfile.TemporaryDirectory() as d:
        for s in range(1, a.seeds + 1):
            ts.append(tracesim_run(s, os.path.join(d, f"t{s}")))
            for st in styles:
                sp[st].append(simpy_run(s, st))
    w = csv.writer(sys.stdout)
    w.writerow(["metric", "tracesim_mean", "tracesim_ci95"]
                + [f"simpy_{st}_{c}" for st in styles for c in ("mean", "ci95", "agree")])
    ok = True
    for m in ["generated", "dropped_queue_full", "storage_error", "peak_queue"]:
        tm, th = ci([r[m] for r in ts])
        row = [m, f"{tm:.1f}", f"{th:.1f}"]
        for st in styles:
            pm, ph = ci([r[m] for r in sp[st]])
            agree = abs(tm - pm) <= th + ph + 1e-9 * max(tm, pm) or abs(tm - pm) <= 0.01 * max(tm, pm)
            ok &= agree
            row += [f"{pm:.1f}", f"{ph:.1f}", int(agree)]
        w.writerow(row)
    twall = sum(r["wall_s"] for r in ts)
    pwall = {st: sum(r["wall_s"] for r in sp[st]) for st in styles}
    w.writerow(["wall_s_total", f"{twall:.3f}", ""]
                + [x for st in styles for x in (f"{pwall[st]:.3f}", "", "")])
    spans = sum(r["generated"] for r in ts)
    floor = floor_wall(5) * a.seeds
    print(f"# tracesim {spans / twall:,.0f} spans/s (whole process: start, run, write CSV); "
          + "; ".join(f"SimPy {st} {spans / pwall[st]:,.0f} spans/s, ratio {pwall[st] / twall:.0f}x"
                      for st in styles)
          + f"; agreement: {'yes' if ok else 'NO'}")
    print(f"# the bare kernel (peer_floor, simulation only) {floor / a.seeds:.3f} s a run: the most "
          "any engine of this model on these draws could reach is "
          + ", ".join(f"{pwall[st] / floor:.0f}x ({st})" for st in styles))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
