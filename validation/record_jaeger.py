#!/usr/bin/env python3
"""Record the real Jaeger collectors under Elasticsearch outages.

    python3 validation/record_jaeger.py NAME [NAME ...]   # some runs
    python3 validation/record_jaeger.py --all             # every run (~35 minutes, on a quiet machine)
    python3 validation/record_jaeger.py --list

For each run: starts essink (the Elasticsearch stand-in, with the run's mode schedule), the
collector under `tracesim measure` (RSS of the process every 100 ms), then loadgen (Istio-shaped
Zipkin v2 JSON spans, paced). A thread scrapes the collector's Prometheus /metrics once a
second. Writes validation/recordings/jaeger/NAME.csv (t_s,rss_bytes), NAME.metrics.csv (tidy
t_s,metric,value), NAME.es.csv (essink's log) and NAME.json (exact setup).

All clocks are seconds since `tracesim measure` started the collector. essink starts ESSINK_LEAD
seconds before it, so the schedule's times are shifted: `up:75s` in the sidecar's `schedule` is
75 s after essink's start = 75 - ESSINK_LEAD s on the recording's clock (`schedule_offset_s`).

Binaries: validation/bin/jaeger/ (validation/harness/jaeger/build.sh), validation/bin/standins/
(branch go-standins), tracesim's release build (TRACESIM, default target/release).
"""
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "recordings", "jaeger")
HARNESS = os.path.join(HERE, "harness", "jaeger")
BIN = os.environ.get("JAEGER_BIN", os.path.join(os.path.dirname(HERE), "validation", "bin", "jaeger"))
STANDINS = os.environ.get("STANDINS_BIN", os.path.join(os.path.dirname(HERE), "validation", "bin", "standins"))
TRACESIM = os.environ.get("TRACESIM", os.path.join(os.path.dirname(HERE), "target", "release", "tracesim"))
V1 = os.path.join(BIN, "collector-v1.22.0")
V2 = os.path.join(BIN, "jaeger-v1.75.0")
V2_CONFIG = os.path.join(HARNESS, "jaeger-v2", "config-es.yaml")
ESSINK_LEAD = 1.0     # essink listens this long before the collector starts
LOADGEN_DELAY = 3.0   # the collector is up (ES handshake, templates) before spans arrive
TAIL = 3.0            # RSS keeps being recorded this long after loadgen ends

# v1: qsm = --collector.queue-size-memory (MiB), qs = --collector.queue-size (the warm-up size
# when qsm is set). v2: queue = the exporter's sending_queue size (requests = batches).
# schedule: essink's, from essink's start. rate: spans/s. dur: loadgen seconds.
RUNS = {
    # The seed story (jaeger#2715 / the blog): 1,300 spans/s, 80 MiB and 15 MiB, ES hung after
    # a healthy period long enough for the 60 s queue resize (span_processor.go).
    "v1_seed_qsm80_hang": dict(kind="v1", rate=1300, qsm=80, schedule="up:75s,hang", dur=200),
    "v1_seed_qsm15_hang": dict(kind="v1", rate=1300, qsm=15, schedule="up:75s,hang", dur=150),
    "v1_seed_qsm80_refuse": dict(kind="v1", rate=1300, qsm=80, schedule="up:75s,refuse", dur=200),
    # Rates and sizes, plain queue-size (no resize): ES hung from 10 s.
    "v1_qs20k_r2600_hang": dict(kind="v1", rate=2600, qs=20000, schedule="up:10s,hang", dur=60),
    "v1_qs50k_r2600_hang": dict(kind="v1", rate=2600, qs=50000, schedule="up:10s,hang", dur=60),
    "v1_qs50k_r2600_hang_gogc50": dict(kind="v1", rate=2600, qs=50000, schedule="up:10s,hang", dur=60,
                                       env={"GOGC": "50"}),
    "v1_qs50k_r2600_hang_gml300": dict(kind="v1", rate=2600, qs=50000, schedule="up:10s,hang", dur=60,
                                       env={"GOMEMLIMIT": "300MiB"}),
    # Recoveries.
    "v1_qs50k_r2600_refuse_recover": dict(kind="v1", rate=2600, qs=50000, schedule="up:10s,refuse:30s,up",
                                          dur=70),
    "v1_qs50k_r2600_hang_recover": dict(kind="v1", rate=2600, qs=50000, schedule="up:10s,hang:30s,up",
                                        dur=70),
    # Jaeger v2: exporter queue of 200 batches (the batch processor's 8192-span batches at most).
    "v2_q200_r2600_hang": dict(kind="v2", rate=2600, queue=200, schedule="up:10s,hang", dur=60),
    "v2_q200_r2600_refuse": dict(kind="v2", rate=2600, queue=200, schedule="up:10s,refuse", dur=60),
    "v2_q200_r2600_hang_recover": dict(kind="v2", rate=2600, queue=200, schedule="up:10s,hang:30s,up",
                                       dur=70),
    "v2_q200_r2600_refuse_recover": dict(kind="v2", rate=2600, queue=200,
                                         schedule="up:10s,refuse:30s,up", dur=70),
}
# A refused ES's return is seen by the bulk worker's next 5 s health-check tick, whose phase is
# random (olivere's jittered retry chain before it): the same run again, four more times.
for _k in range(2, 6):
    RUNS[f"v1_qs50k_r2600_refuse_recover_rep{_k}"] = dict(RUNS["v1_qs50k_r2600_refuse_recover"])

V1_METRICS = {
    "go_memstats_heap_alloc_bytes", "go_memstats_next_gc_bytes", "go_gc_duration_seconds_count",
    "go_memstats_heap_released_bytes", "go_memstats_heap_sys_bytes", "go_memstats_heap_inuse_bytes",
    "go_memstats_sys_bytes", "process_resident_memory_bytes", "go_memstats_alloc_bytes_total",
    "process_cpu_seconds_total",
    "jaeger_collector_queue_length", "jaeger_collector_queue_capacity",
    "jaeger_collector_spans_dropped_total", "jaeger_collector_spans_received_total",
    "jaeger_collector_spans_saved_by_svc_total", "jaeger_collector_spans_bytes",
    "jaeger_bulk_index_attempts_total", "jaeger_bulk_index_errors_total",
    "jaeger_bulk_index_inserts_total",
}
V2_METRICS = {
    "otelcol_process_runtime_heap_alloc_bytes", "otelcol_process_memory_rss_bytes",
    "otelcol_process_runtime_total_sys_memory_bytes", "otelcol_exporter_queue_size",
    "otelcol_exporter_queue_capacity", "otelcol_exporter_sent_spans_total",
    "otelcol_exporter_send_failed_spans_total", "otelcol_exporter_enqueue_failed_spans_total",
    "otelcol_receiver_accepted_spans_total", "otelcol_receiver_refused_spans_total",
    "otelcol_receiver_failed_spans_total", "jaeger_storage_bulk_index_attempts_total",
    "jaeger_storage_bulk_index_errors_total", "jaeger_storage_bulk_index_inserts_total",
    # Cumulative allocation and CPU (the collector's process scraper): the garbage a span
    # makes on each path, healthy, hung and draining (since 2026-12-08).
    "otelcol_process_runtime_total_alloc_bytes_total", "otelcol_process_cpu_seconds_total",
}
LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")


def scrape(url, wanted, t0, rows, stop):
    """Once a second: every wanted series summed over its labels (result="ok" only for
    saved_by_svc), as t_s,metric,value."""
    while not stop.is_set():
        t = time.time() - t0
        try:
            with urllib.request.urlopen(url, timeout=0.8) as r:
                text = r.read().decode()
        except Exception:
            text = None
        if text is not None:
            sums = {}
            for line in text.splitlines():
                m = LINE.match(line)
                if not m or m.group(1) not in wanted:
                    continue
                name, labels = m.group(1), m.group(2) or ""
                if name.endswith("saved_by_svc_total") and 'result="ok"' not in labels:
                    continue
                sums[name] = sums.get(name, 0.0) + float(m.group(3))
            for k in sorted(sums):
                rows.append((t, k, sums[k]))
        stop.wait(max(0.0, 1.0 - ((time.time() - t0) - t)))


def collector_cmd(cfg):
    if cfg["kind"] == "v1":
        cmd = [V1, "--es.server-urls=http://127.0.0.1:9200", "--collector.zipkin.host-port=:9411",
               "--log-level=warn"]
        if "qsm" in cfg:
            cmd.append(f"--collector.queue-size-memory={cfg['qsm']}")
        if "qs" in cfg:
            cmd.append(f"--collector.queue-size={cfg['qs']}")
        env = {"SPAN_STORAGE_TYPE": "elasticsearch"}
        return cmd, env, "http://127.0.0.1:14269/metrics", V1_METRICS
    cmd = [V2, "--config", V2_CONFIG]
    env = {"QUEUE_SIZER": "requests", "QUEUE_SIZE": str(cfg["queue"]), "NUM_CONSUMERS": "10"}
    return cmd, env, "http://127.0.0.1:8888/metrics", V2_METRICS


def run(name):
    cfg = RUNS[name]
    os.makedirs(OUT_DIR, exist_ok=True)
    out = os.path.join(OUT_DIR, name + ".csv")
    for suffix in (".csv", ".metrics.csv", ".es.csv", ".loadgen.csv", ".json"):
        p = os.path.join(OUT_DIR, name + suffix)
        if os.path.exists(p):  # a rerun replaces its own recording (tracesim measure never does)
            os.remove(p)
    load_before = os.getloadavg()
    total = LOADGEN_DELAY + cfg["dur"] + TAIL
    es_cmd = [os.path.join(STANDINS, "essink"), "--listen", "127.0.0.1:9200", "--schedule", cfg["schedule"],
              "--log", os.path.join(OUT_DIR, name + ".es.csv"), "--run-for", f"{int(total + 30)}s"]
    col, col_env, metrics_url, wanted = collector_cmd(cfg)
    env = dict(os.environ)
    env.pop("GOGC", None)
    env.pop("GOMEMLIMIT", None)
    env.update(col_env)
    env.update(cfg.get("env", {}))
    lg_cmd = [os.path.join(STANDINS, "loadgen"), "--protocol", "zipkin", "--rate", str(cfg["rate"]),
              "--duration", f"{cfg['dur']}s", "--log", os.path.join(OUT_DIR, name + ".loadgen.csv")]
    es = subprocess.Popen(es_cmd, stdout=subprocess.DEVNULL, stderr=open(f"/tmp/essink-{name}.log", "w"))
    time.sleep(ESSINK_LEAD)
    t0 = time.time()
    meas = subprocess.Popen([TRACESIM, "measure", "--interval", "100ms", "--out", out, "--"] + col, env=env,
                            stdout=open(f"/tmp/collector-{name}.log", "w"), stderr=subprocess.STDOUT)
    rows, stop = [], threading.Event()
    th = threading.Thread(target=scrape, args=(metrics_url, wanted, t0, rows, stop), daemon=True)
    th.start()
    time.sleep(LOADGEN_DELAY)
    lg = subprocess.run(lg_cmd, capture_output=True, text=True)
    time.sleep(TAIL)
    stop.set()
    th.join()
    # Stop the collector: SIGKILL to measure's child (the collector); measure then writes its
    # CSV and exits 1 ("exited with signal"), which is expected here. Not SIGTERM: with the
    # storage hung, the v1 collector's graceful shutdown waits for workers blocked in the bulk
    # processor's Add and never ends.
    kids = open(f"/proc/{meas.pid}/task/{meas.pid}/children").read().split()
    for k in kids:
        os.kill(int(k), 9)
    try:
        meas.wait(timeout=20)
    except subprocess.TimeoutExpired:
        meas.kill()
        meas.wait()
    es.terminate()
    es.wait(timeout=10)
    with open(os.path.join(OUT_DIR, name + ".metrics.csv"), "w") as f:
        f.write("t_s,metric,value\n")
        for t, k, v in rows:
            f.write(f"{t:.3f},{k},{v:.17g}\n")
    meta = dict(
        name=name, config=cfg,
        collector=dict(binary=col[0], version="jaeger v1.22.0 cmd/collector" if cfg["kind"] == "v1"
                       else "jaeger v1.75.0 cmd/jaeger (v2)", built_with=go_version(col[0]),
                       command=col, env={k: env[k] for k in list(col_env) + list(cfg.get("env", {}))},
                       gogc=cfg.get("env", {}).get("GOGC", "100 (unset)"),
                       gomemlimit=cfg.get("env", {}).get("GOMEMLIMIT", "unset"),
                       config_file=V2_CONFIG if cfg["kind"] == "v2" else None),
        essink=dict(command=es_cmd, lead_s=ESSINK_LEAD, schedule=cfg["schedule"],
                    schedule_offset_s=-ESSINK_LEAD),
        loadgen=dict(command=lg_cmd, start_s=LOADGEN_DELAY, stdout=lg.stdout.strip().splitlines(),
                     stderr=lg.stderr.strip().splitlines()[-3:]),
        measure=[TRACESIM, "measure", "--interval", "100ms", "--out", os.path.relpath(out, HERE), "--", "..."],
        metrics=dict(url=metrics_url, interval_s=1.0, series=sorted(wanted),
                     note="each series summed over its labels; saved_by_svc only result=ok"),
        machine=dict(host=platform.node(), cpus=os.cpu_count(), kernel=platform.release(),
                     loadavg_before=load_before, loadavg_after=os.getloadavg()),
        recorded_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0)),
    )
    with open(os.path.join(OUT_DIR, name + ".json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    peak = max(int(l.split(",")[1]) for l in open(out).read().splitlines()[1:] if l)
    print(f"{name}: peak RSS {peak / 1e6:.1f} MB; {(lg.stderr.strip().splitlines() or [''])[-1]}")


def go_version(binary):
    try:
        return subprocess.run(["go", "version", binary], capture_output=True, text=True).stdout.strip()
    except OSError:
        return None


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args == ["--list"]:
        print("\n".join(f"{k}: {v}" for k, v in RUNS.items()))
        sys.exit(0)
    names = list(RUNS) if args == ["--all"] else args
    for n in names:
        if n not in RUNS:
            sys.exit(f"unknown run {n}")
    for n in names:
        run(n)
