//! The component types that exist: what `tracesim import otelcol` accepts as a receiver,
//! processor, exporter, extension or connector, so that a typo (`bacth`) is an error and a
//! real component the simulator does not model (`tail_sampling`) is listed as not modelled.
//!
//! A type is the part of a component id before `/`, as in each component's `metadata.yaml`
//! `type:` field (directory `processor/tailsamplingprocessor` has `type: tail_sampling`).
//! Taken on 2026-08-21 from:
//! - open-telemetry/opentelemetry-collector (core) at 934999fbab27 (2026-08-21): the
//!   `metadata.yaml` of receiver/, processor/, exporter/, extension/, connector/, plus the
//!   removed `logging` exporter (exporter/loggingexporter, gone 2024-10) and
//!   `memory_ballast` extension (extension/ballastextension, gone 2024-09), and the
//!   `deprecated_type` aliases kept by renames (`otlp` for `otlp_grpc`, `otlphttp` for
//!   `otlp_http`, core #14403, 2026-01).
//! - open-telemetry/opentelemetry-collector-contrib: the component directories listed by
//!   open-telemetry/opentelemetry-collector-releases at ceccc19da2df (2026-08-20), in every
//!   version of distributions/otelcol{,-contrib,-k8s}/manifest.yaml (so components since
//!   removed, such as the `jaeger` exporter and the `spanmetrics` and `servicegraph`
//!   processors, stay in), and by contrib's cmd/otelcontribcol/builder-config.yaml (v0.123);
//!   each mapped to its type by the rule above, with the `type:` and `deprecated_type:` of the
//!   `metadata.yaml` read where the directory name leaves it open (underscores, renames such
//!   as `bmc_helix`/`bmchelix`, `cgroup_runtime`/`cgroupruntime`, `tcp_check`/`tcpcheck`).
//! - jaegertracing/jaeger at 8498073ff809 (2026-08-20), cmd/jaeger/internal: the
//!   `component.MustNewType` of its own components, plus `jaeger_mcp` (an extension from
//!   2026-01 until it was merged into `jaeger_query` in 2026-07). Jaeger v2's other components
//!   (healthcheckv2, pprof, zpages, tail_sampling...) are those of core and contrib.
//!
//! Contrib keeps renaming types to snake_case with the old name as an alias, so [`is_known`]
//! also accepts a type that matches an entry once underscores are ignored (`load_balancing`
//! for `loadbalancing`). Components of private or vendor builds are not here: `tracesim import
//! otelcol --allow-unknown` lists them as not modelled instead of refusing them.

/// The date the lists were taken, for messages.
pub const AS_OF: &str = "2026-08-21";

pub const RECEIVERS: &[&str] = &[
    "active_directory_ds",
    "aerospike",
    "apache",
    "apachespark",
    "awscloudwatch",
    "awscontainerinsightreceiver",
    "awsecscontainermetrics",
    "awsfirehose",
    "awslambda",
    "awss3",
    "awsxray",
    "azureblob",
    "azureeventhub",
    "azuremonitor",
    "bigip",
    "carbon",
    "chrony",
    "cisco_os",
    "ciscoos",
    "cloudflare",
    "cloudfoundry",
    "collectd",
    "couchdb",
    "datadog",
    "docker_stats",
    "dotnet_diagnostics",
    "elasticsearch",
    "envoyals",
    "expvar",
    "faro",
    "file",
    "filelog",
    "filestats",
    "flinkmetrics",
    "fluentforward",
    "github",
    "gitlab",
    "googlecloudmonitoring",
    "googlecloudpubsub",
    "googlecloudspanner",
    "haproxy",
    "hostmetrics",
    "httpcheck",
    "huaweicloudces",
    "huaweicloudcesreceiver",
    "icmp_check",
    "icmpcheckreceiver",
    "iis",
    "influxdb",
    "jaeger",
    "jmx",
    "journald",
    "k8s_cluster",
    "k8s_events",
    "k8sobjects",
    "kafka",
    "kafkametrics",
    "kubeletstats",
    "libhoney",
    "loki",
    "macosunifiedlogging",
    "memcached",
    "mongodb",
    "mongodbatlas",
    "mysql",
    "namedpipe",
    "netflow",
    "nginx",
    "nop",
    "nsxt",
    "ntp",
    "opencensus",
    "oracledb",
    "otelarrow",
    "otlp",
    "otlpjsonfile",
    "podman_stats",
    "postgresql",
    "pprof",
    "prometheus",
    "prometheus_exec",
    "prometheus_simple",
    "prometheusremotewrite",
    "pulsar",
    "purefa",
    "purefb",
    "rabbitmq",
    "receiver_creator",
    "redis",
    "riak",
    "saphana",
    "sapm",
    "signalfx",
    "skywalking",
    "snmp",
    "snowflake",
    "solace",
    "splunk_hec",
    "splunkenterprise",
    "sqlquery",
    "sqlserver",
    "sshcheck",
    "statsd",
    "stef",
    "syslog",
    "systemd",
    "tcp_check",
    "tcpcheck",
    "tcplog",
    "tlscheck",
    "udplog",
    "vcenter",
    "wavefront",
    "webhookevent",
    "windows_service",
    "windowseventlog",
    "windowsperfcounters",
    "windowsservice",
    "yang_grpc",
    "yanggrpc",
    "zipkin",
    "zookeeper",
];

pub const PROCESSORS: &[&str] = &[
    "adaptive_sampling",
    "adaptive_tail_sampling",
    "attributes",
    "batch",
    "cardinality_guardian",
    "coralogix",
    "cumulativetodelta",
    "datadog",
    "datadogsemantics",
    "deltatocumulative",
    "deltatorate",
    "dnslookup",
    "drain",
    "experimental_metricsgeneration",
    "filter",
    "genainormalizer",
    "geoip",
    "groupbyattrs",
    "groupbytrace",
    "interval",
    "isolationforest",
    "k8sattributes",
    "logdedup",
    "lookup",
    "memory_limiter",
    "metricsgeneration",
    "metricstarttime",
    "metricstransform",
    "probabilistic_sampler",
    "queuebatch",
    "redaction",
    "remoteobserver",
    "remotetap",
    "resource",
    "resourcedetection",
    "routing",
    "schema",
    "servicegraph",
    "span",
    "spanmetrics",
    "sumologic",
    "tail_sampling",
    "transform",
    "unroll",
];

pub const EXPORTERS: &[&str] = &[
    "alertmanager",
    "alibabacloud_logservice",
    "awscloudwatchlogs",
    "awsemf",
    "awskinesis",
    "awsprometheusremotewrite",
    "awss3",
    "awsxray",
    "azureblob",
    "azuredataexplorer",
    "azuremonitor",
    "bmc_helix",
    "bmchelix",
    "carbon",
    "cassandra",
    "clickhouse",
    "coralogix",
    "datadog",
    "dataset",
    "debug",
    "doris",
    "dynatrace",
    "elastic",
    "elasticsearch",
    "f5cloud",
    "faro",
    "file",
    "googlecloud",
    "googlecloudpubsub",
    "googlecloudstorage",
    "googlemanagedprometheus",
    "honeycomb",
    "honeycombmarker",
    "humio",
    "influxdb",
    "instana",
    "jaeger",
    "jaeger_storage_exporter",
    "jaeger_thrift",
    "kafka",
    "loadbalancing",
    "logging",
    "logicmonitor",
    "logzio",
    "loki",
    "mezmo",
    "newrelic",
    "nop",
    "observiq",
    "opencensus",
    "opensearch",
    "otelarrow",
    "otlp",
    "otlp_grpc",
    "otlp_http",
    "otlphttp",
    "parquet",
    "prometheus",
    "prometheusremotewrite",
    "pulsar",
    "rabbitmq",
    "sapm",
    "sentry",
    "signalfx",
    "skywalking",
    "splunk_hec",
    "stackdriver",
    "stef",
    "sumologic",
    "syslog",
    "tanzuobservability",
    "tencentcloud_logservice",
    "tinybird",
    "zipkin",
];

pub const EXTENSIONS: &[&str] = &[
    "ack",
    "asapclient",
    "avro_log_encoding",
    "aws_iam_dbauth",
    "aws_logs_encoding",
    "awscloudwatchmetricstreams_encoding",
    "awslogs_encoding",
    "awsproxy",
    "azure_auth",
    "azure_encoding",
    "azureauth",
    "basicauth",
    "bearertokenauth",
    "cfgarden_observer",
    "cgroup_runtime",
    "cgroupruntime",
    "datadog",
    "db_storage",
    "docker_observer",
    "ecs_observer",
    "ecs_task_observer",
    "expvar",
    "file_storage",
    "fluentbit",
    "googleclientauth",
    "googlecloudlogentry_encoding",
    "headers_setter",
    "health_check",
    "healthcheckv2",
    "host_observer",
    "http_forwarder",
    "jaeger_encoding",
    "jaeger_mcp",
    "jaeger_query",
    "jaeger_storage",
    "jaegerremotesampling",
    "json_log_encoding",
    "k8s_leader_elector",
    "k8s_observer",
    "kafkatopics_observer",
    "memory_ballast",
    "memory_limiter",
    "oauth2client",
    "oidc",
    "opamp",
    "otlp_encoding",
    "pebble_tail_storage",
    "pprof",
    "redis_storage",
    "remote_sampling",
    "remote_storage",
    "remotetap",
    "sigv4auth",
    "skywalking_encoding",
    "solarwindsapmsettings",
    "sumologic",
    "text_encoding",
    "tpm",
    "zipkin_encoding",
    "zpages",
];

pub const CONNECTORS: &[&str] = &[
    "count",
    "datadog",
    "exceptions",
    "failover",
    "forward",
    "grafanacloud",
    "otlpjson",
    "roundrobin",
    "routing",
    "servicegraph",
    "signaltometrics",
    "spanmetrics",
    "sum",
];

/// The five kinds of component a collector config defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Receiver,
    Processor,
    Exporter,
    Extension,
    Connector,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Receiver,
        Kind::Processor,
        Kind::Exporter,
        Kind::Extension,
        Kind::Connector,
    ];

    /// The config section that defines components of this kind.
    pub fn section(self) -> &'static str {
        match self {
            Kind::Receiver => "receivers",
            Kind::Processor => "processors",
            Kind::Exporter => "exporters",
            Kind::Extension => "extensions",
            Kind::Connector => "connectors",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Receiver => "receiver",
            Kind::Processor => "processor",
            Kind::Exporter => "exporter",
            Kind::Extension => "extension",
            Kind::Connector => "connector",
        }
    }

    pub fn types(self) -> &'static [&'static str] {
        match self {
            Kind::Receiver => RECEIVERS,
            Kind::Processor => PROCESSORS,
            Kind::Exporter => EXPORTERS,
            Kind::Extension => EXTENSIONS,
            Kind::Connector => CONNECTORS,
        }
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| *c != '_').collect()
}

/// Whether `ty` is a component type of this kind (underscores aside, see the module doc).
pub fn is_known(kind: Kind, ty: &str) -> bool {
    let list = kind.types();
    list.binary_search(&ty).is_ok() || {
        let s = squash(ty);
        list.iter().any(|t| squash(t) == s)
    }
}

/// The kinds other than `kind` that have a type `ty` (`memory_ballast` as a processor: an
/// extension).
pub fn other_kinds(kind: Kind, ty: &str) -> Vec<Kind> {
    Kind::ALL
        .into_iter()
        .filter(|k| *k != kind && is_known(*k, ty))
        .collect()
}

/// Edit distance with adjacent transpositions (optimal string alignment), on bytes.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, v) in d[0].iter_mut().enumerate() {
        *v = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The nearest of `candidates` to `word`, when it is near enough to be a typo of it: one
/// edit for words up to 4 bytes, two up to 8, three beyond.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.len() > 64 {
        return None;
    }
    let max = match word.len() {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c.len() > 64 {
            continue;
        }
        let d = distance(word, c);
        if d <= max && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The component type of this kind nearest to `ty`.
pub fn suggest(kind: Kind, ty: &str) -> Option<&'static str> {
    nearest(ty, kind.types().iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_and_unique() {
        for k in Kind::ALL {
            let l = k.types();
            assert!(l.windows(2).all(|w| w[0] < w[1]), "{k:?}");
            assert!(l.iter().all(|t| {
                !t.is_empty()
                    && t.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            }));
        }
        let n: usize = Kind::ALL.iter().map(|k| k.types().len()).sum();
        assert!(n > 300, "{n}");
    }

    #[test]
    fn known_unknown_and_suggestions() {
        assert!(is_known(Kind::Processor, "tail_sampling"));
        assert!(is_known(Kind::Processor, "batch"));
        assert!(is_known(Kind::Exporter, "logging"));
        assert!(is_known(Kind::Exporter, "jaeger_storage_exporter"));
        assert!(is_known(Kind::Extension, "memory_ballast"));
        assert!(
            is_known(Kind::Exporter, "load_balancing"),
            "underscores aside"
        );
        assert!(!is_known(Kind::Processor, "bacth"));
        assert!(!is_known(Kind::Processor, "foobar"));
        assert_eq!(suggest(Kind::Processor, "bacth"), Some("batch"));
        assert_eq!(
            suggest(Kind::Processor, "memory_limitter"),
            Some("memory_limiter")
        );
        assert_eq!(suggest(Kind::Exporter, "otlphtp"), Some("otlphttp"));
        assert_eq!(suggest(Kind::Receiver, "otpl"), Some("otlp"));
        assert_eq!(suggest(Kind::Processor, "foobar"), None);
        assert_eq!(
            other_kinds(Kind::Processor, "memory_ballast"),
            vec![Kind::Extension]
        );
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("ab", "ba"), 1);
    }
}
