//! `tracesim import`: real collector configs and Jaeger settings become scenarios that load
//! and run; the mapping of each field; errors that name the file, line and key and leave no
//! output behind.

use std::path::{Path, PathBuf};
use std::process::Command;
use tracesim::import::jaeger::{Setting, import_jaeger, parse_args, parse_env_file};
use tracesim::import::otelcol::import_otelcol;
use tracesim::import::{ImportError, Imported, Options};
use tracesim::pipeline::Simulation;
use tracesim::scenario::raw::{OtelProcessor, OutageMode, QueueSizer, StorageKind};
use tracesim::scenario::{self, Scenario};
use tracesim::units::Duration;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/import")
        .join(name)
}

/// A short run with an outage inside it, so the imported queue and retries are exercised.
fn short() -> Options {
    Options {
        duration: Some(Duration::parse("30s").unwrap()),
        outage_start: Some(Duration::parse("10s").unwrap()),
        outage_duration: Some(Duration::parse("10s").unwrap()),
        outage_mode: Some(OutageMode::Refuse),
        rate: Some(tracesim::units::Rate(100.0)),
        ..Options::default()
    }
}

fn otelcol(name: &str, o: &Options) -> Result<Imported, ImportError> {
    let p = data(name);
    let text = std::fs::read_to_string(&p).unwrap();
    import_otelcol(&p.display().to_string(), &text, o)
}

/// Loads the imported text with the project's loader and runs it.
fn load_and_run(imp: &Imported) -> Scenario {
    let sc = scenario::parse("imported.toml", &imp.toml).unwrap_or_else(|e| panic!("{e}"));
    let r = Simulation::new(&sc, None).run();
    let c = &r.counters;
    assert!(c.generated > 0);
    assert_eq!(c.generated, c.exported + c.dropped_total() + r.held_end);
    sc
}

#[test]
fn docs_basic_example_imports_and_runs() {
    let imp = otelcol("otelcol-docs-basic.yaml", &short()).unwrap();
    let sc = load_and_run(&imp);
    let oc = sc.otelcol.as_ref().unwrap();
    assert_eq!(oc.processors, vec![OtelProcessor::Batch]);
    // `batch:` with no settings: the collector's defaults.
    let b = oc.batch.as_ref().unwrap();
    assert_eq!((b.send_batch_size, b.timeout), (8192, 200_000_000));
    // otlp: exporterhelper defaults (queue of 1000 requests, 10 consumers, retry on, 5s).
    assert!(oc.queue.enabled && oc.retry.enabled);
    assert_eq!((oc.queue.capacity, oc.queue.num_consumers), (1000, 10));
    assert_eq!(oc.timeout, 5_000_000_000);
    assert!(oc.memory_limiter.is_none());
    assert_eq!(sc.storage.as_ref().unwrap().kind, StorageKind::Otlp);
    // The metrics and logs pipelines are listed, not silently dropped.
    assert!(imp.not_modelled.iter().any(|n| n.contains("metrics, logs")));
    assert!(
        imp.defaults
            .iter()
            .any(|d| d.starts_with("workload.span_size"))
    );
    assert!(imp.toml.contains("# Not modelled"));
    assert!(imp.toml.contains("DEFAULT"));
}

#[test]
fn docs_memory_limiter_example_maps_limits_and_order() {
    let imp = otelcol("otelcol-docs-memory-limiter.yaml", &short()).unwrap();
    let sc = load_and_run(&imp);
    let oc = sc.otelcol.as_ref().unwrap();
    assert_eq!(
        oc.processors,
        vec![OtelProcessor::MemoryLimiter, OtelProcessor::Batch]
    );
    let ml = oc.memory_limiter.as_ref().unwrap();
    assert_eq!(ml.check_interval, 5_000_000_000);
    assert_eq!(ml.hard, 4000 << 20);
    assert_eq!(ml.soft, (4000 - 500) << 20);
    // Processors in between are listed, in order, with their key paths.
    let pos = |s: &str| imp.not_modelled.iter().position(|n| n.contains(s)).unwrap();
    assert!(pos("`attributes`") < pos("`resource`"));
    assert!(pos("`resource`") < pos("`probabilistic_sampler`"));
    assert!(
        imp.not_modelled
            .iter()
            .any(|n| n.contains("processors.span"))
    );
    // debug comes first, but the backend exporter is the one modelled.
    assert!(imp.toml.contains("Exporter `otlp/jaeger`"));
    assert!(
        imp.not_modelled
            .iter()
            .any(|n| n.contains("exporter `debug`"))
    );
    assert!(imp.toml.contains(
        "service.pipelines.traces.processors: memory_limiter, attributes (not modelled)"
    ));
}

#[test]
fn jaeger_v2_default_config_has_no_queue_no_retry_no_timeout() {
    let imp = otelcol("jaeger-v2-config.yaml", &short()).unwrap();
    let sc = load_and_run(&imp);
    let oc = sc.otelcol.as_ref().unwrap();
    assert_eq!(oc.processors, vec![OtelProcessor::Batch]);
    assert!(!oc.queue.enabled);
    assert!(!oc.retry.enabled);
    assert_eq!(oc.timeout, 0);
    assert!(
        imp.not_modelled
            .iter()
            .any(|n| n.contains("adaptive_sampling")),
        "{:?}",
        imp.not_modelled
    );
    assert!(
        imp.not_modelled
            .iter()
            .any(|n| n.contains("jaeger_storage"))
    );
    // A `queue:` section turns the storage exporter's queue on.
    let text = std::fs::read_to_string(data("jaeger-v2-config.yaml")).unwrap().replace(
        "    trace_storage: some_store\n",
        "    trace_storage: some_store\n    queue:\n      queue_size: 300\n      num_consumers: 4\n    retry_on_failure:\n      enabled: true\n      multiplier: 2\n",
    );
    let imp = import_otelcol("j.yaml", &text, &short()).unwrap();
    let sc = load_and_run(&imp);
    let oc = sc.otelcol.as_ref().unwrap();
    assert!(oc.queue.enabled && oc.retry.enabled);
    assert_eq!((oc.queue.capacity, oc.queue.num_consumers), (300, 4));
    assert_eq!(oc.retry.multiplier, 2.0);
}

#[test]
fn graphql_hive_persistent_queue_and_limiter_last() {
    // graphql-hive builds its own collector: `hiveauth` is its extension
    // (github.com/graphql-hive/opentelemetry-collector-contrib/extension/hiveauthextension),
    // in no catalogue. Refused as an unknown type, or listed with --allow-unknown.
    let e = otelcol("graphql-hive-file-storage.yaml", &short()).unwrap_err();
    assert_eq!((e.key.as_str(), e.line), ("extensions.hiveauth", Some(12)));
    assert!(e.message.contains("--allow-unknown"), "{e}");
    let o = Options {
        allow_unknown: true,
        ..short()
    };
    let imp = otelcol("graphql-hive-file-storage.yaml", &o).unwrap();
    assert!(
        imp.not_modelled.iter().any(|n| n
            .contains("extension `hiveauth` (extensions.hiveauth, line 12)")
            && n.contains("--allow-unknown")),
        "{:?}",
        imp.not_modelled
    );
    let sc = load_and_run(&imp);
    let oc = sc.otelcol.as_ref().unwrap();
    // attributes (not modelled), batch, memory_limiter: order kept.
    assert_eq!(
        oc.processors,
        vec![OtelProcessor::Batch, OtelProcessor::MemoryLimiter]
    );
    assert!(!oc.limiter_at_receive && oc.limiter_after_batch);
    let ml = oc.memory_limiter.as_ref().unwrap();
    assert_eq!((ml.hard, ml.soft), (1000 << 20, 800 << 20));
    let b = oc.batch.as_ref().unwrap();
    assert_eq!((b.send_batch_size, b.timeout), (5000, 100_000_000));
    let q = &oc.queue;
    assert!(q.enabled && q.persistent);
    assert_eq!(
        (q.capacity, q.num_consumers, q.sizer),
        (5000, 1, QueueSizer::Requests)
    );
    let r = &oc.retry;
    assert_eq!(
        (r.initial_interval, r.max_interval, r.max_elapsed_time),
        (5_000_000_000, 30_000_000_000, 300_000_000_000)
    );
    assert_eq!((r.multiplier, r.randomization_factor), (1.5, 0.5));
    assert!(imp.not_modelled.iter().any(|n| n.contains("`attributes`")));
    assert!(
        !imp.not_modelled
            .iter()
            .any(|n| n.contains("`file_storage`"))
    );
}

const SMALL: &str = "\
receivers:
  otlp:
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 50
    spike_limit_percentage: 10
    min_gc_interval_when_soft_limited: 5s
  batch/big:
    send_batch_size: 1000
    send_batch_max_size: 2000
    timeout: 1m30s
exporters:
  otlphttp:
    timeout: ${env:EXPORT_TIMEOUT:-7s}
    sending_queue:
      sizer: items
      queue_size: 200000
      num_consumers: 4
      blocking: true
    retry_on_failure:
      initial_interval: 200ms
      max_interval: 2s
      max_elapsed_time: 0s
      multiplier: 2.5
      randomization_factor: 0.1
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch/big]
      exporters: [otlphttp]
";

#[test]
fn every_mapped_field_reaches_the_scenario() {
    let mut o = short();
    o.memory_limit = Some(tracesim::units::ByteSize::parse("1000MiB").unwrap());
    o.version = Some("0.125.0".into());
    let imp = import_otelcol("small.yaml", SMALL, &o).unwrap();
    let sc = load_and_run(&imp);
    let oc = sc.otelcol.as_ref().unwrap();
    let ml = oc.memory_limiter.as_ref().unwrap();
    // 50% and 10% of the 1000 MiB container limit.
    let total = 1000u64 << 20;
    assert_eq!(ml.hard, total / 100 * 50);
    assert_eq!(ml.soft, total / 100 * 50 - total / 100 * 10);
    assert_eq!(ml.min_gc_soft, 5_000_000_000);
    let b = oc.batch.as_ref().unwrap();
    assert_eq!(
        (b.send_batch_size, b.send_batch_max_size, b.timeout),
        (1000, 2000, 90_000_000_000)
    );
    assert_eq!(oc.timeout, 7_000_000_000, "the env default");
    let q = &oc.queue;
    assert_eq!(
        (q.sizer, q.capacity, q.num_consumers, q.block_on_overflow),
        (QueueSizer::Items, 200_000, 4, true)
    );
    let r = &oc.retry;
    assert_eq!(
        (r.initial_interval, r.max_interval, r.max_elapsed_time),
        (200_000_000, 2_000_000_000, 0)
    );
    assert_eq!((r.multiplier, r.randomization_factor), (2.5, 0.1));
    assert_eq!(oc.version.minor, 125);
    assert_eq!(sc.workload.rate_steps[0].1, 100.0);
    // --env gives a reference its value.
    o.env = vec![("EXPORT_TIMEOUT".into(), "3s".into())];
    let imp = import_otelcol("small.yaml", SMALL, &o).unwrap();
    let sc = scenario::parse("x", &imp.toml).unwrap();
    assert_eq!(sc.otelcol.unwrap().timeout, 3_000_000_000);
}

#[test]
fn the_exporter_type_sets_its_transport() {
    let o = short();
    let oc = |text: &str| {
        let imp = import_otelcol("small.yaml", text, &o).unwrap();
        load_and_run(&imp).otelcol.unwrap()
    };
    let http = oc(SMALL);
    assert!(!http.grpc_channel && http.marshal_pool.is_none());
    let grpc = oc(&renamed("otlphttp", "otlp"));
    assert!(grpc.grpc_channel, "the otlp exporter's gRPC channel");
    assert!(grpc.marshal_pool.is_some(), "its codec's pooled buffers");
}

fn err_of(text: &str, o: &Options) -> ImportError {
    import_otelcol("cfg.yaml", text, o).expect_err("should fail")
}

#[test]
fn errors_name_the_file_line_and_key() {
    let o = short();
    // Malformed YAML.
    let e = err_of("receivers:\n  otlp: [unclosed\nservice: {}\n", &o);
    assert_eq!(e.file, "cfg.yaml");
    assert!(e.line.is_some() && e.message.contains("YAML"), "{e}");
    // An unknown unit.
    let e = err_of(&SMALL.replace("timeout: 1m30s", "timeout: 5 parsecs"), &o);
    assert_eq!(
        (e.key.as_str(), e.line),
        ("processors.batch/big.timeout", Some(12))
    );
    assert!(
        e.to_string()
            .contains("cfg.yaml:12: `processors.batch/big.timeout`"),
        "{e}"
    );
    // A wrong type.
    let e = err_of(&SMALL.replace("queue_size: 200000", "queue_size: [1]"), &o);
    assert_eq!(e.key, "exporters.otlphttp.sending_queue.queue_size");
    let e = err_of(
        &SMALL.replace("check_interval: 1s", "check_interval: true"),
        &o,
    );
    assert_eq!(e.key, "processors.memory_limiter.check_interval");
    // An environment reference without a default.
    let e = err_of(
        &SMALL.replace("limit_percentage: 50", "limit_mib: ${env:MEMORY_LIMIT}"),
        &o,
    );
    assert_eq!(e.key, "processors.memory_limiter.limit_mib");
    assert!(
        e.message.contains("MEMORY_LIMIT") && e.message.contains("--env"),
        "{e}"
    );
    let e = err_of(
        &SMALL.replace("limit_percentage: 50", "limit_percentage: ${MY_VAR}"),
        &o,
    );
    assert!(e.message.contains("MY_VAR"), "{e}");
    // An unknown top-level section.
    let e = err_of(&format!("{SMALL}procesors:\n  batch:\n"), &o);
    assert_eq!((e.key.as_str(), e.line), ("procesors", Some(33)));
    // No traces pipeline.
    let e = err_of(&SMALL.replace("    traces:\n", "    metrics:\n"), &o);
    assert_eq!(e.key, "service.pipelines");
    assert!(
        e.message.contains("no traces pipeline (found metrics)"),
        "{e}"
    );
    // Several: --pipeline chooses, and they are listed.
    let two = SMALL.replace(
        "  pipelines:\n",
        "  pipelines:\n    traces/2:\n      receivers: [otlp]\n      exporters: [otlphttp]\n",
    );
    let e = err_of(&two, &o);
    assert!(
        e.message.contains("traces/2, traces") && e.message.contains("--pipeline"),
        "{e}"
    );
    let mut o2 = short();
    o2.pipeline = Some("traces/2".into());
    let imp = import_otelcol("cfg.yaml", &two, &o2).unwrap();
    assert_eq!(
        scenario::parse("x", &imp.toml)
            .unwrap()
            .otelcol
            .unwrap()
            .processors,
        vec![]
    );
    // An exporter named in the pipeline but not defined.
    let e = err_of(
        &SMALL.replace("exporters: [otlphttp]", "exporters: [otlphttp, kafka]"),
        &o,
    );
    assert_eq!(
        (e.key.as_str(), e.line),
        ("service.pipelines.traces.exporters[1]", Some(32))
    );
    // A value the simulator refuses is reported at its key in the config.
    let e = err_of(
        &SMALL.replace("randomization_factor: 0.1", "randomization_factor: 1.5"),
        &o,
    );
    assert_eq!(
        (e.key.as_str(), e.line),
        (
            "exporters.otlphttp.retry_on_failure.randomization_factor",
            Some(26)
        )
    );
    // Negative numbers, missing check_interval, empty file, not a mapping.
    let e = err_of(&SMALL.replace("num_consumers: 4", "num_consumers: -4"), &o);
    assert!(e.message.contains("negative"), "{e}");
    let e = err_of(&SMALL.replace("    check_interval: 1s\n", ""), &o);
    assert_eq!(e.key, "processors.memory_limiter.check_interval");
    assert!(err_of("", &o).message.contains("empty"));
    assert!(err_of("- a\n- b\n", &o).message.contains("top level"));
}

/// SMALL with every `from` (a component id) written `to`.
fn renamed(from: &str, to: &str) -> String {
    SMALL
        .replace(&format!("  {from}:\n"), &format!("  {to}:\n"))
        .replace(&format!("[{from}]"), &format!("[{to}]"))
        .replace(&format!(", {from}]"), &format!(", {to}]"))
}

#[test]
fn unknown_component_types_are_errors_with_a_suggestion() {
    let o = short();
    // A typo'd processor, defined and in the pipeline: its key path, its line, the nearest
    // real type.
    let typo = renamed("batch/big", "bacth/big");
    let e = err_of(&typo, &o);
    assert_eq!((e.key.as_str(), e.line), ("processors.bacth/big", Some(9)));
    assert!(
        e.message.starts_with("unknown processor type `bacth` (not a component of the OpenTelemetry Collector core, contrib or Jaeger v2 as of 20")
            && e.message.ends_with("; did you mean `batch`?"),
        "{e}"
    );
    assert!(
        e.to_string()
            .starts_with("cfg.yaml:9: `processors.bacth/big`: "),
        "{e}"
    );
    // --allow-unknown: a custom build's component, listed as not modelled.
    let allow = Options {
        allow_unknown: true,
        ..short()
    };
    let imp = import_otelcol("cfg.yaml", &typo, &allow).unwrap();
    let sc = load_and_run(&imp);
    assert_eq!(
        sc.otelcol.unwrap().processors,
        vec![OtelProcessor::MemoryLimiter]
    );
    assert!(
        imp.not_modelled.iter().any(|n| n.starts_with(
            "processor `bacth/big` (processors.bacth/big, line 9): type `bacth` is not a component"
        ) && n.contains("--allow-unknown")),
        "{:?}",
        imp.not_modelled
    );
    assert!(imp.toml.contains("processors.bacth/big, line 9"));

    // A type with nothing near it: no guess, the way out named.
    let e = err_of(&renamed("batch/big", "foobar"), &o);
    assert_eq!(e.key, "processors.foobar");
    assert!(
        e.message.contains("unknown processor type `foobar`")
            && !e.message.contains("did you mean")
            && e.message.contains("--allow-unknown"),
        "{e}"
    );
    // An unknown exporter and receiver.
    let e = err_of(&renamed("otlphttp", "otlphtttp"), &o);
    assert_eq!((e.key.as_str(), e.line), ("exporters.otlphtttp", Some(14)));
    assert!(
        e.message.contains("unknown exporter type `otlphtttp`")
            && e.message.ends_with("did you mean `otlphttp`?"),
        "{e}"
    );
    let e = err_of(&renamed("otlp", "otpl"), &o);
    assert_eq!((e.key.as_str(), e.line), ("receivers.otpl", Some(2)));
    assert!(
        e.message.contains("unknown receiver type `otpl`")
            && e.message.ends_with("did you mean `otlp`?"),
        "{e}"
    );
    // The first in the file is the one reported.
    let e = err_of(&renamed("otlp", "otpl").replace("batch/big", "bacth"), &o);
    assert_eq!(e.key, "receivers.otpl");
    // Defined but in no pipeline, an extension, a connector: the collector refuses those too.
    let e = err_of(
        &format!(
            "{SMALL}extensions:
  heath_check:
"
        ),
        &o,
    );
    assert_eq!(
        (e.key.as_str(), e.line),
        ("extensions.heath_check", Some(34))
    );
    assert!(e.message.ends_with("did you mean `health_check`?"), "{e}");
    let e = err_of(
        &format!(
            "{SMALL}connectors:
  spanmetric/red:
"
        ),
        &o,
    );
    assert_eq!(e.key, "connectors.spanmetric/red");
    assert!(e.message.ends_with("did you mean `spanmetrics`?"), "{e}");
    // A real type in the wrong section.
    let e = err_of(&renamed("batch/big", "memory_ballast"), &o);
    assert_eq!(e.key, "processors.memory_ballast");
    assert!(
        e.message
            .contains("not a processor type: it is an extension type (defined under extensions:)"),
        "{e}"
    );
    // An unknown exporter allowed: modelled as built on exporterhelper, and said so.
    let imp = import_otelcol("cfg.yaml", &renamed("otlphttp", "myexporter"), &allow).unwrap();
    load_and_run(&imp);
    assert!(
        imp.not_modelled
            .iter()
            .any(|n| n.contains("exporter `myexporter`") && n.contains("exporterhelper")),
        "{:?}",
        imp.not_modelled
    );
    // A name in the pipeline that is not defined: the nearest defined id.
    let e = err_of(
        &SMALL.replace("[memory_limiter, batch/big]", "[memory_limiter, batch/bgi]"),
        &o,
    );
    assert_eq!(e.key, "service.pipelines.traces.processors[1]");
    assert!(e.message.ends_with("(did you mean `batch/big`?)"), "{e}");
}

#[test]
fn real_components_not_modelled_stay_listed() {
    // Real types, old and new, that the simulator does not model: listed, not refused.
    let text = SMALL
        .replace(
            "processors:\n",
            "processors:\n  tail_sampling:\n  spanmetrics:\n  k8sattributes:\n",
        )
        .replace(
            "[memory_limiter, batch/big]",
            "[memory_limiter, tail_sampling, k8sattributes, batch/big]",
        )
        .replace(
            "exporters:\n",
            "exporters:\n  logging:\n  jaeger:\n    endpoint: x:14250\n",
        )
        .replace("exporters: [otlphttp]", "exporters: [logging, otlphttp]")
        + "extensions:\n  memory_ballast:\n  healthcheckv2:\n  jaeger_mcp:\n\
           connectors:\n  servicegraph:\n";
    let imp = import_otelcol("cfg.yaml", &text, &short()).unwrap();
    load_and_run(&imp);
    for c in [
        "processor `tail_sampling`",
        "processor `k8sattributes`",
        "exporter `logging`",
        "extension `memory_ballast`",
        "extension `jaeger_mcp`",
    ] {
        assert!(
            imp.not_modelled.iter().any(|n| n.contains(c)),
            "{c}: {:?}",
            imp.not_modelled
        );
    }
    assert!(!imp.not_modelled.iter().any(|n| n.contains("allow-unknown")));
}

#[test]
fn every_fixture_imports() {
    // The fixtures hold only real components, but for graphql-hive's own `hiveauth`.
    for f in std::fs::read_dir(data("")).unwrap() {
        let name = f.unwrap().file_name().to_string_lossy().to_string();
        if !name.ends_with(".yaml") {
            continue;
        }
        let o = Options {
            allow_unknown: name.starts_with("graphql-hive"),
            ..short()
        };
        let imp = otelcol(&name, &o).unwrap_or_else(|e| panic!("{e}"));
        load_and_run(&imp);
    }
}

#[test]
fn go_durations() {
    use tracesim::import::otelcol::parse_go_duration as d;
    assert_eq!(d("200ms").unwrap(), 200_000_000);
    assert_eq!(d("1m30s").unwrap(), 90_000_000_000);
    assert_eq!(d("1.5h").unwrap(), 5_400_000_000_000);
    assert_eq!(d("300µs").unwrap(), 300_000);
    assert_eq!(d("0").unwrap(), 0);
    assert_eq!(
        d("5").unwrap(),
        5,
        "a bare integer is nanoseconds, as time.Duration"
    );
    for bad in ["5 parsecs", "5d", "s", "-1s", "", "1m30"] {
        assert!(d(bad).is_err(), "{bad}");
    }
}

fn jaeger(args: &[&str], o: &Options) -> Result<Imported, ImportError> {
    let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    import_jaeger(&parse_args(&a)?, o)
}

#[test]
fn jaeger_flags_and_env_map_to_the_collector() {
    let imp = jaeger(
        &[
            "--collector.queue-size-memory=80",
            "--collector.num-workers=20",
            "COLLECTOR_QUEUE_SIZE=3000",
            "--span-storage.type",
            "elasticsearch",
            "--es.bulk.actions=500",
            "--es.bulk.size=1000000",
            "--es.bulk.workers=2",
            "--es.bulk.flush-interval=1s",
            "--es.timeout=10s",
            "--es.num-shards=5",
        ],
        &short(),
    )
    .unwrap();
    let sc = load_and_run(&imp);
    let c = sc.collector.as_ref().unwrap();
    assert_eq!(c.queue_size_memory, Some(80 << 20));
    assert_eq!((c.queue_size, c.num_workers), (3000, 20));
    let s = sc.storage.as_ref().unwrap();
    assert_eq!(s.kind, StorageKind::Elasticsearch);
    assert_eq!(
        (s.bulk.actions, s.bulk.size, s.bulk.workers),
        (500, 1_000_000, 2)
    );
    assert_eq!(
        (s.bulk.flush_interval, s.timeout),
        (1_000_000_000, Some(10_000_000_000))
    );
    assert!(
        imp.not_modelled
            .iter()
            .any(|n| n.contains("--es.num-shards=5"))
    );
    // The structural model's numbers are those of the bundled scenario.
    assert!(imp.toml.contains("key_value = \"120B\""));

    // A flag wins over the environment; cassandra (the default) is a direct writer.
    let imp = jaeger(
        &["COLLECTOR_NUM_WORKERS=7", "--collector.num-workers=9"],
        &short(),
    )
    .unwrap();
    let sc = load_and_run(&imp);
    assert_eq!(sc.collector.as_ref().unwrap().num_workers, 9);
    assert_eq!(sc.storage.as_ref().unwrap().kind, StorageKind::Direct);
    assert!(imp.defaults.iter().any(|d| d.starts_with("storage.kind")));
}

#[test]
fn jaeger_env_file_and_bad_values() {
    let p = data("jaeger-v1.env");
    let text = std::fs::read_to_string(&p).unwrap();
    let settings: Vec<Setting> = parse_env_file("jaeger-v1.env", &text).unwrap();
    let imp = import_jaeger(&settings, &short()).unwrap();
    let sc = load_and_run(&imp);
    assert_eq!(
        sc.collector.as_ref().unwrap().queue_size_memory,
        Some(80 << 20)
    );
    assert_eq!(
        sc.storage.as_ref().unwrap().kind,
        StorageKind::Elasticsearch
    );
    assert!(
        imp.not_modelled
            .iter()
            .any(|n| n.contains("ES_NUM_SHARDS=5 (jaeger-v1.env:7)"))
    );

    let e = jaeger(&["--collector.queue-size=lots"], &short()).unwrap_err();
    assert_eq!(e.key, "--collector.queue-size");
    assert!(e.message.contains("not a whole number"), "{e}");
    let e = jaeger(&["COLLECTOR_NUM_WORKERS=-3"], &short()).unwrap_err();
    assert_eq!(e.key, "COLLECTOR_NUM_WORKERS");
    assert!(e.message.contains("negative"), "{e}");
    let e = jaeger(&["--es.bulk.flush-interval=soon"], &short()).unwrap_err();
    assert_eq!(e.key, "--es.bulk.flush-interval");
    let e = jaeger(&["--span-storage.type=mongodb"], &short()).unwrap_err();
    assert_eq!(e.key, "--span-storage.type");
    // A value the simulator refuses names the flag.
    let e = jaeger(&["--collector.num-workers=0"], &short()).unwrap_err();
    assert!(e.key.starts_with("--collector.num-workers=0"), "{e}");
    let e = parse_env_file("x.env", "A=1\nnot a setting\n").unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("x.env", Some(2)));
}

fn tracesim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tracesim"))
}

#[test]
fn cli_writes_atomically_and_nothing_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.toml");
    let st = tracesim()
        .args(["import", "otelcol"])
        .arg(data("jaeger-v2-config.yaml"))
        .args([
            "--duration",
            "20s",
            "--outage-start",
            "5s",
            "--outage-duration",
            "5s",
            "--rate",
            "50/s",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(
        err.contains("adaptive_sampling") && err.contains("defaults to check"),
        "{err}"
    );
    // The written file runs.
    let run = tracesim()
        .args(["run", "-q", "--out"])
        .arg(dir.path().join("run"))
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary file left"
    );

    // An error: exit 2, a message naming file, line and key, no output file.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, SMALL.replace("timeout: 1m30s", "timeout: 5 parsecs")).unwrap();
    let out2 = dir.path().join("never.toml");
    let st = tracesim()
        .args(["import", "otelcol"])
        .arg(&bad)
        .arg("--out")
        .arg(&out2)
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(
        err.contains("bad.yaml:12: `processors.batch/big.timeout`"),
        "{err}"
    );
    assert!(!out2.exists());

    // An unknown component type: exit 2, its key path and a suggestion, no output file;
    // --allow-unknown lists it instead.
    std::fs::write(&bad, renamed("batch/big", "bacth/big")).unwrap();
    let st = tracesim()
        .args(["import", "otelcol"])
        .arg(&bad)
        .arg("--out")
        .arg(&out2)
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(
        err.contains("bad.yaml:9: `processors.bacth/big`: unknown processor type `bacth`")
            && err.contains("did you mean `batch`?"),
        "{err}"
    );
    assert!(!out2.exists());
    let st = tracesim()
        .args(["import", "otelcol", "--allow-unknown", "--duration", "10s"])
        .arg(&bad)
        .arg("--out")
        .arg(&out2)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(
        err.contains("processor `bacth/big` (processors.bacth/big, line 9)"),
        "{err}"
    );
    assert!(
        std::fs::read_to_string(&out2)
            .unwrap()
            .contains("# Not modelled")
    );
    std::fs::remove_file(&out2).unwrap();

    // Jaeger: flags after `--`, to stdout.
    let st = tracesim()
        .args([
            "import",
            "jaeger",
            "--duration",
            "10s",
            "--",
            "--collector.queue-size-memory=15",
            "SPAN_STORAGE_TYPE=elasticsearch",
        ])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let text = String::from_utf8(st.stdout).unwrap();
    let sc = scenario::parse("stdout", &text).unwrap();
    assert_eq!(sc.collector.unwrap().queue_size_memory, Some(15 << 20));
    let st = tracesim()
        .args(["import", "jaeger", "--out"])
        .arg(&out2)
        .args(["--", "--collector.num-workers=many"])
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&st.stderr).contains("--collector.num-workers"));
    assert!(!out2.exists());
}

#[test]
fn mangled_fixtures_never_panic() {
    // Every prefix cut and a stream of single-character edits of each fixture: an import
    // gives a scenario that loads, or an error; never a panic.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let edits = [
        ":", " ", "\n", "-", "[", "]", "{", "&a", "*a", "${env:X}", "'", "\"", "0", "-1", "\t",
        "<<: *a",
    ];
    for f in [
        "otelcol-docs-basic.yaml",
        "jaeger-v2-config.yaml",
        "graphql-hive-file-storage.yaml",
    ] {
        let text = std::fs::read_to_string(data(f)).unwrap();
        // graphql-hive's own `hiveauth` would stop every import at line 12.
        let o = Options {
            allow_unknown: f.starts_with("graphql-hive"),
            ..short()
        };
        let cuts: Vec<usize> = (0..text.len())
            .step_by(97)
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        for c in cuts {
            if let Ok(imp) = import_otelcol(f, &text[..c], &o) {
                scenario::parse("x", &imp.toml).unwrap();
            }
        }
        for _ in 0..300 {
            let mut t = text.clone();
            for _ in 0..(1 + next() % 3) {
                let mut at = (next() as usize) % t.len();
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                t.insert_str(at, edits[(next() as usize) % edits.len()]);
            }
            if let Ok(imp) = import_otelcol(f, &t, &o) {
                scenario::parse("x", &imp.toml).unwrap_or_else(|e| panic!("{e}\n{t}"));
            }
        }
    }
}

/// `tracesim import jaeger ARGS` in `dir`: (exit code, stdout, stderr).
fn import_jaeger_cli(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let st = tracesim()
        .current_dir(dir)
        .args(["import", "jaeger"])
        .args(args)
        .output()
        .unwrap();
    (
        st.status.code(),
        String::from_utf8(st.stdout).unwrap(),
        String::from_utf8(st.stderr).unwrap(),
    )
}

/// Issue 25 item 7: `--out s.toml` after a collector flag was taken as a Jaeger flag, listed
/// as "not modelled", and the scenario went to stdout.
#[test]
fn import_jaeger_own_options_after_collector_flags_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, err) =
        import_jaeger_cli(dir.path(), &["--collector.queue-size=5", "--out", "s.toml"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(stdout.is_empty(), "the scenario went to stdout");
    assert!(
        !err.contains("--out=s.toml") && !err.contains("not modelled"),
        "--out listed: {err}"
    );
    assert!(err.contains("wrote s.toml"), "{err}");
    let text = std::fs::read_to_string(dir.path().join("s.toml")).unwrap();
    let sc = scenario::parse("s.toml", &text).unwrap();
    assert_eq!(sc.collector.unwrap().queue_size, 5);

    // Before and after `--`, `--out x` and `--out=x`, among flags and variables, with the
    // other options of import jaeger and CommonArgs: each is ours and takes effect.
    let env = dir.path().join("c.env");
    std::fs::write(&env, "COLLECTOR_NUM_WORKERS=7\n").unwrap();
    for (i, args) in [
        &["--out", "OUT", "--", "--collector.queue-size=6"][..],
        &["--", "--collector.queue-size=6", "--out", "OUT"],
        &["--collector.queue-size=6", "--", "--out=OUT"],
        &["COLLECTOR_QUEUE_SIZE=6", "--out=OUT", "--es.sniffer"],
    ]
    .into_iter()
    .enumerate()
    {
        let out = format!("a{i}.toml");
        let mut args: Vec<String> = args.iter().map(|a| a.replace("OUT", &out)).collect();
        // The other options, after the collector settings.
        args.extend(
            [
                "--name",
                "mine",
                "--rate=20/s",
                "--memory-limit",
                "300MiB",
                "--env-file",
                "c.env",
                "--duration=40s",
            ]
            .map(String::from),
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, err) = import_jaeger_cli(dir.path(), &args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        for own in [
            "--out",
            "--name",
            "--rate",
            "--memory-limit",
            "--env-file",
            "--duration",
        ] {
            assert!(
                !err.contains(&format!("{own}=")),
                "{args:?}: {own} listed: {err}"
            );
        }
        let text = std::fs::read_to_string(dir.path().join(&out)).unwrap();
        let sc = scenario::parse(&out, &text).unwrap();
        assert_eq!(sc.name, "mine", "{args:?}");
        assert_eq!(sc.duration, 40_000_000_000, "{args:?}");
        let c = sc.collector.unwrap();
        assert_eq!((c.queue_size, c.num_workers), (6, 7), "{args:?}");
        assert_eq!(c.memory_limit, Some(300 << 20), "{args:?}");
    }

    // One option given on both sides is an error, as clap makes it on one side.
    let (code, _, err) = import_jaeger_cli(
        dir.path(),
        &[
            "--out",
            "b.toml",
            "--",
            "--collector.queue-size=6",
            "--out",
            "c.toml",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("'--out' cannot be used multiple times"),
        "{err}"
    );
    assert!(!dir.path().join("b.toml").exists() && !dir.path().join("c.toml").exists());
    // `--help` among the collector flags is both sides' and refused, not taken.
    let (code, stdout, err) =
        import_jaeger_cli(dir.path(), &["--collector.queue-size=6", "--help"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(stdout.is_empty() && err.contains("`--help`"), "{err}");
}

/// Issue 25 item 7: a mistyped Jaeger flag or variable was accepted as "not modelled".
#[test]
fn import_jaeger_unknown_settings_are_errors_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, err) =
        import_jaeger_cli(dir.path(), &["--collector.queue-sise=5", "--out", "s.toml"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(stdout.is_empty());
    assert!(
        err.contains("`--collector.queue-sise`")
            && err.contains("did you mean --collector.queue-size"),
        "{err}"
    );
    assert!(!dir.path().join("s.toml").exists());

    // A mistyped variable, on the command line and in an env file (named with its line).
    let (code, _, err) = import_jaeger_cli(dir.path(), &["COLLECTOR_QUEUE_SISE=5"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("did you mean COLLECTOR_QUEUE_SIZE"), "{err}");
    std::fs::write(
        dir.path().join("c.env"),
        "SPAN_STORAGE_TYPE=elasticsearch\nES_BULK_SIZ=100\n",
    )
    .unwrap();
    let (code, _, err) = import_jaeger_cli(dir.path(), &["--env-file", "c.env"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("c.env:2: `ES_BULK_SIZ`") && err.contains("did you mean ES_BULK_SIZE"),
        "{err}"
    );
    // A flag written as a variable, and a variable in lower case.
    let (code, _, err) = import_jaeger_cli(dir.path(), &["--collector_queue_size=5"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("did you mean --collector.queue-size"), "{err}");
    let (code, _, err) = import_jaeger_cli(dir.path(), &["collector_queue_size=5"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("did you mean COLLECTOR_QUEUE_SIZE"), "{err}");
    // Nothing near: the way out is named.
    let (code, _, err) = import_jaeger_cli(dir.path(), &["--my-plugin.depth=3"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--allow-unknown"), "{err}");
}

#[test]
fn import_jaeger_allow_unknown_lists_them_as_not_modelled() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, err) = import_jaeger_cli(
        dir.path(),
        &[
            "--collector.queue-sise=5",
            "--allow-unknown",
            "MY_SIDECAR_PORT=9",
            "--out",
            "s.toml",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(stdout.is_empty());
    assert!(
        err.contains(
            "--collector.queue-sise=5 (command line): not a flag of jaeger-collector 1.13 to \
             1.76; taken as a custom build's own (--allow-unknown), not modelled"
        ),
        "{err}"
    );
    assert!(
        err.contains("MY_SIDECAR_PORT=9 (command line): not a variable"),
        "{err}"
    );
    let text = std::fs::read_to_string(dir.path().join("s.toml")).unwrap();
    assert!(text.contains("--collector.queue-sise=5"), "in the comments");
    // Unknown is not taken as the flag it resembles.
    let sc = scenario::parse("s.toml", &text).unwrap();
    assert_eq!(sc.collector.unwrap().queue_size, 2000);
}

#[test]
fn import_jaeger_real_unmodelled_settings_stay_listed() {
    let imp = jaeger(
        &[
            "--collector.grpc-server.max-message-size=8388608",
            "COLLECTOR_OTLP_ENABLED=true",
            // Removed in 1.19: an old deployment still imports.
            "--collector.port=14267",
            "--cassandra.keyspace=jaeger",
            "--query.base-path=/jaeger",
            "SPAN_STORAGE_TYPE=elasticsearch",
            "--span-storage.type=cassandra",
            "GOGC=50",
        ],
        &short(),
    )
    .unwrap();
    let sc = load_and_run(&imp);
    // SPAN_STORAGE_TYPE wins over the deprecated flag (factory_config.go).
    assert_eq!(
        sc.storage.as_ref().unwrap().kind,
        StorageKind::Elasticsearch
    );
    let has = |s: &str| imp.not_modelled.iter().any(|n| n.contains(s));
    for n in [
        "--collector.grpc-server.max-message-size=8388608 (command line): not modelled",
        "COLLECTOR_OTLP_ENABLED=true (command line): not modelled",
        "--collector.port=14267 (command line): not modelled (a flag of Jaeger 1.18 and before)",
        "--cassandra.keyspace=jaeger (command line): a setting of cassandra storage, unused with \
         `elasticsearch` storage",
        "--query.base-path=/jaeger (command line): a flag of jaeger-all-in-one",
        "--span-storage.type=cassandra (command line): overridden by \
         SPAN_STORAGE_TYPE=elasticsearch",
        "GOGC=50 (command line): the Go runtime's",
    ] {
        assert!(has(n), "{n} not in {:#?}", imp.not_modelled);
    }
    // The mapped settings do not appear there.
    assert!(
        !imp.not_modelled
            .iter()
            .any(|n| n.starts_with("SPAN_STORAGE_TYPE=")),
        "{:#?}",
        imp.not_modelled
    );

    // And on the command line: accepted and listed.
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, err) = import_jaeger_cli(
        dir.path(),
        &["--collector.grpc-server.max-message-size", "8388608"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(scenario::parse("stdout", &stdout).is_ok());
    assert!(
        err.contains(
            "--collector.grpc-server.max-message-size=8388608 (command line): not modelled"
        ),
        "{err}"
    );
}

/// Regression (issue 25, event storms): an operator's memory_limiter `check_interval: 1` is
/// 1 ns, which the collector accepts; the import wrote it silently and the run never ended.
/// The import now warns, naming the YAML line and key and what the collector does with it,
/// writes the value as it is (marked in the file), and the loader refuses to run it.
#[test]
fn a_unitless_check_interval_is_imported_with_a_warning_and_refused_by_run() {
    let yaml = SMALL.replace("check_interval: 1s", "check_interval: 1");
    let line = yaml
        .lines()
        .position(|l| l.contains("check_interval: 1"))
        .unwrap()
        + 1;
    let imp = import_otelcol("op.yaml", &yaml, &short()).unwrap();
    assert_eq!(imp.warnings.len(), 1, "{:?}", imp.warnings);
    let w = &imp.warnings[0];
    assert!(
        w.starts_with(&format!(
            "processors.memory_limiter.check_interval (line {line}): `1`"
        )),
        "{w}"
    );
    for n in [
        "nanoseconds",
        "1ns",
        "time.NewTicker",
        "ReadMemStats",
        "budget",
    ] {
        assert!(w.contains(n), "`{n}` not in {w}");
    }
    assert!(
        imp.toml.contains("check_interval = \"1ns\""),
        "{}",
        imp.toml
    );
    assert!(
        imp.toml
            .contains("# WARNING: processors.memory_limiter.check_interval"),
        "{}",
        imp.toml
    );
    // A valid configuration, but not an affordable run.
    scenario::parse_config("s.toml", &imp.toml).unwrap();
    let e = scenario::parse("s.toml", &imp.toml).unwrap_err();
    assert_eq!(e.field, "otelcol.memory_limiter.check_interval");
    assert!(e.message.contains("budget"), "{e}");

    // The batch timer too, and any period written as a bare number (5 is 5 ns).
    let yaml = SMALL.replace("timeout: 1m30s", "timeout: 1500");
    let imp = import_otelcol("op.yaml", &yaml, &short()).unwrap();
    assert_eq!(imp.warnings.len(), 1, "{:?}", imp.warnings);
    assert!(imp.warnings[0].starts_with("processors.batch/big.timeout (line "));
    assert!(imp.warnings[0].contains("re-arms its timer"));
    let yaml = SMALL.replace("initial_interval: 200ms", "initial_interval: 5");
    let imp = import_otelcol("op.yaml", &yaml, &short()).unwrap();
    assert_eq!(imp.warnings.len(), 1, "{:?}", imp.warnings);
    assert!(imp.warnings[0].contains("`5` has no unit"));
    // Periods with their units, above a millisecond: nothing to say.
    let imp = import_otelcol("op.yaml", SMALL, &short()).unwrap();
    assert!(imp.warnings.is_empty(), "{:?}", imp.warnings);
}

/// The warning reaches the terminal, and the scenario is written.
#[test]
fn cli_import_prints_the_warning_and_writes_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("op.yaml");
    std::fs::write(
        &yaml,
        SMALL.replace("check_interval: 1s", "check_interval: 1"),
    )
    .unwrap();
    let out = dir.path().join("s.toml");
    let o = tracesim()
        .args(["import", "otelcol"])
        .arg(&yaml)
        .args(["--rate", "50/s", "--out"])
        .arg(&out)
        .env("EXPORT_TIMEOUT", "7s")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: processors.memory_limiter.check_interval (line 5)"),
        "{err}"
    );
    assert!(out.exists());
}
