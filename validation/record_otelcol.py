#!/usr/bin/env python3
"""Record the real OpenTelemetry Collector under backend outages (issue 17).

    python3 validation/record_otelcol.py NAME [NAME...]   # one or more runs of RUNS below
    python3 validation/record_otelcol.py --all            # every run, one after the other
    python3 validation/record_otelcol.py --list

Each run starts, on loopback only:

* the stand-in OTLP sink (`validation/bin/standins/otlpsink`) with the run's
  mode schedule (up / hang / refuse ...), as the collector's backend;
* the collector (`validation/bin/otelcol/otelcol-vX`, built by harness/otelcol/build.sh) under
  `tracesim measure --interval 100ms` (RSS of its process tree), with GOGC / GOMEMLIMIT
  as the run says and TRACESIM_RUNTIME_CSV for its Go runtime/metrics every 100 ms;
* the stand-in load generator (`validation/bin/standins/loadgen`, Istio-shaped spans, paced).

It writes into validation/recordings/otelcol/:

    NAME.csv          t_s,rss_bytes                     (tracesim measure, every 100 ms)
    NAME.runtime.csv  t_s,heap_live_bytes,...           (the collector's runtime/metrics)
    NAME.metrics.csv  t_s,metric,value                  (its :PORT/metrics, once a second)
    NAME.loadgen.csv  the load generator's per-second log
    NAME.sink.csv     the sink's per-second log (mode changes, counters)
    NAME.json         the exact setup: versions, command lines, config, env, schedule, load

Every t_s is seconds since `tracesim measure` was started (the RSS clock; the runtime
sampler writes the wall clock, which is put on that clock). The sink's schedule and the load both start at
`load_start_s` (in the sidecar), once the collector's receiver accepts connections.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "validation", "recordings", "otelcol")
CONFIGS = os.path.join(ROOT, "validation", "harness", "otelcol", "configs")
TRACESIM = os.environ.get("TRACESIM", os.path.join(ROOT, "target", "release", "tracesim"))
BIN = os.environ.get("OTELCOL_BIN", os.path.join(ROOT, "validation", "bin", "otelcol"))
STANDINS = os.environ.get("STANDINS_BIN", os.path.join(ROOT, "validation", "bin", "standins"))

# Loopback ports of our own, away from the defaults (4317/4318/8888) other harnesses use.
RECV_GRPC, RECV_HTTP = 24317, 24318
SINK_GRPC, SINK_HTTP = 25317, 25318
TELEMETRY = 28888

# The collector's own metrics kept in NAME.metrics.csv (Prometheus names; v0.119 adds
# `_total` to counters, which is stripped). Names: exporterhelper and receiverhelper
# `metadata.yaml` at each release.
KEEP = (
    "otelcol_exporter_queue_size",
    "otelcol_exporter_queue_capacity",
    "otelcol_exporter_sent_spans",
    "otelcol_exporter_send_failed_spans",
    "otelcol_exporter_enqueue_failed_spans",
    "otelcol_receiver_accepted_spans",
    "otelcol_receiver_refused_spans",
    "otelcol_receiver_failed_spans",
    "otelcol_processor_batch_batch_send_size_count",
    "otelcol_processor_batch_batch_send_size_sum",
    "otelcol_processor_batch_timeout_trigger_send",
    "otelcol_processor_batch_batch_size_trigger_send",
    "otelcol_process_memory_rss",
    "otelcol_process_runtime_heap_alloc_bytes",
)

# Shared defaults: the collector's exporterhelper defaults (num_consumers 10, timeout 5 s,
# retry 5 s x1.5 up to 30 s, 300 s elapsed) and a batch processor that flushes on its timer
# (send_batch_size is the default 8192, not reached at these rates within 200 ms).
BASE = dict(
    protocol="otlp-grpc",       # loadgen -> collector
    exporter="otlp",            # otlp (gRPC) or otlphttp
    batch=dict(send_batch_size=8192, timeout="200ms"),
    queue=dict(queue_size=100, num_consumers=10),
    retry=dict(initial_interval="5s", max_interval="30s", max_elapsed_time="300s"),
    timeout="5s",
    memory_limiter=None,
    gogc="100",
    gomemlimit=None,
    tail=0,                     # seconds the collector runs after the load stops
)


def run(**kw):
    r = json.loads(json.dumps(BASE))
    r.update(kw)
    return r


# The recorded runs. "schedule" is the sink's (from the load's start); "duration" the load's.
RUNS = {
    # -- v0.165.0: queue counts in-flight requests (from v0.120) ----------------------------
    "v165_hang_r2000_q100": run(release="0.165.0", rate=2000, duration=120,
                                schedule="up:10s,hang"),
    "v165_hang_r8000_q100": run(release="0.165.0", rate=8000, duration=90,
                                schedule="up:10s,hang"),
    "v165_refuse_r4000_q50": run(release="0.165.0", rate=4000, duration=90,
                                 queue=dict(queue_size=50, num_consumers=10),
                                 schedule="up:10s,refuse"),
    "v165_hang_recover_r4000_q100": run(release="0.165.0", rate=4000, duration=120,
                                        schedule="up:10s,hang:50s,up"),
    "v165_refuse_recover_r4000_q100_gogc50": run(release="0.165.0", rate=4000, duration=120,
                                                 gogc="50", schedule="up:10s,refuse:40s,up"),
    "v165_hang_r4000_items60k_gogc200": run(release="0.165.0", rate=4000, duration=100,
                                            gogc="200",
                                            queue=dict(queue_size=60000, sizer="items",
                                                       num_consumers=10),
                                            schedule="up:10s,hang"),
    "v165_hang_r4000_q100_gomemlimit": run(release="0.165.0", rate=4000, duration=100,
                                           gomemlimit="300MiB", schedule="up:10s,hang"),
    "v165_limiter_hang_r4000_q200": run(release="0.165.0", rate=4000, duration=120,
                                        queue=dict(queue_size=200, num_consumers=10),
                                        memory_limiter=dict(check_interval="1s",
                                                            limit_mib=250, spike_limit_mib=50),
                                        schedule="up:10s,hang"),
    "v165_http_hang_r2000_q100": run(release="0.165.0", rate=2000, duration=100,
                                     protocol="otlp-http", exporter="otlphttp",
                                     schedule="up:10s,hang"),
    # Healthy runs (2026-12-07, with rtcsv's allocation and GC-mark CPU columns): what the
    # marked heap, the goal and the GC count are at a steady rate, to measure the allocation
    # during a concurrent mark; and v0.119.0's, whose gRPC codec allocates more a request.
    "v165_healthy_r2000": run(release="0.165.0", rate=2000, duration=45, schedule="up"),
    "v165_healthy_r8000": run(release="0.165.0", rate=8000, duration=45, schedule="up"),
    "v119_healthy_r2000": run(release="0.119.0", rate=2000, duration=45, schedule="up"),
    "v119_healthy_r8000": run(release="0.119.0", rate=8000, duration=45, schedule="up"),
    # -- v0.119.0: a dequeued request leaves the queue's count; limiter before v0.121 -------
    "v119_hang_r2000_q100": run(release="0.119.0", rate=2000, duration=120,
                                schedule="up:10s,hang"),
    "v119_hang_recover_r4000_q100": run(release="0.119.0", rate=4000, duration=120,
                                        schedule="up:10s,hang:50s,up"),
    "v119_refuse_r4000_q50_gomemlimit": run(release="0.119.0", rate=4000, duration=90,
                                            queue=dict(queue_size=50, num_consumers=10),
                                            gomemlimit="200MiB", schedule="up:10s,refuse"),
    "v119_limiter_hang_r4000_q200": run(release="0.119.0", rate=4000, duration=120,
                                        queue=dict(queue_size=200, num_consumers=10),
                                        memory_limiter=dict(check_interval="1s",
                                                            limit_mib=250, spike_limit_mib=50),
                                        schedule="up:10s,hang"),
}


def yaml_config(r):
    """The collector config of run r (YAML written by hand: no third-party module)."""
    procs = (["memory_limiter"] if r["memory_limiter"] else []) + ["batch"]
    exp = r["exporter"]
    if exp == "otlp":
        endpoint = f"127.0.0.1:{SINK_GRPC}"
        tls = "    tls:\n      insecure: true\n"
    else:
        endpoint = f"http://127.0.0.1:{SINK_HTTP}"
        tls = ""
    q = r["queue"]
    lines = ["receivers:", "  otlp:", "    protocols:", "      grpc:",
             f"        endpoint: 127.0.0.1:{RECV_GRPC}", "      http:",
             f"        endpoint: 127.0.0.1:{RECV_HTTP}", "processors:", "  batch:"]
    for k, v in r["batch"].items():
        lines.append(f"    {k}: {v}")
    if r["memory_limiter"]:
        lines.append("  memory_limiter:")
        for k, v in r["memory_limiter"].items():
            lines.append(f"    {k}: {v}")
    lines += ["exporters:", f"  {exp}:", f"    endpoint: {endpoint}"]
    text = "\n".join(lines) + "\n" + tls
    lines = [f"    timeout: {r['timeout']}", "    sending_queue:", "      enabled: true"]
    for k, v in q.items():
        lines.append(f"      {k}: {v}")
    lines += ["    retry_on_failure:", "      enabled: true"]
    for k, v in r["retry"].items():
        lines.append(f"      {k}: {v}")
    lines += ["service:", "  telemetry:", "    logs:", "      level: warn", "    metrics:",
              "      level: detailed", "      readers:", "        - pull:",
              "            exporter:", "              prometheus:",
              "                host: 127.0.0.1", f"                port: {TELEMETRY}",
              "  pipelines:", "    traces:", "      receivers: [otlp]",
              f"      processors: [{', '.join(procs)}]", f"      exporters: [{exp}]"]
    return text + "\n".join(lines) + "\n"


def wait_port(port, deadline):
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def port_free(port):
    with socket.socket() as s:
        # as Go's net.Listen does: TIME_WAIT sockets of the last run do not block the port
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def scrape(t0, path, stop):
    """The collector's Prometheus endpoint once a second -> tidy t_s,metric,value."""
    with open(path, "w") as f:
        f.write("t_s,metric,value\n")
        nxt = time.time()
        while not stop.is_set():
            try:
                body = urllib.request.urlopen(
                    f"http://127.0.0.1:{TELEMETRY}/metrics", timeout=0.8).read().decode()
                t = time.time() - t0
                sums = {}
                for line in body.splitlines():
                    if line.startswith("#") or not line:
                        continue
                    name = line.split("{", 1)[0].split(" ", 1)[0]
                    base = name[:-6] if name.endswith("_total") else name
                    if base not in KEEP:
                        continue
                    # one value per metric: summed over labels (transport, server_port)
                    sums[base] = sums.get(base, 0.0) + float(line.rsplit(" ", 1)[1])
                for k in KEEP:
                    if k in sums:
                        v = sums[k]
                        f.write(f"{t:.3f},{k},{int(v) if v == int(v) else v}\n")
                f.flush()
            except Exception:
                pass
            nxt += 1.0
            stop.wait(max(0.0, nxt - time.time()))


def child_pid(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
        return int(kids[0]) if kids else None
    except OSError:
        return None


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().strip()


def other_recordings():
    """Pids of other `tracesim measure` runs on the machine (other harnesses' recordings)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if len(argv) > 1 and argv[0].endswith(b"tracesim") and argv[1] == b"measure":
            pids.append(int(d))
    return pids


def wait_quiet(limit=2.0, most=30, most_other=45):
    """Waits (up to `most_other` s) for other recordings to end, then (up to `most` s) for
    the 1-min load average to fall below `limit`, so that a recording does not share the 2
    cores with a build or another recording; returns the seconds waited."""
    start = time.time()
    while other_recordings() and time.time() - start < most_other:
        time.sleep(2)
    mid = time.time()
    while float(loadavg().split()[0]) >= limit and time.time() - mid < most:
        time.sleep(5)
    return round(time.time() - start, 1)


def log_events(lines, t0):
    """First instants of what the collector logged (wall clock -> the RSS clock)."""
    import datetime
    marks = {"first_queue_full_s": "sending queue is full",
             "first_limiter_refusing_s": "above soft limit",
             "first_export_failed_s": "Exporting failed"}
    out = {k: None for k in marks}
    counts = {k: 0 for k in marks}
    for line in lines:
        for k, text in marks.items():
            if text in line:
                counts[k] += 1
                if out[k] is None:
                    ts = line.split("\t", 1)[0].replace("Z", "+00:00")
                    try:
                        out[k] = round(datetime.datetime.fromisoformat(ts).timestamp() - t0, 3)
                    except ValueError:
                        pass
    out["line_counts"] = {k: counts[k] for k in marks}
    return out


def busy_processes():
    """Other processes using CPU at the time (for the sidecar)."""
    try:
        out = subprocess.run(["ps", "-eo", "pcpu,rss,comm", "--sort=-pcpu"],
                             capture_output=True, text=True).stdout.splitlines()
        return [l.strip() for l in out[1:8]]
    except OSError:
        return []


def record(name):
    r = RUNS[name]
    rel = r["release"]
    collector = os.path.join(BIN, f"otelcol-v{rel}")
    for p in (collector, TRACESIM, f"{STANDINS}/otlpsink", f"{STANDINS}/loadgen"):
        if not os.path.exists(p):
            sys.exit(f"missing {p}")
    for p in (RECV_GRPC, RECV_HTTP, SINK_GRPC, SINK_HTTP, TELEMETRY):
        if not port_free(p):
            sys.exit(f"port {p} is in use: another run going on?")
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(CONFIGS, exist_ok=True)
    cfg = yaml_config(r)
    cfg_path = os.path.join(CONFIGS, f"{name}.yaml")
    with open(cfg_path, "w") as f:
        f.write(cfg)
    tmp = tempfile.mkdtemp(prefix=f"otelcol-{name}-")
    rss_tmp = os.path.join(tmp, "rss.csv")
    rt_tmp = os.path.join(tmp, "runtime.csv")
    env = dict(os.environ)
    for k in ("GOGC", "GOMEMLIMIT", "GODEBUG", "GOMAXPROCS"):
        env.pop(k, None)
    env["GOGC"] = r["gogc"]
    if r["gomemlimit"]:
        env["GOMEMLIMIT"] = r["gomemlimit"]
    env["TRACESIM_RUNTIME_CSV"] = rt_tmp
    col_cmd = [collector, "--config", cfg_path]
    measure_cmd = [TRACESIM, "measure", "--interval", "100ms", "--out", rss_tmp, "--"] + col_cmd
    sink_cmd = [f"{STANDINS}/otlpsink", "--grpc", f"127.0.0.1:{SINK_GRPC}", "--http",
                f"127.0.0.1:{SINK_HTTP}", "--schedule", r["schedule"], "--log",
                os.path.join(tmp, "sink.csv")]
    target = (f"127.0.0.1:{RECV_GRPC}" if r["protocol"] == "otlp-grpc"
              else f"http://127.0.0.1:{RECV_HTTP}/v1/traces")
    lg_cmd = [f"{STANDINS}/loadgen", "--protocol", r["protocol"], "--target", target,
              "--rate", str(r["rate"]), "--duration", f"{r['duration']}s", "--log",
              os.path.join(tmp, "loadgen.csv")]
    waited = wait_quiet()
    others = other_recordings()
    load_before = loadavg()
    busy_before = busy_processes()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    col_log = open(os.path.join(tmp, "collector.log"), "w")
    t0 = time.time()
    measure = subprocess.Popen(measure_cmd, env=env, stdout=col_log, stderr=col_log)
    if not wait_port(RECV_GRPC, t0 + 20):
        measure.kill()
        sys.exit(f"{name}: the collector did not open its receiver; log in {tmp}")
    wait_port(TELEMETRY, t0 + 20)
    stop = threading.Event()
    scraper = threading.Thread(target=scrape, args=(t0, os.path.join(tmp, "metrics.csv"), stop))
    scraper.start()
    sink_err = open(os.path.join(tmp, "sink.err"), "w")
    lg_out = open(os.path.join(tmp, "loadgen.out"), "w")
    load_start = time.time() - t0
    sink = subprocess.Popen(sink_cmd, stdout=sink_err, stderr=sink_err)
    lg = subprocess.Popen(lg_cmd, stdout=lg_out, stderr=lg_out)
    lg_rc = lg.wait()
    others_end = [p for p in other_recordings() if p != measure.pid]
    time.sleep(r["tail"])
    # The recording ends with the load: the collector is killed (SIGKILL), not shut down,
    # since a graceful shutdown waits up to its timeout on requests the hung sink holds.
    col = child_pid(measure.pid)
    if col:
        os.kill(col, signal.SIGKILL)
    measure.wait()
    stop.set()
    scraper.join()
    sink.send_signal(signal.SIGTERM)
    sink.wait(timeout=10)
    stopped = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    load_after = loadavg()

    # The runtime CSV's first column is the wall clock (unix_s): put it on the RSS clock.
    rt_offset = -t0
    shutil.copy(rss_tmp, os.path.join(OUT, f"{name}.csv"))
    with open(rt_tmp) as f, open(os.path.join(OUT, f"{name}.runtime.csv"), "w") as g:
        head = f.readline()
        g.write("t_s," + head.split(",", 1)[1])
        for line in f:
            t, rest = line.split(",", 1)
            g.write(f"{float(t) + rt_offset:.3f},{rest}")
    for src, dst in (("metrics.csv", "metrics.csv"), ("loadgen.csv", "loadgen.csv"),
                     ("sink.csv", "sink.csv")):
        shutil.copy(os.path.join(tmp, src), os.path.join(OUT, f"{name}.{dst}"))
    with open(os.path.join(tmp, "loadgen.out")) as f:
        lg_text = f.read()
    with open(os.path.join(tmp, "collector.log")) as f:
        col_lines = f.read().splitlines()
    version = subprocess.run([collector, "--version"], capture_output=True,
                             text=True).stdout.strip()
    side = dict(
        name=name,
        recorded=dict(start=started, stop=stopped, host=platform.node(),
                      cpus=os.cpu_count(), waited_for_quiet_s=waited,
                      other_recordings_at_start=others,
                      other_recordings_at_end=others_end,
                      loadavg_before=load_before,
                      loadavg_after=load_after, busy_processes_before=busy_before),
        collector=dict(release=rel, binary=collector, version=version,
                       source=f"validation/harness/otelcol/v{rel}/ (go.mod, go.sum, main.go)",
                       go=subprocess.run(["go", "version"], capture_output=True,
                                         text=True).stdout.strip(),
                       config_file=os.path.relpath(cfg_path, ROOT), config=cfg,
                       env=dict(GOGC=r["gogc"], GOMEMLIMIT=r["gomemlimit"]),
                       command=col_cmd),
        setup={k: v for k, v in r.items()},
        commands=dict(measure=measure_cmd, sink=sink_cmd, loadgen=lg_cmd),
        clock=dict(t0="tracesim measure start", load_start_s=round(load_start, 3),
                   sink_schedule_start_s=round(load_start, 3),
                   t0_unix=round(t0, 3)),
        loadgen=dict(rc=lg_rc, output=lg_text.strip().splitlines()[-3:]),
        collector_log=dict(lines=len(col_lines), first=col_lines[:3], last=col_lines[-3:],
                           events=log_events(col_lines, t0)),
        files=dict(rss=f"{name}.csv", runtime=f"{name}.runtime.csv",
                   metrics=f"{name}.metrics.csv", loadgen=f"{name}.loadgen.csv",
                   sink=f"{name}.sink.csv"),
    )
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(side, f, indent=1)
        f.write("\n")
    shutil.rmtree(tmp)
    peak = max(int(l.split(",")[1]) for l in open(os.path.join(OUT, f"{name}.csv")).read()
               .splitlines()[1:] if l)
    print(f"{name}: peak RSS {peak / 2**20:.1f} MiB, load start {load_start:.2f} s, "
          f"loadavg {load_before} -> {load_after}")


SPANS_PER_REQUEST = 8.67   # loadgen's default --spans-per-request


# The collector starts before the sink (both before the load): its exporter's first dial is
# refused, and grpc-go waits out its reconnect backoff (internal/backoff DefaultConfig: base
# delay 1 s, jitter 0.2) before dialing again; meanwhile exports fail at once (Unavailable)
# and wait a retry (5 s). The collector log shows the refused dial; the queue-size metric
# shows 3-4 requests held until ~6-8 s in every run. Seen from the load's start (0.05-0.2 s
# after the collector's), the backend refuses for ~0.9 s.
STARTUP_REFUSE = '{start="0s", duration="0.9s", mode="refuse"}'


def outages(schedule, grpc=True):
    """The sink's schedule as tracesim storage.outages (time 0 = the load's start); with the
    gRPC exporter, its start-up refusal first (otlphttp dials per request: none)."""
    t, out = 0.0, [STARTUP_REFUSE] if grpc else []
    for seg in schedule.split(","):
        parts = seg.split(":")
        mode = parts[0]
        dur = float(parts[-1].rstrip("s")) if len(parts) > 1 else None
        if mode in ("hang", "refuse"):
            d = f'"{dur:g}s"' if dur is not None else '"1h"'
            out.append(f'{{start="{t:g}s", duration={d}, mode="{mode}"}}')
        elif mode != "up":
            raise ValueError(f"mode {mode} has no tracesim outage")
        if dur is not None:
            t += dur
    return "storage.outages=[" + ", ".join(out) + "]"


def model_sets(name):
    """`--set` overrides that make models/validation/otelcol-vREL.toml this run."""
    r = RUNS[name]
    q = r["queue"]
    sets = [f"scenario.duration={r['duration']}s",
            f"workload.rate={r['rate'] / SPANS_PER_REQUEST:.2f}/s",
            f"otelcol.exporter.sending_queue.queue_size={q['queue_size']}",
            f"otelcol.memory.gogc={r['gogc']}",
            outages(r["schedule"], grpc=r["exporter"] == "otlp")]
    if r["exporter"] == "otlphttp":
        sets.append('otelcol.exporter.protocol="http"')
    if q.get("sizer"):
        sets.append(f"otelcol.exporter.sending_queue.sizer={q['sizer']}")
    if r["gomemlimit"]:
        sets.append(f"otelcol.memory.gomemlimit={r['gomemlimit']}")
    ml = r["memory_limiter"]
    if ml:
        sets.append('otelcol.processors=["memory_limiter", "batch"]')
        sets.append("otelcol.memory_limiter={" + ", ".join(
            f'{k}="{v}"' if isinstance(v, str) else f"{k}={v}" for k, v in ml.items()) + "}")
    return sets


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*")
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--sets", action="store_true",
                    help="print the tracesim --set overrides of each NAME, do not record")
    a = ap.parse_args()
    if a.list:
        for n, r in RUNS.items():
            print(n, r["release"], r["rate"], r["queue"], r["schedule"], r["gogc"],
                  r["gomemlimit"], r["memory_limiter"])
        return
    names = list(RUNS) if a.all else a.names
    for n in names:
        if n not in RUNS:
            sys.exit(f"unknown run {n}; --list lists them")
    if a.sets:
        for n in names:
            print(n, " ".join("--set '" + x + "'" for x in model_sets(n)))
        return
    for n in names:
        record(n)


if __name__ == "__main__":
    main()
