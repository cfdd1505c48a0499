#!/usr/bin/env python3
"""Calibrate on one recording per release, predict the others, print a markdown table.

    python3 validation/harness/otelcol/evaluate.py [--tracesim PATH] [--out DIR]

For each release's model (models/validation/otelcol-vREL.toml) it runs `tracesim calibrate`
on the training recording (TRAIN below) fitting what a user cannot know (`baseline`,
`span_fixed`), then for every recording of that release `tracesim validate` (RSS: MAPE,
peak error) with the fitted values and the run's --set overrides (record_otelcol.py
--sets), and `tracesim run` for the simulated time to the first queue-full. The measured
time to queue-full is the collector's first "sending queue is full" log line (sidecar
collector_log.events), both counted from the load's start.
"""

import argparse
import csv
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(ROOT, "validation"))
import record_otelcol as rec  # noqa: E402

REC = os.path.join(ROOT, "validation", "recordings", "otelcol")
TRAIN = {"0.165.0": "v165_hang_r2000_q100", "0.119.0": "v119_hang_r2000_q100"}
FIT = ["otelcol.memory.baseline=10MiB..100MiB", "otelcol.memory.span_fixed=200B..5000B"]
# Runs through a recovery: when the backend came back (s from the load's start).
RECOVERY = {"v165_hang_recover_r4000_q100": 60.0, "v165_refuse_recover_r4000_q100_gogc50": 50.0,
            "v119_hang_recover_r4000_q100": 60.0}


def sh(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    return p.stdout


def sets_args(name):
    out = []
    for s in rec.model_sets(name):
        out += ["--set", s]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracesim", default=os.path.join(ROOT, "target", "release", "tracesim"))
    ap.add_argument("--out", default="/tmp/otelcol-evaluate")
    ap.add_argument("--only", default=None, help="a release, e.g. 0.165.0")
    ap.add_argument("--train", action="append", default=[],
                    help="REL=NAME: train that release on NAME instead")
    ap.add_argument("--fit", default=None, help="comma-separated --fit specs")
    ap.add_argument("--set", action="append", default=[], help="extra --set for every run")
    a = ap.parse_args()
    for t in a.train:
        rel, name = t.split("=", 1)
        TRAIN[rel] = name
    fit = a.fit.split(",") if a.fit else FIT
    extra = []
    for s in a.set:
        extra += ["--set", s]
    T = a.tracesim
    os.makedirs(a.out, exist_ok=True)
    rows = []
    for rel, train in TRAIN.items():
        if a.only and a.only != rel:
            continue
        if not os.path.exists(os.path.join(REC, train + ".csv")):
            continue
        model = f"models/validation/otelcol-v{rel}.toml"
        cal_out = os.path.join(a.out, f"cal-{rel}")
        subprocess.run(["rm", "-rf", cal_out])
        load_train = json.load(open(os.path.join(REC, train + ".json")))["clock"]["load_start_s"]
        text = sh([T, "calibrate", model, "--measured", f"validation/recordings/otelcol/{train}.csv",
                   "--skip", "1", "--offset", f"{-load_train}", "--fit", ",".join(fit), "--out", cal_out] + sets_args(train) + extra)
        fitted = dict(re.findall(r"(otelcol\.memory\.\w+) = \"(\w+)\"", text))
        print(f"## v{rel}: trained on {train}: " +
              ", ".join(f"{k} = {v}" for k, v in fitted.items()), flush=True)
        fit_sets = list(extra)
        for k, v in fitted.items():
            fit_sets += ["--set", f"{k}={v}"]
        for name, r in rec.RUNS.items():
            if r["release"] != rel or not os.path.exists(os.path.join(REC, name + ".csv")):
                continue
            side = json.load(open(os.path.join(REC, name + ".json")))
            load0 = side["clock"]["load_start_s"]
            vout = os.path.join(a.out, f"val-{name}")
            subprocess.run(["rm", "-rf", vout])
            sh([T, "validate", model, "--measured", f"validation/recordings/otelcol/{name}.csv",
                "--skip", "1", "--offset", f"{-load0}", "--out", vout] + sets_args(name) + fit_sets)
            summ = list(csv.DictReader(open(os.path.join(vout, "validation_summary.csv"))))[0]
            rout = os.path.join(a.out, f"run-{name}")
            subprocess.run(["rm", "-rf", rout])
            sh([T, "run", model, "--out", rout] + sets_args(name) + fit_sets)
            s = list(csv.DictReader(open(os.path.join(rout, "summary.csv"))))[0]
            ev = side["collector_log"]["events"]
            qf_m = ev.get("first_queue_full_s")
            qf_m = None if qf_m is None else qf_m - load0
            qf_s = s.get("first_queue_full_s") or None
            qf_s = float(qf_s) if qf_s else None
            lim_m = ev.get("first_limiter_refusing_s")
            lim_m = None if lim_m is None else lim_m - load0
            lim_s = s.get("first_drop_refused_s") or None
            lim_s = float(lim_s) if lim_s else None
            until = None
            if name in RECOVERY:
                e = [abs(float(v["error_bytes"]) / float(v["measured_bytes"]))
                     for v in csv.DictReader(open(os.path.join(vout, "validation.csv")))
                     if float(v["t_s"]) < RECOVERY[name]]
                until = sum(e) / len(e) * 100
            summ["until"] = until
            rows.append((rel, name, name == train, summ, qf_m, qf_s, lim_m, lim_s))

    def f(x, fmt="{:.1f}"):
        return "" if x is None else fmt.format(x)

    print("| release | run | MAPE | MAPE until the recovery | peak measured | peak error | queue full measured | simulated | error "
          "| limiter refusing measured | simulated |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for rel, name, tr, summ, qm, qs, lm, ls in rows:
        mape = float(summ["mape"]) * 100
        pm = float(summ["peak_measured_bytes"]) / 2**20
        ps = float(summ["peak_simulated_bytes"]) / 2**20
        err = None if (qm is None or qs is None) else (qs - qm) / qm * 100
        print(f"| {rel} | {name}{' (trained)' if tr else ''} | {mape:.1f}% | "
              f"{f(summ['until'], '{:.1f}%')} | {pm:.1f} MiB | "
              f"{(ps - pm) / pm * 100:+.1f}% | {f(qm)} s | {f(qs)} s | {f(err, '{:+.1f}%')} | "
              f"{f(lm)} | {f(ls)} |")


if __name__ == "__main__":
    main()
