#!/usr/bin/env python3
"""Predict every Jaeger recording with the bundled models and report the errors.

    python3 validation/harness/jaeger/predict.py [--set PATH=VALUE ...] [NAME ...]

For each recording in validation/recordings/jaeger/: the model (jaeger-v1-1.22.toml or
jaeger-v2.toml) with --set for that run's setup (queue, GOGC, GOMEMLIMIT, ES schedule, and the
load generator's own per-second log as the rate schedule: what was really sent), then
`tracesim validate --offset 0` (both clocks start at the collector's start) and `tracesim run`.
Measured queue-full / first-drop times come from NAME.metrics.csv (the collector's own
counters, 1 s resolution). Prints one row per run and writes predictions.csv.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
REC = os.path.join(ROOT, "validation", "recordings", "jaeger")
TRACESIM = os.environ.get("TRACESIM", os.path.join(ROOT, "target", "release", "tracesim"))
sys.path.insert(0, os.path.join(ROOT, "validation"))
from record_jaeger import RUNS, ESSINK_LEAD, LOADGEN_DELAY, TAIL  # noqa: E402

SPANS_PER_REQUEST = 8.67


def schedule_outages(schedule):
    """essink's schedule -> tracesim outages on the recording's clock."""
    out, t = [], -ESSINK_LEAD
    for seg in schedule.split(","):
        parts = seg.split(":")
        mode = parts[0]
        dur = parts[-1] if len(parts) > 1 and parts[-1][-1] == "s" and parts[-1][0].isdigit() else None
        if mode in ("hang", "refuse"):
            out.append(f'{{start="{max(t, 0):.3f}s", duration="{float(dur[:-1]) if dur else 3600}s", mode="{mode}"}}')
        if dur is None:
            break
        t += float(dur[:-1])
    return out


def rate_schedule(name, cfg):
    """The load generator's per-second log: spans really sent in each second, as requests/s."""
    p = os.path.join(REC, name + ".loadgen.csv")
    steps = []
    if os.path.exists(p):
        prev = 0.0
        for r in csv.DictReader(open(p)):
            t = float(r["t_s"])
            dt = t - prev
            if dt <= 0:
                continue
            steps.append((LOADGEN_DELAY + prev, float(r["spans_sent"]) / dt / SPANS_PER_REQUEST))
            prev = t
        end = LOADGEN_DELAY + prev
    else:
        steps = [(LOADGEN_DELAY, cfg["rate"] / SPANS_PER_REQUEST)]
        end = LOADGEN_DELAY + cfg["dur"]
    steps.append((end, 0.0))
    return "[" + ", ".join(f'{{at="{a:.3f}s", rate="{r:.3f}/s"}}' for a, r in steps) + "]", end


def overrides(name, cfg):
    sched, end = rate_schedule(name, cfg)
    s = [f"scenario.duration={end + TAIL:.0f}s", f"workload.rate_schedule={sched}"]
    outs = schedule_outages(cfg["schedule"])
    if cfg["kind"] == "v1":
        s.append("storage.outages=[" + ", ".join(outs) + "]")
        if "qsm" in cfg:
            s.append(f"collector.queue_size_memory={cfg['qsm']}MiB")
        if "qs" in cfg:
            s.append(f"collector.queue_size={cfg['qs']}")
        env = cfg.get("env", {})
        if "GOGC" in env:
            s.append(f"collector.memory.gogc={env['GOGC']}")
        if "GOMEMLIMIT" in env:
            s.append(f"collector.memory.gomemlimit={env['GOMEMLIMIT']}")
    else:
        # v2: a refused or hung ES blocks the bulk processor's Add; the consumer holds its batch
        # and it is sent again until ES takes it (jaeger-v2.toml, retry_on_failure).
        s.append("storage.outages=[" + ", ".join(outs) + "]")
        s.append(f"otelcol.exporter.sending_queue.queue_size={cfg['queue']}")
    return s


def measured_times(name, kind):
    """First second the queue is full, and the first second with a drop (collector counters)."""
    rows = list(csv.DictReader(open(os.path.join(REC, name + ".metrics.csv"))))
    by = {}
    for r in rows:
        by.setdefault(float(r["t_s"]), {})[r["metric"]] = float(r["value"])
    full = drop = None
    q, c, d = (("jaeger_collector_queue_length", "jaeger_collector_queue_capacity", "jaeger_collector_spans_dropped_total")
               if kind == "v1" else ("otelcol_exporter_queue_size", "otelcol_exporter_queue_capacity",
                                     "otelcol_exporter_enqueue_failed_spans_total"))
    for t in sorted(by):
        m = by[t]
        if full is None and m.get(q, 0) >= m.get(c, 1e18) > 0:
            full = t
        if drop is None and m.get(d, 0) > 0:
            drop = t
    return full, drop


def run(name, extra):
    cfg = RUNS[name]
    model = os.path.join(ROOT, "models", "validation", "jaeger-v1-1.22.toml" if cfg["kind"] == "v1" else "jaeger-v2.toml")
    sets = overrides(name, cfg) + extra
    args = sum((["--set", x] for x in sets), [])
    tmp = tempfile.mkdtemp(prefix="jpred-")
    v = subprocess.run([TRACESIM, "validate", model, "--measured", os.path.join(REC, name + ".csv"), "--offset", "0",
                        "--skip", "1", "--out", os.path.join(tmp, "v")] + args, capture_output=True, text=True)
    if v.returncode != 0:
        sys.exit(v.stderr)
    summ = next(csv.DictReader(open(os.path.join(tmp, "v", "validation_summary.csv"))))
    r = subprocess.run([TRACESIM, "run", model, "--out", os.path.join(tmp, "r")] + args, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(r.stderr)
    sim = next(csv.DictReader(open(os.path.join(tmp, "r", "summary.csv"))))
    full_m, drop_m = measured_times(name, cfg["kind"])
    drop_s = float(sim["first_drop_s"]) if sim.get("first_drop_s") else None
    return dict(run=name, mape=float(summ["mape"]), peak_measured_mb=float(summ["peak_measured_bytes"]) / 1e6,
                peak_simulated_mb=float(summ["peak_simulated_bytes"]) / 1e6, peak_error=float(summ["peak_error"]),
                queue_full_measured_s=full_m, first_drop_measured_s=drop_m, first_drop_simulated_s=drop_s,
                sets=sets)


def fmt(x, f="{:.1f}"):
    return "" if x is None else f.format(x)


def calibrate(name, fit, extra=()):
    """`tracesim calibrate` of FIT on one recording (its setup as --set); prints its summary."""
    cfg = RUNS[name]
    model = os.path.join(ROOT, "models", "validation", "jaeger-v1-1.22.toml" if cfg["kind"] == "v1" else "jaeger-v2.toml")
    args = sum((["--set", x] for x in overrides(name, cfg) + list(extra)), [])
    tmp = tempfile.mkdtemp(prefix="jcal-")
    c = subprocess.run([TRACESIM, "calibrate", model, "--measured", os.path.join(REC, name + ".csv"), "--offset", "0",
                        "--skip", "1", "--fit", fit, "--out", os.path.join(tmp, "c")] + args, capture_output=True, text=True)
    print(c.stdout, c.stderr)
    return os.path.join(tmp, "c")


def internal(name, metric, column, extra=()):
    """Holds a simulated internal curve (heap_goal_bytes, gc_cycles, queue_items) to the
    collector's own metric: `tracesim validate --simulated-column COLUMN` on that series."""
    cfg = RUNS[name]
    model = os.path.join(ROOT, "models", "validation", "jaeger-v1-1.22.toml" if cfg["kind"] == "v1" else "jaeger-v2.toml")
    tmp = tempfile.mkdtemp(prefix="jint-")
    p = os.path.join(tmp, f"{name}.{metric}.csv")
    with open(p, "w") as f:
        f.write("t_s,value\n")
        for r in csv.DictReader(open(os.path.join(REC, name + ".metrics.csv"))):
            if r["metric"] == metric:
                f.write(f"{r['t_s']},{r['value']}\n")
    args = sum((["--set", x] for x in overrides(name, cfg) + list(extra)), [])
    v = subprocess.run([TRACESIM, "validate", model, "--measured", p, "--offset", "0", "--skip", "1", "--unit", "B",
                        "--simulated-column", column, "--out", os.path.join(tmp, "v")] + args,
                       capture_output=True, text=True)
    if v.returncode != 0:
        sys.exit(v.stderr)
    s = next(csv.DictReader(open(os.path.join(tmp, "v", "validation_summary.csv"))))
    return float(s["mape"]), float(s["peak_measured_bytes"]), float(s["peak_simulated_bytes"])


def write_manifest():
    """validation/recordings/jaeger/runs.json: per recording, its model, the --set that give its
    setup, the outage start and the measured queue-full / first-drop times. tests/all/jaeger_real.rs
    reads it (so the Rust test and this script use one definition of each run)."""
    out = {}
    for name, cfg in RUNS.items():
        if not os.path.exists(os.path.join(REC, name + ".csv")):
            continue
        full, drop = measured_times(name, cfg["kind"])
        t, start = -ESSINK_LEAD, None
        for seg in cfg["schedule"].split(","):
            parts = seg.split(":")
            if parts[0] in ("hang", "refuse") and start is None:
                start = max(t, 0.0)
            if len(parts) > 1 and parts[-1].endswith("s") and parts[-1][0].isdigit():
                t += float(parts[-1][:-1])
        out[name] = dict(model="models/validation/" + ("jaeger-v1-1.22.toml" if cfg["kind"] == "v1" else "jaeger-v2.toml"),
                         csv=f"validation/recordings/jaeger/{name}.csv", sets=overrides(name, cfg),
                         outage_start_s=start, queue_full_measured_s=full, first_drop_measured_s=drop)
    with open(os.path.join(REC, "runs.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    write_manifest()
    argv = sys.argv[1:]
    extra = []
    while argv and argv[0] == "--set":
        extra.append(argv[1])
        argv = argv[2:]
    names = argv or [n for n in RUNS if os.path.exists(os.path.join(REC, n + ".csv"))]
    res = [run(n, extra) for n in names]
    print(f"{'run':34} {'MAPE':>6} {'peak meas':>9} {'peak sim':>9} {'peak err':>8} {'full meas':>9} {'drop meas':>9} {'drop sim':>8}")
    for x in res:
        print(f"{x['run']:34} {x['mape']*100:5.1f}% {x['peak_measured_mb']:8.1f}M {x['peak_simulated_mb']:8.1f}M "
              f"{x['peak_error']*100:+7.1f}% {fmt(x['queue_full_measured_s']):>9} {fmt(x['first_drop_measured_s']):>9} "
              f"{fmt(x['first_drop_simulated_s']):>8}")
    with open(os.path.join(REC, "predictions.csv"), "w") as f:
        w = csv.writer(f)
        w.writerow(["run", "mape", "peak_measured_mb", "peak_simulated_mb", "peak_error", "queue_full_measured_s",
                    "first_drop_measured_s", "first_drop_simulated_s", "extra_sets"])
        for x in res:
            w.writerow([x["run"], f"{x['mape']:.4f}", f"{x['peak_measured_mb']:.1f}", f"{x['peak_simulated_mb']:.1f}",
                        f"{x['peak_error']:.4f}", fmt(x["queue_full_measured_s"]), fmt(x["first_drop_measured_s"]),
                        fmt(x["first_drop_simulated_s"]), ";".join(extra)])
