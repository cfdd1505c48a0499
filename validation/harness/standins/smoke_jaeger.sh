#!/usr/bin/env bash
# Smoke test of the stand-ins with the real Jaeger collectors (built elsewhere, e.g. by the
# go-jaeger harness): loadgen -> collector -> essink, all up, ~10 s each. Checks that every
# span sent is accepted by the collector, saved, and arrives in essink as a span document,
# and prints the mean span size the v1 collector counts (jaeger_collector_spans_bytes /
# spans saved, which needs --collector.queue-size-memory).
# Usage: JAEGER_V1=../../bin/jaeger/collector-v1.22.0 JAEGER_V2=../../bin/jaeger/jaeger-v1.75.0 ./smoke_jaeger.sh
# Ports (loopback): 39200-39201 essink, 39411 zipkin, 342xx/344xx collectors, 38888 metrics.
set -euo pipefail
cd "$(dirname "$0")"
BIN="${STANDINS_BIN:-../../bin/standins}"
V1="${JAEGER_V1:-../../bin/jaeger/collector-v1.22.0}"
V2="${JAEGER_V2:-../../bin/jaeger/jaeger-v1.75.0}"
work=$(mktemp -d /tmp/standins-smoke-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

sum() { # sum of a tidy log's counter
  python3 -c "import csv,sys; print(sum(int(r['detail']) for r in csv.DictReader(open(sys.argv[1])) if r['event']==sys.argv[2]))" "$1" "$2"
}
metric() { # sum of a Prometheus metric's series
  curl -s "$1" | awk -v m="$2" '$1 ~ "^"m"({|$)" {s+=$2} END {printf "%d\n", s}'
}
fail=0
wait_metric() { # wait up to 20 s for a metric to reach a value (the pipeline drains)
  for _ in $(seq 40); do [ "$(metric "$1" "$2")" -ge "$3" ] && break; sleep 0.5; done
}

if [ -x "$V1" ]; then
  "$BIN/essink" --listen 127.0.0.1:39200 --run-for 60s --log "$work/es-v1.csv" 2>"$work/es-v1.err" & pids+=($!)
  sleep 0.3
  SPAN_STORAGE_TYPE=elasticsearch "$V1" --es.server-urls=http://127.0.0.1:39200 \
    --collector.zipkin.host-port=127.0.0.1:39411 --collector.grpc-server.host-port=127.0.0.1:34250 \
    --collector.http-server.host-port=127.0.0.1:34268 --admin.http.host-port=127.0.0.1:34269 \
    --collector.queue-size-memory=80 >"$work/v1.log" 2>&1 & pids+=($!)
  v1pid=$!
  sleep 2
  "$BIN/loadgen" --protocol zipkin --target http://127.0.0.1:39411/api/v2/spans --rate 1300 --duration 10s 2>&1 | tail -1
  wait_metric http://127.0.0.1:34269/metrics jaeger_collector_spans_saved_by_svc_total 12996
  sleep 1 # the spans_bytes gauge is updated every second
  saved=$(metric http://127.0.0.1:34269/metrics jaeger_collector_spans_saved_by_svc_total)
  bytes=$(curl -s http://127.0.0.1:34269/metrics | awk '$1 ~ /^jaeger_collector_spans_bytes/ {printf "%d", $2}')
  echo "v1.22 zipkin: saved=$saved mean counted span size=$(python3 -c "print(round($bytes/max($saved,1),1))") B"
  # the two Jaeger protocols, 2 s each (300 requests = 2601 spans)
  "$BIN/loadgen" --protocol jaeger-grpc --target 127.0.0.1:34250 --rate 1300 --duration 2s 2>&1 | tail -1
  "$BIN/loadgen" --protocol jaeger-thrift --target http://127.0.0.1:34268/api/traces --rate 1300 --duration 2s 2>&1 | tail -1
  wait_metric http://127.0.0.1:34269/metrics jaeger_collector_spans_saved_by_svc_total 18198
  sleep 1
  saved=$(metric http://127.0.0.1:34269/metrics jaeger_collector_spans_saved_by_svc_total)
  kill "$v1pid"; sleep 0.5
  docs=$(sum "$work/es-v1.csv" span_docs_accepted 2>/dev/null || echo 0)
  echo "v1.22 zipkin+jaeger-grpc+jaeger-thrift: saved=$saved essink_span_docs=$docs (want 18198)"
  [ "$saved" = 18198 ] && [ "$docs" = 18198 ] || { echo "FAIL v1"; fail=1; }
else
  echo "skip v1: no $V1"
fi

if [ -x "$V2" ]; then
  for ver in 7.10.2 8.15.0; do
    cat >"$work/v2.yaml" <<YAML
service:
  extensions: [jaeger_storage]
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [jaeger_storage_exporter]}
  telemetry:
    metrics:
      level: detailed
      readers: [{pull: {exporter: {prometheus: {host: 127.0.0.1, port: 38888}}}}]
extensions:
  jaeger_storage:
    backends:
      es_main:
        elasticsearch: {server_urls: [http://127.0.0.1:39201]}
receivers:
  otlp:
    protocols: {grpc: {endpoint: 127.0.0.1:34417}, http: {endpoint: 127.0.0.1:34418}}
processors: {batch: {}}
exporters:
  jaeger_storage_exporter: {trace_storage: es_main}
YAML
    "$BIN/essink" --listen 127.0.0.1:39201 --es-version "$ver" --run-for 60s --log "$work/es-v2-$ver.csv" 2>"$work/es-v2-$ver.err" & espid=$!; pids+=($espid)
    sleep 0.3
    "$V2" --config "$work/v2.yaml" >"$work/v2-$ver.log" 2>&1 & v2pid=$!; pids+=($v2pid)
    sleep 4
    "$BIN/loadgen" --protocol otlp-grpc --target 127.0.0.1:34417 --rate 1300 --duration 5s 2>&1 | tail -1
    wait_metric http://127.0.0.1:38888/metrics otelcol_exporter_sent_spans_total 6502
    sleep 1
    sent=$(metric http://127.0.0.1:38888/metrics otelcol_exporter_sent_spans_total)
    kill "$v2pid"; sleep 0.5; kill "$espid"; sleep 0.3
    docs=$(sum "$work/es-v2-$ver.csv" span_docs_accepted)
    echo "v2 (v1.75.0) es $ver: exporter_sent=$sent essink_span_docs=$docs templates: $(grep -o 'template PUT [^ ]*' "$work/es-v2-$ver.err" | tr '\n' ' ')"
    [ "$sent" = 6502 ] && [ "$docs" = 6502 ] || { echo "FAIL v2 $ver"; fail=1; }
  done
else
  echo "skip v2: no $V2"
fi
echo "logs in $work"
exit $fail
