//! The settings a Jaeger v1 collector has: what `tracesim import jaeger` accepts as a flag or
//! an environment variable, so that a typo (`--collector.queue-sise`) is an error with a
//! suggestion and a real flag the simulator does not model
//! (`--collector.grpc-server.max-message-size`) is listed as not modelled.
//!
//! [`FLAGS`] is every flag of `jaeger-collector` 1.13 to 1.76 (the last v1 release; the
//! story's collector is 1.21/1.22), flags since removed included (`--collector.port`, until
//! 1.18), so that an old deployment still imports. Taken on 2026-12-07 from:
//! - jaegertracing/documentation at d9251ffa7b4b (2026-08-12), `data/cli/1.13` ...
//!   `data/cli/1.76`: the output of `docs --format=yaml` of each release's Docker image
//!   (`jaegertracing/jaeger-collector:1.N.0`, `jaegertracing/all-in-one:1.N.0`), run once per
//!   storage and sampling type with `SPAN_STORAGE_TYPE` / `SAMPLING_CONFIG_TYPE` set
//!   (scripts/gen-cli-data.py, removed in de3dd9c6 with the end of v1). A collector only
//!   defines the flags of the storage and sampling it is configured with (at v1.22.0,
//!   plugin/storage/factory.go `AddFlags` asks only the configured storages' factories),
//!   hence the [`Group`]: a flag in `jaeger-collector-<storage>.yaml` but not in
//!   `jaeger-collector.yaml` (cassandra, the default) belongs to that storage; one in
//!   `jaeger-collector.yaml` but not in `jaeger-collector-elasticsearch.yaml` to cassandra;
//!   one in `jaeger-collector.yaml` but not in `jaeger-collector-adaptive.yaml` to file
//!   sampling, and the reverse to adaptive sampling.
//! - The same files of `jaeger-all-in-one`, for the storages whose collector files the docs do
//!   not have (badger and memory from 1.14; the flags in `jaeger-all-in-one-<storage>.yaml` but
//!   not in `jaeger-all-in-one.yaml`, memory's from the latter), and for [`Group::AllInOne`]:
//!   the flags of the agent and query inside all-in-one (`--query.base-path`), which a
//!   collector config copied from an all-in-one deployment may hold.
//! - jaegertracing/jaeger at the tags v1.60.0 ... v1.76.0, for gRPC storage, which the docs
//!   stopped generating when `grpc-plugin` became `grpc` (1.60): plugin/storage/grpc/options.go
//!   (internal/storage/v1/grpc/options.go from v1.66.0, which adds `grpc-storage-archive.*`)
//!   and the client TLS flags of pkg/config/tlscfg/flags.go (`ClientFlagsConfig.AddFlags`).
//!
//! A flag is [`Kind::Bool`] when the docs give it the default `true` or `false` (pflag's bool
//! flags, which take `--flag` alone or `--flag=false`, never `--flag false`).
//!
//! Environment: viper's `AutomaticEnv` with `SetEnvKeyReplacer(strings.NewReplacer("-", "_",
//! ".", "_"))` (pkg/config/config.go at v1.22.0, internal/config/config.go at v1.76.0), and
//! viper upper-cases the key: every flag is also the variable [`env_name`]`(flag)`
//! (`--collector.queue-size-memory` is `COLLECTOR_QUEUE_SIZE_MEMORY`). [`ENV_ONLY`] are the
//! variables read with `os.Getenv` that have no flag (plugin/storage/factory_config.go,
//! plugin/sampling/strategystore/factory_config.go, plugin/metrics/factory_config.go, at
//! v1.13.0 ... v1.76.0). [`GO_RUNTIME_ENV`] are the Go runtime's own (pkg.go.dev/runtime,
//! "Environment Variables"), which a collector's environment often sets.
//!
//! Flags of Jaeger before 1.13 that 1.13 no longer had are not here: `tracesim import jaeger
//! --allow-unknown` lists them as not modelled instead of refusing them.

/// The first and last Jaeger v1 minor release covered (1.13, 1.76).
pub const FIRST: u8 = 13;
pub const LAST: u8 = 76;

/// Which configuration defines a flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Every jaeger-collector.
    Core,
    /// A collector writing to this storage (`SPAN_STORAGE_TYPE`): cassandra, elasticsearch
    /// (also opensearch), kafka, grpc (also grpc-plugin), badger, memory.
    Storage(&'static str),
    /// A collector with this sampling (`SAMPLING_CONFIG_TYPE`): file (the default) or adaptive.
    Sampling(&'static str),
    /// Only jaeger-all-in-one: its agent's and query's flags.
    AllInOne,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `--flag` alone means true; a value only after `=`.
    Bool,
    /// `--flag=value` or `--flag value`.
    Value,
}

#[derive(Clone, Copy, Debug)]
pub struct Flag {
    /// Without the leading `--`.
    pub name: &'static str,
    /// First and last 1.x release that has it.
    pub since: u8,
    pub until: u8,
    pub group: Group,
    pub kind: Kind,
}

const fn f(name: &'static str, since: u8, until: u8, group: Group, kind: Kind) -> Flag {
    Flag {
        name,
        since,
        until,
        group,
        kind,
    }
}

use Group::{AllInOne, Core, Sampling, Storage};
use Kind::{Bool, Value};

/// Every flag, sorted by name (one a line: a table, not code).
#[rustfmt::skip]
pub const FLAGS: &[Flag] = &[
    f("admin-http-port", 13, 21, Core, Value),
    f("admin.http.host-port", 18, 76, Core, Value),
    f("admin.http.tls.cert", 35, 76, Core, Value),
    f("admin.http.tls.cipher-suites", 35, 76, Core, Value),
    f("admin.http.tls.client-ca", 35, 76, Core, Value),
    f("admin.http.tls.enabled", 35, 76, Core, Bool),
    f("admin.http.tls.key", 35, 76, Core, Value),
    f("admin.http.tls.max-version", 35, 76, Core, Value),
    f("admin.http.tls.min-version", 35, 76, Core, Value),
    f("admin.http.tls.reload-interval", 66, 76, Core, Value),
    f("badger.consistency", 13, 76, Storage("badger"), Bool),
    f("badger.directory-key", 13, 76, Storage("badger"), Value),
    f("badger.directory-value", 13, 76, Storage("badger"), Value),
    f("badger.ephemeral", 13, 76, Storage("badger"), Bool),
    f("badger.maintenance-interval", 13, 76, Storage("badger"), Value),
    f("badger.metrics-update-interval", 14, 76, Storage("badger"), Value),
    f("badger.read-only", 15, 76, Storage("badger"), Bool),
    f("badger.span-store-ttl", 13, 76, Storage("badger"), Value),
    f("badger.truncate", 15, 28, Storage("badger"), Bool),
    f("cassandra-archive.basic.allowed-authenticators", 59, 76, Storage("cassandra"), Value),
    f("cassandra-archive.connect-timeout", 14, 76, Storage("cassandra"), Value),
    f("cassandra-archive.connections-per-host", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.consistency", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.disable-compression", 14, 76, Storage("cassandra"), Bool),
    f("cassandra-archive.enable-dependencies-v2", 13, 21, Storage("cassandra"), Bool),
    f("cassandra-archive.enabled", 13, 76, Storage("cassandra"), Bool),
    f("cassandra-archive.index.logs", 66, 76, Storage("cassandra"), Bool),
    f("cassandra-archive.index.process-tags", 66, 76, Storage("cassandra"), Bool),
    f("cassandra-archive.index.tag-blacklist", 66, 76, Storage("cassandra"), Value),
    f("cassandra-archive.index.tag-whitelist", 66, 76, Storage("cassandra"), Value),
    f("cassandra-archive.index.tags", 66, 76, Storage("cassandra"), Bool),
    f("cassandra-archive.keyspace", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.local-dc", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.max-retry-attempts", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.password", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.port", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.proto-version", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.reconnect-interval", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.servers", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.socket-keep-alive", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.span-store-write-cache-ttl", 66, 76, Storage("cassandra"), Value),
    f("cassandra-archive.timeout", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.tls", 13, 21, Storage("cassandra"), Bool),
    f("cassandra-archive.tls.ca", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.tls.cert", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.tls.enabled", 17, 76, Storage("cassandra"), Bool),
    f("cassandra-archive.tls.key", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.tls.server-name", 13, 76, Storage("cassandra"), Value),
    f("cassandra-archive.tls.skip-host-verify", 17, 76, Storage("cassandra"), Bool),
    f("cassandra-archive.tls.verify-host", 13, 21, Storage("cassandra"), Bool),
    f("cassandra-archive.username", 13, 76, Storage("cassandra"), Value),
    f("cassandra.basic.allowed-authenticators", 59, 76, Storage("cassandra"), Value),
    f("cassandra.connect-timeout", 14, 76, Storage("cassandra"), Value),
    f("cassandra.connections-per-host", 13, 76, Storage("cassandra"), Value),
    f("cassandra.consistency", 13, 76, Storage("cassandra"), Value),
    f("cassandra.disable-compression", 14, 76, Storage("cassandra"), Bool),
    f("cassandra.enable-dependencies-v2", 13, 21, Storage("cassandra"), Bool),
    f("cassandra.index.logs", 16, 76, Storage("cassandra"), Bool),
    f("cassandra.index.process-tags", 16, 76, Storage("cassandra"), Bool),
    f("cassandra.index.tag-blacklist", 16, 76, Storage("cassandra"), Value),
    f("cassandra.index.tag-whitelist", 16, 76, Storage("cassandra"), Value),
    f("cassandra.index.tags", 16, 76, Storage("cassandra"), Bool),
    f("cassandra.keyspace", 13, 76, Storage("cassandra"), Value),
    f("cassandra.local-dc", 13, 76, Storage("cassandra"), Value),
    f("cassandra.max-retry-attempts", 13, 76, Storage("cassandra"), Value),
    f("cassandra.password", 13, 76, Storage("cassandra"), Value),
    f("cassandra.port", 13, 76, Storage("cassandra"), Value),
    f("cassandra.proto-version", 13, 76, Storage("cassandra"), Value),
    f("cassandra.reconnect-interval", 13, 76, Storage("cassandra"), Value),
    f("cassandra.servers", 13, 76, Storage("cassandra"), Value),
    f("cassandra.socket-keep-alive", 13, 76, Storage("cassandra"), Value),
    f("cassandra.span-store-write-cache-ttl", 13, 76, Storage("cassandra"), Value),
    f("cassandra.timeout", 13, 76, Storage("cassandra"), Value),
    f("cassandra.tls", 13, 21, Storage("cassandra"), Bool),
    f("cassandra.tls.ca", 13, 76, Storage("cassandra"), Value),
    f("cassandra.tls.cert", 13, 76, Storage("cassandra"), Value),
    f("cassandra.tls.enabled", 17, 76, Storage("cassandra"), Bool),
    f("cassandra.tls.key", 13, 76, Storage("cassandra"), Value),
    f("cassandra.tls.server-name", 13, 76, Storage("cassandra"), Value),
    f("cassandra.tls.skip-host-verify", 17, 76, Storage("cassandra"), Bool),
    f("cassandra.tls.verify-host", 13, 21, Storage("cassandra"), Bool),
    f("cassandra.username", 13, 76, Storage("cassandra"), Value),
    f("collector.enable-span-size-metrics", 36, 76, Core, Bool),
    f("collector.grpc-port", 13, 21, Core, Value),
    f("collector.grpc-server.host-port", 18, 76, Core, Value),
    f("collector.grpc-server.max-connection-age", 30, 76, Core, Value),
    f("collector.grpc-server.max-connection-age-grace", 30, 76, Core, Value),
    f("collector.grpc-server.max-message-size", 26, 76, Core, Value),
    f("collector.grpc.tls", 13, 21, Core, Bool),
    f("collector.grpc.tls.cert", 13, 76, Core, Value),
    f("collector.grpc.tls.cipher-suites", 33, 76, Core, Value),
    f("collector.grpc.tls.client-ca", 15, 76, Core, Value),
    f("collector.grpc.tls.client.ca", 14, 21, Core, Value),
    f("collector.grpc.tls.enabled", 17, 76, Core, Bool),
    f("collector.grpc.tls.key", 13, 76, Core, Value),
    f("collector.grpc.tls.max-version", 33, 76, Core, Value),
    f("collector.grpc.tls.min-version", 33, 76, Core, Value),
    f("collector.grpc.tls.reload-interval", 66, 76, Core, Value),
    f("collector.host-port", 13, 17, AllInOne, Value),
    f("collector.http-port", 13, 21, Core, Value),
    f("collector.http-server.host-port", 18, 76, Core, Value),
    f("collector.http-server.idle-timeout", 42, 76, Core, Value),
    f("collector.http-server.read-header-timeout", 42, 76, Core, Value),
    f("collector.http-server.read-timeout", 42, 76, Core, Value),
    f("collector.http.tls.cert", 22, 76, Core, Value),
    f("collector.http.tls.cipher-suites", 33, 76, Core, Value),
    f("collector.http.tls.client-ca", 22, 76, Core, Value),
    f("collector.http.tls.enabled", 22, 76, Core, Bool),
    f("collector.http.tls.key", 22, 76, Core, Value),
    f("collector.http.tls.max-version", 33, 76, Core, Value),
    f("collector.http.tls.min-version", 33, 76, Core, Value),
    f("collector.http.tls.reload-interval", 66, 76, Core, Value),
    f("collector.num-workers", 13, 76, Core, Value),
    f("collector.otlp.enabled", 35, 76, Core, Bool),
    f("collector.otlp.grpc.host-port", 35, 76, Core, Value),
    f("collector.otlp.grpc.max-connection-age", 35, 76, Core, Value),
    f("collector.otlp.grpc.max-connection-age-grace", 35, 76, Core, Value),
    f("collector.otlp.grpc.max-message-size", 35, 76, Core, Value),
    f("collector.otlp.grpc.tls.cert", 35, 76, Core, Value),
    f("collector.otlp.grpc.tls.cipher-suites", 35, 76, Core, Value),
    f("collector.otlp.grpc.tls.client-ca", 35, 76, Core, Value),
    f("collector.otlp.grpc.tls.enabled", 35, 76, Core, Bool),
    f("collector.otlp.grpc.tls.key", 35, 76, Core, Value),
    f("collector.otlp.grpc.tls.max-version", 35, 76, Core, Value),
    f("collector.otlp.grpc.tls.min-version", 35, 76, Core, Value),
    f("collector.otlp.grpc.tls.reload-interval", 51, 76, Core, Value),
    f("collector.otlp.http.cors.allowed-headers", 48, 76, Core, Value),
    f("collector.otlp.http.cors.allowed-origins", 48, 76, Core, Value),
    f("collector.otlp.http.host-port", 35, 76, Core, Value),
    f("collector.otlp.http.idle-timeout", 42, 76, Core, Value),
    f("collector.otlp.http.read-header-timeout", 42, 76, Core, Value),
    f("collector.otlp.http.read-timeout", 42, 76, Core, Value),
    f("collector.otlp.http.tls.cert", 35, 76, Core, Value),
    f("collector.otlp.http.tls.cipher-suites", 35, 76, Core, Value),
    f("collector.otlp.http.tls.client-ca", 35, 76, Core, Value),
    f("collector.otlp.http.tls.enabled", 35, 76, Core, Bool),
    f("collector.otlp.http.tls.key", 35, 76, Core, Value),
    f("collector.otlp.http.tls.max-version", 35, 76, Core, Value),
    f("collector.otlp.http.tls.min-version", 35, 76, Core, Value),
    f("collector.otlp.http.tls.reload-interval", 51, 76, Core, Value),
    f("collector.port", 13, 18, Core, Value),
    f("collector.queue-size", 13, 76, Core, Value),
    f("collector.queue-size-memory", 17, 76, Core, Value),
    f("collector.tags", 16, 76, Core, Value),
    f("collector.zipkin.allowed-headers", 13, 47, Core, Value),
    f("collector.zipkin.allowed-origins", 13, 47, Core, Value),
    f("collector.zipkin.cors.allowed-headers", 48, 76, Core, Value),
    f("collector.zipkin.cors.allowed-origins", 48, 76, Core, Value),
    f("collector.zipkin.host-port", 18, 76, Core, Value),
    f("collector.zipkin.http-port", 13, 21, Core, Value),
    f("collector.zipkin.keep-alive", 44, 76, Core, Bool),
    f("collector.zipkin.tls.cert", 35, 76, Core, Value),
    f("collector.zipkin.tls.cipher-suites", 35, 76, Core, Value),
    f("collector.zipkin.tls.client-ca", 35, 76, Core, Value),
    f("collector.zipkin.tls.enabled", 35, 76, Core, Bool),
    f("collector.zipkin.tls.key", 35, 76, Core, Value),
    f("collector.zipkin.tls.max-version", 35, 76, Core, Value),
    f("collector.zipkin.tls.min-version", 35, 76, Core, Value),
    f("collector.zipkin.tls.reload-interval", 66, 76, Core, Value),
    f("config-file", 13, 76, Core, Value),
    f("discovery.conn-check-timeout", 13, 17, AllInOne, Value),
    f("discovery.min-peers", 13, 17, AllInOne, Value),
    f("downsampling.hashsalt", 13, 76, Core, Value),
    f("downsampling.ratio", 13, 76, Core, Value),
    f("es-archive.adaptive-sampling.lookback", 55, 76, Storage("elasticsearch"), Value),
    f("es-archive.api-key-allow-from-context", 72, 76, Storage("elasticsearch"), Bool),
    f("es-archive.api-key-file", 72, 76, Storage("elasticsearch"), Value),
    f("es-archive.api-key-reload-interval", 72, 76, Storage("elasticsearch"), Value),
    f("es-archive.bearer-token-propagation", 72, 76, Storage("elasticsearch"), Bool),
    f("es-archive.bearer-token-reload-interval", 72, 76, Storage("elasticsearch"), Value),
    f("es-archive.bulk.actions", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.bulk.flush-interval", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.bulk.size", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.bulk.workers", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.create-index-templates", 14, 76, Storage("elasticsearch"), Bool),
    f("es-archive.disable-health-check", 70, 76, Storage("elasticsearch"), Bool),
    f("es-archive.enabled", 13, 76, Storage("elasticsearch"), Bool),
    f("es-archive.http-compression", 69, 76, Storage("elasticsearch"), Bool),
    f("es-archive.index-date-separator", 22, 76, Storage("elasticsearch"), Value),
    f("es-archive.index-prefix", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.index-rollover-frequency-adaptive-sampling", 55, 76, Storage("elasticsearch"), Value),
    f("es-archive.index-rollover-frequency-services", 23, 76, Storage("elasticsearch"), Value),
    f("es-archive.index-rollover-frequency-spans", 23, 76, Storage("elasticsearch"), Value),
    f("es-archive.log-level", 23, 76, Storage("elasticsearch"), Value),
    f("es-archive.max-doc-count", 20, 76, Storage("elasticsearch"), Value),
    f("es-archive.max-num-spans", 13, 21, Storage("elasticsearch"), Value),
    f("es-archive.max-span-age", 13, 22, Storage("elasticsearch"), Value),
    f("es-archive.num-replicas", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.num-shards", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.password", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.password-file", 50, 76, Storage("elasticsearch"), Value),
    f("es-archive.password-reload-interval", 72, 76, Storage("elasticsearch"), Value),
    f("es-archive.prioirity-dependencies-template", 52, 76, Storage("elasticsearch"), Value),
    f("es-archive.prioirity-service-template", 52, 76, Storage("elasticsearch"), Value),
    f("es-archive.prioirity-span-template", 52, 76, Storage("elasticsearch"), Value),
    f("es-archive.remote-read-clusters", 23, 76, Storage("elasticsearch"), Value),
    f("es-archive.send-get-body-as", 26, 76, Storage("elasticsearch"), Value),
    f("es-archive.server-urls", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.service-cache-ttl", 58, 76, Storage("elasticsearch"), Value),
    f("es-archive.sniffer", 13, 76, Storage("elasticsearch"), Bool),
    f("es-archive.sniffer-tls-enabled", 19, 76, Storage("elasticsearch"), Bool),
    f("es-archive.tags-as-fields.all", 13, 76, Storage("elasticsearch"), Bool),
    f("es-archive.tags-as-fields.config-file", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.tags-as-fields.dot-replacement", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.tags-as-fields.include", 19, 76, Storage("elasticsearch"), Value),
    f("es-archive.timeout", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.tls", 13, 21, Storage("elasticsearch"), Bool),
    f("es-archive.tls.ca", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.tls.cert", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.tls.enabled", 17, 76, Storage("elasticsearch"), Bool),
    f("es-archive.tls.key", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.tls.server-name", 17, 76, Storage("elasticsearch"), Value),
    f("es-archive.tls.skip-host-verify", 13, 76, Storage("elasticsearch"), Bool),
    f("es-archive.token-file", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.use-aliases", 13, 76, Storage("elasticsearch"), Bool),
    f("es-archive.use-ilm", 22, 76, Storage("elasticsearch"), Bool),
    f("es-archive.username", 13, 76, Storage("elasticsearch"), Value),
    f("es-archive.version", 14, 76, Storage("elasticsearch"), Value),
    f("es.adaptive-sampling.lookback", 55, 76, Storage("elasticsearch"), Value),
    f("es.api-key-allow-from-context", 72, 76, Storage("elasticsearch"), Bool),
    f("es.api-key-file", 72, 76, Storage("elasticsearch"), Value),
    f("es.api-key-reload-interval", 72, 76, Storage("elasticsearch"), Value),
    f("es.bearer-token-propagation", 72, 76, Storage("elasticsearch"), Bool),
    f("es.bearer-token-reload-interval", 72, 76, Storage("elasticsearch"), Value),
    f("es.bulk.actions", 13, 76, Storage("elasticsearch"), Value),
    f("es.bulk.flush-interval", 13, 76, Storage("elasticsearch"), Value),
    f("es.bulk.size", 13, 76, Storage("elasticsearch"), Value),
    f("es.bulk.workers", 13, 76, Storage("elasticsearch"), Value),
    f("es.create-index-templates", 14, 76, Storage("elasticsearch"), Bool),
    f("es.disable-health-check", 70, 76, Storage("elasticsearch"), Bool),
    f("es.http-compression", 69, 76, Storage("elasticsearch"), Bool),
    f("es.index-date-separator", 22, 76, Storage("elasticsearch"), Value),
    f("es.index-prefix", 13, 76, Storage("elasticsearch"), Value),
    f("es.index-rollover-frequency-adaptive-sampling", 55, 76, Storage("elasticsearch"), Value),
    f("es.index-rollover-frequency-services", 23, 76, Storage("elasticsearch"), Value),
    f("es.index-rollover-frequency-spans", 23, 76, Storage("elasticsearch"), Value),
    f("es.log-level", 23, 76, Storage("elasticsearch"), Value),
    f("es.max-doc-count", 20, 76, Storage("elasticsearch"), Value),
    f("es.max-num-spans", 13, 21, Storage("elasticsearch"), Value),
    f("es.max-span-age", 13, 76, Storage("elasticsearch"), Value),
    f("es.num-replicas", 13, 76, Storage("elasticsearch"), Value),
    f("es.num-shards", 13, 76, Storage("elasticsearch"), Value),
    f("es.password", 13, 76, Storage("elasticsearch"), Value),
    f("es.password-file", 50, 76, Storage("elasticsearch"), Value),
    f("es.password-reload-interval", 72, 76, Storage("elasticsearch"), Value),
    f("es.prioirity-dependencies-template", 52, 76, Storage("elasticsearch"), Value),
    f("es.prioirity-service-template", 52, 76, Storage("elasticsearch"), Value),
    f("es.prioirity-span-template", 52, 76, Storage("elasticsearch"), Value),
    f("es.remote-read-clusters", 23, 76, Storage("elasticsearch"), Value),
    f("es.send-get-body-as", 26, 76, Storage("elasticsearch"), Value),
    f("es.server-urls", 13, 76, Storage("elasticsearch"), Value),
    f("es.service-cache-ttl", 58, 76, Storage("elasticsearch"), Value),
    f("es.sniffer", 13, 76, Storage("elasticsearch"), Bool),
    f("es.sniffer-tls-enabled", 19, 76, Storage("elasticsearch"), Bool),
    f("es.tags-as-fields.all", 13, 76, Storage("elasticsearch"), Bool),
    f("es.tags-as-fields.config-file", 13, 76, Storage("elasticsearch"), Value),
    f("es.tags-as-fields.dot-replacement", 13, 76, Storage("elasticsearch"), Value),
    f("es.tags-as-fields.include", 19, 76, Storage("elasticsearch"), Value),
    f("es.timeout", 13, 76, Storage("elasticsearch"), Value),
    f("es.tls", 13, 21, Storage("elasticsearch"), Bool),
    f("es.tls.ca", 13, 76, Storage("elasticsearch"), Value),
    f("es.tls.cert", 13, 76, Storage("elasticsearch"), Value),
    f("es.tls.enabled", 17, 76, Storage("elasticsearch"), Bool),
    f("es.tls.key", 13, 76, Storage("elasticsearch"), Value),
    f("es.tls.server-name", 17, 76, Storage("elasticsearch"), Value),
    f("es.tls.skip-host-verify", 13, 76, Storage("elasticsearch"), Bool),
    f("es.token-file", 13, 76, Storage("elasticsearch"), Value),
    f("es.use-aliases", 13, 76, Storage("elasticsearch"), Bool),
    f("es.use-ilm", 22, 76, Storage("elasticsearch"), Bool),
    f("es.username", 13, 76, Storage("elasticsearch"), Value),
    f("es.version", 14, 76, Storage("elasticsearch"), Value),
    f("feature-gates", 68, 76, Core, Value),
    f("grpc-storage-archive.connection-timeout", 66, 76, Storage("grpc"), Value),
    f("grpc-storage-archive.enabled", 66, 76, Storage("grpc"), Bool),
    f("grpc-storage-archive.server", 66, 76, Storage("grpc"), Value),
    f("grpc-storage-archive.tls.ca", 66, 76, Storage("grpc"), Value),
    f("grpc-storage-archive.tls.cert", 66, 76, Storage("grpc"), Value),
    f("grpc-storage-archive.tls.enabled", 66, 76, Storage("grpc"), Bool),
    f("grpc-storage-archive.tls.key", 66, 76, Storage("grpc"), Value),
    f("grpc-storage-archive.tls.server-name", 66, 76, Storage("grpc"), Value),
    f("grpc-storage-archive.tls.skip-host-verify", 66, 76, Storage("grpc"), Bool),
    f("grpc-storage-plugin.binary", 13, 57, Storage("grpc"), Value),
    f("grpc-storage-plugin.configuration-file", 13, 57, Storage("grpc"), Value),
    f("grpc-storage-plugin.log-level", 16, 57, Storage("grpc"), Value),
    f("grpc-storage.connection-timeout", 30, 76, Storage("grpc"), Value),
    f("grpc-storage.server", 30, 76, Storage("grpc"), Value),
    f("grpc-storage.tls.ca", 30, 76, Storage("grpc"), Value),
    f("grpc-storage.tls.cert", 30, 76, Storage("grpc"), Value),
    f("grpc-storage.tls.enabled", 30, 76, Storage("grpc"), Bool),
    f("grpc-storage.tls.key", 30, 76, Storage("grpc"), Value),
    f("grpc-storage.tls.server-name", 30, 76, Storage("grpc"), Value),
    f("grpc-storage.tls.skip-host-verify", 30, 76, Storage("grpc"), Bool),
    f("health-check-http-port", 13, 21, Core, Value),
    f("help", 13, 76, Core, Bool),
    f("http-server.host-port", 13, 62, AllInOne, Value),
    f("jaeger.tags", 13, 15, AllInOne, Value),
    f("kafka.producer.authentication", 13, 76, Storage("kafka"), Value),
    f("kafka.producer.batch-linger", 17, 76, Storage("kafka"), Value),
    f("kafka.producer.batch-max-messages", 17, 76, Storage("kafka"), Value),
    f("kafka.producer.batch-min-messages", 19, 76, Storage("kafka"), Value),
    f("kafka.producer.batch-size", 17, 76, Storage("kafka"), Value),
    f("kafka.producer.brokers", 13, 76, Storage("kafka"), Value),
    f("kafka.producer.compression", 15, 76, Storage("kafka"), Value),
    f("kafka.producer.compression-level", 15, 76, Storage("kafka"), Value),
    f("kafka.producer.encoding", 13, 76, Storage("kafka"), Value),
    f("kafka.producer.kerberos.config-file", 13, 76, Storage("kafka"), Value),
    f("kafka.producer.kerberos.disable-fast-negotiation", 47, 76, Storage("kafka"), Bool),
    f("kafka.producer.kerberos.keytab-file", 13, 76, Storage("kafka"), Value),
    f("kafka.producer.kerberos.password", 13, 76, Storage("kafka"), Value),
    f("kafka.producer.kerberos.realm", 13, 76, Storage("kafka"), Value),
    f("kafka.producer.kerberos.service-name", 13, 76, Storage("kafka"), Value),
    f("kafka.producer.kerberos.use-keytab", 13, 76, Storage("kafka"), Bool),
    f("kafka.producer.kerberos.username", 13, 76, Storage("kafka"), Value),
    f("kafka.producer.max-message-bytes", 56, 76, Storage("kafka"), Value),
    f("kafka.producer.plaintext.mechanism", 22, 76, Storage("kafka"), Value),
    f("kafka.producer.plaintext.password", 17, 76, Storage("kafka"), Value),
    f("kafka.producer.plaintext.username", 17, 76, Storage("kafka"), Value),
    f("kafka.producer.protocol-version", 14, 76, Storage("kafka"), Value),
    f("kafka.producer.required-acks", 15, 76, Storage("kafka"), Value),
    f("kafka.producer.tls", 17, 21, Storage("kafka"), Bool),
    f("kafka.producer.tls.ca", 15, 76, Storage("kafka"), Value),
    f("kafka.producer.tls.cert", 15, 76, Storage("kafka"), Value),
    f("kafka.producer.tls.enabled", 17, 76, Storage("kafka"), Bool),
    f("kafka.producer.tls.key", 15, 76, Storage("kafka"), Value),
    f("kafka.producer.tls.server-name", 17, 76, Storage("kafka"), Value),
    f("kafka.producer.tls.skip-host-verify", 17, 76, Storage("kafka"), Bool),
    f("kafka.producer.topic", 13, 76, Storage("kafka"), Value),
    f("log-encoding", 59, 76, Core, Value),
    f("log-level", 13, 76, Core, Value),
    f("memory.max-traces", 13, 76, Storage("memory"), Value),
    f("metrics-backend", 13, 76, Core, Value),
    f("metrics-http-route", 13, 76, Core, Value),
    f("multi-tenancy.enabled", 37, 76, Core, Bool),
    f("multi-tenancy.header", 37, 76, Core, Value),
    f("multi-tenancy.tenants", 37, 76, Core, Value),
    f("multi_tenancy.enabled", 36, 36, Core, Bool),
    f("multi_tenancy.header", 36, 36, Core, Value),
    f("multi_tenancy.tenants", 36, 36, Core, Value),
    f("processor.jaeger-binary.server-host-port", 13, 62, AllInOne, Value),
    f("processor.jaeger-binary.server-max-packet-size", 13, 62, AllInOne, Value),
    f("processor.jaeger-binary.server-queue-size", 13, 62, AllInOne, Value),
    f("processor.jaeger-binary.server-socket-buffer-size", 19, 62, AllInOne, Value),
    f("processor.jaeger-binary.workers", 13, 62, AllInOne, Value),
    f("processor.jaeger-compact.server-host-port", 13, 62, AllInOne, Value),
    f("processor.jaeger-compact.server-max-packet-size", 13, 62, AllInOne, Value),
    f("processor.jaeger-compact.server-queue-size", 13, 62, AllInOne, Value),
    f("processor.jaeger-compact.server-socket-buffer-size", 19, 62, AllInOne, Value),
    f("processor.jaeger-compact.workers", 13, 62, AllInOne, Value),
    f("processor.zipkin-compact.server-host-port", 13, 62, AllInOne, Value),
    f("processor.zipkin-compact.server-max-packet-size", 13, 62, AllInOne, Value),
    f("processor.zipkin-compact.server-queue-size", 13, 62, AllInOne, Value),
    f("processor.zipkin-compact.server-socket-buffer-size", 19, 62, AllInOne, Value),
    f("processor.zipkin-compact.workers", 13, 62, AllInOne, Value),
    f("prometheus.connect-timeout", 29, 76, AllInOne, Value),
    f("prometheus.query.duration-unit", 46, 76, AllInOne, Value),
    f("prometheus.query.extra-query-params", 68, 76, AllInOne, Value),
    f("prometheus.query.namespace", 46, 76, AllInOne, Value),
    f("prometheus.query.normalize-calls", 47, 76, AllInOne, Bool),
    f("prometheus.query.normalize-duration", 47, 76, AllInOne, Bool),
    f("prometheus.query.support-spanmetrics-connector", 46, 57, AllInOne, Bool),
    f("prometheus.server-url", 29, 76, AllInOne, Value),
    f("prometheus.tls.ca", 29, 76, AllInOne, Value),
    f("prometheus.tls.cert", 29, 76, AllInOne, Value),
    f("prometheus.tls.enabled", 29, 76, AllInOne, Bool),
    f("prometheus.tls.key", 29, 76, AllInOne, Value),
    f("prometheus.tls.server-name", 29, 76, AllInOne, Value),
    f("prometheus.tls.skip-host-verify", 29, 76, AllInOne, Bool),
    f("prometheus.token-file", 44, 76, AllInOne, Value),
    f("prometheus.token-override-from-context", 49, 76, AllInOne, Bool),
    f("query.additional-headers", 17, 76, AllInOne, Value),
    f("query.base-path", 13, 76, AllInOne, Value),
    f("query.bearer-token-propagation", 13, 76, AllInOne, Bool),
    f("query.enable-tracing", 49, 76, AllInOne, Bool),
    f("query.grpc-server.host-port", 20, 76, AllInOne, Value),
    f("query.grpc.tls.cert", 22, 76, AllInOne, Value),
    f("query.grpc.tls.cipher-suites", 33, 76, AllInOne, Value),
    f("query.grpc.tls.client-ca", 22, 76, AllInOne, Value),
    f("query.grpc.tls.enabled", 22, 76, AllInOne, Bool),
    f("query.grpc.tls.key", 22, 76, AllInOne, Value),
    f("query.grpc.tls.max-version", 33, 76, AllInOne, Value),
    f("query.grpc.tls.min-version", 33, 76, AllInOne, Value),
    f("query.grpc.tls.reload-interval", 66, 76, AllInOne, Value),
    f("query.host-port", 19, 21, AllInOne, Value),
    f("query.http-server.host-port", 20, 76, AllInOne, Value),
    f("query.http.tls.cert", 22, 76, AllInOne, Value),
    f("query.http.tls.cipher-suites", 33, 76, AllInOne, Value),
    f("query.http.tls.client-ca", 22, 76, AllInOne, Value),
    f("query.http.tls.enabled", 22, 76, AllInOne, Bool),
    f("query.http.tls.key", 22, 76, AllInOne, Value),
    f("query.http.tls.max-version", 33, 76, AllInOne, Value),
    f("query.http.tls.min-version", 33, 76, AllInOne, Value),
    f("query.http.tls.reload-interval", 66, 76, AllInOne, Value),
    f("query.log-static-assets-access", 44, 76, AllInOne, Bool),
    f("query.max-clock-skew-adjustment", 18, 76, AllInOne, Value),
    f("query.port", 13, 21, AllInOne, Value),
    f("query.static-files", 13, 76, AllInOne, Value),
    f("query.ui-config", 13, 76, AllInOne, Value),
    f("reporter.grpc.discovery.min-peers", 13, 62, AllInOne, Value),
    f("reporter.grpc.host-port", 13, 62, AllInOne, Value),
    f("reporter.grpc.retry.max", 13, 62, AllInOne, Value),
    f("reporter.grpc.tls", 13, 21, AllInOne, Bool),
    f("reporter.grpc.tls.ca", 13, 62, AllInOne, Value),
    f("reporter.grpc.tls.cert", 14, 62, AllInOne, Value),
    f("reporter.grpc.tls.enabled", 17, 62, AllInOne, Bool),
    f("reporter.grpc.tls.key", 14, 62, AllInOne, Value),
    f("reporter.grpc.tls.server-name", 13, 62, AllInOne, Value),
    f("reporter.grpc.tls.skip-host-verify", 17, 62, AllInOne, Bool),
    f("reporter.tchannel.discovery.conn-check-timeout", 13, 17, AllInOne, Value),
    f("reporter.tchannel.discovery.min-peers", 13, 17, AllInOne, Value),
    f("reporter.tchannel.host-port", 13, 17, AllInOne, Value),
    f("reporter.tchannel.report-timeout", 13, 17, AllInOne, Value),
    f("reporter.type", 13, 62, AllInOne, Value),
    f("sampling.aggregation-buckets", 27, 76, Sampling("adaptive"), Value),
    f("sampling.buckets-for-calculation", 27, 76, Sampling("adaptive"), Value),
    f("sampling.calculation-interval", 27, 76, Sampling("adaptive"), Value),
    f("sampling.default-sampling-probability", 66, 76, Sampling("file"), Value),
    f("sampling.delay", 27, 76, Sampling("adaptive"), Value),
    f("sampling.delta-tolerance", 27, 76, Sampling("adaptive"), Value),
    f("sampling.follower-lease-refresh-interval", 27, 76, Sampling("adaptive"), Value),
    f("sampling.initial-sampling-probability", 27, 76, Sampling("adaptive"), Value),
    f("sampling.leader-lease-refresh-interval", 27, 76, Sampling("adaptive"), Value),
    f("sampling.min-samples-per-second", 27, 76, Sampling("adaptive"), Value),
    f("sampling.min-sampling-probability", 27, 76, Sampling("adaptive"), Value),
    f("sampling.strategies-file", 13, 76, Sampling("file"), Value),
    f("sampling.strategies-reload-interval", 18, 76, Sampling("file"), Value),
    f("sampling.strategies.bugfix-5270", 57, 67, Sampling("file"), Bool),
    f("sampling.target-samples-per-second", 27, 76, Sampling("adaptive"), Value),
    f("span-storage.type", 13, 76, Core, Value),
];

/// A variable read only from the environment.
#[derive(Clone, Copy, Debug)]
pub struct EnvVar {
    pub name: &'static str,
    pub since: u8,
    pub until: u8,
    pub what: &'static str,
}

/// The variables with no flag, sorted by name. `SPAN_STORAGE_TYPE` is also the environment
/// form of the deprecated `--span-storage.type`.
pub const ENV_ONLY: &[EnvVar] = &[
    EnvVar {
        name: "DEPENDENCY_STORAGE_TYPE",
        since: 13,
        until: 76,
        what: "the storage of service dependencies (jaeger-query's)",
    },
    EnvVar {
        name: "METRICS_STORAGE_TYPE",
        since: 23,
        until: 76,
        what: "the metrics storage of jaeger-query's monitor tab",
    },
    EnvVar {
        name: "SAMPLING_CONFIG_TYPE",
        since: 27,
        until: 76,
        what: "file or adaptive sampling",
    },
    EnvVar {
        name: "SAMPLING_STORAGE_TYPE",
        since: 33,
        until: 76,
        what: "the storage of adaptive sampling",
    },
    EnvVar {
        name: "SAMPLING_TYPE",
        since: 13,
        until: 49,
        what: "static (file) or adaptive sampling; SAMPLING_CONFIG_TYPE from 1.27",
    },
    EnvVar {
        name: "SPAN_STORAGE_TYPE",
        since: 13,
        until: 76,
        what: "the span storage",
    },
];

/// The Go runtime's variables (pkg.go.dev/runtime, "Environment Variables"; GOMEMLIMIT from
/// Go 1.19), with the scenario field that models each, if any.
pub const GO_RUNTIME_ENV: &[(&str, &str)] = &[
    ("GODEBUG", ""),
    ("GOGC", "collector.memory.gogc"),
    ("GOMAXPROCS", ""),
    ("GOMEMLIMIT", "collector.memory.gomemlimit"),
    ("GOTRACEBACK", ""),
];

/// The environment variable Jaeger reads for a flag (see the module doc).
pub fn env_name(flag: &str) -> String {
    flag.to_uppercase().replace(['.', '-'], "_")
}

/// A flag by its name (without `--`).
pub fn flag(name: &str) -> Option<&'static Flag> {
    FLAGS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .map(|i| &FLAGS[i])
}

/// What an environment variable is to a Jaeger v1 collector.
#[derive(Clone, Copy, Debug)]
pub enum Env {
    /// The environment form of a flag.
    Flag(&'static Flag),
    Only(&'static EnvVar),
    /// The Go runtime's, with the scenario field that models it ("" for none).
    GoRuntime(&'static str, &'static str),
}

/// An environment variable by its name. Where two flags share a variable (a flag renamed
/// with `.` for `-`: `collector.grpc.tls.client.ca` and `collector.grpc.tls.client-ca`, both
/// COLLECTOR_GRPC_TLS_CLIENT_CA), the newer one.
pub fn env(name: &str) -> Option<Env> {
    if let Some(f) = FLAGS
        .iter()
        .filter(|f| env_name(f.name) == name)
        .max_by_key(|f| f.until)
    {
        return Some(Env::Flag(f));
    }
    if let Some(e) = ENV_ONLY.iter().find(|e| e.name == name) {
        return Some(Env::Only(e));
    }
    GO_RUNTIME_ENV
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, field)| Env::GoRuntime(n, field))
}

/// The flag a mistyped one probably meant: the same once written as a variable
/// (`--collector_queue_size`), or the nearest by edit distance.
pub fn suggest_flag(name: &str) -> Option<&'static str> {
    let as_env = env_name(name);
    if let Some(f) = FLAGS
        .iter()
        .filter(|f| env_name(f.name) == as_env)
        .max_by_key(|f| f.until)
    {
        return Some(f.name);
    }
    super::catalogue::nearest(name, FLAGS.iter().map(|f| f.name))
}

/// The variable a mistyped one probably meant: the same in upper case, or the nearest by edit
/// distance.
pub fn suggest_env(name: &str) -> Option<String> {
    let names: Vec<String> = FLAGS
        .iter()
        .map(|f| env_name(f.name))
        .chain(ENV_ONLY.iter().map(|e| e.name.to_string()))
        .chain(GO_RUNTIME_ENV.iter().map(|(n, _)| n.to_string()))
        .collect();
    let upper = name.to_uppercase();
    if upper != name && names.contains(&upper) {
        return Some(upper);
    }
    super::catalogue::nearest(name, names.iter().map(String::as_str)).map(String::from)
}

/// "Jaeger 1.13 to 1.21" for a flag that is not in every release covered, else "".
pub fn releases(since: u8, until: u8) -> String {
    match (since > FIRST, until < LAST) {
        (false, false) => String::new(),
        (true, false) => format!("Jaeger 1.{since} and later"),
        (false, true) => format!("Jaeger 1.{until} and before"),
        (true, true) => format!("Jaeger 1.{since} to 1.{until}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_in_range() {
        for w in FLAGS.windows(2) {
            assert!(w[0].name < w[1].name, "{} then {}", w[0].name, w[1].name);
        }
        for w in ENV_ONLY.windows(2) {
            assert!(w[0].name < w[1].name);
        }
        for f in FLAGS {
            assert!(
                FIRST <= f.since && f.since <= f.until && f.until <= LAST,
                "{}",
                f.name
            );
            assert!(!f.name.starts_with('-') && !f.name.contains(['=', ' ']));
        }
    }

    #[test]
    fn real_flags_and_their_groups() {
        // The flags the import maps, in the story's release (1.22) and the last one.
        for n in [
            "collector.queue-size",
            "collector.queue-size-memory",
            "collector.num-workers",
            "span-storage.type",
        ] {
            let f = flag(n).unwrap();
            assert_eq!((f.group, f.kind), (Group::Core, Kind::Value), "{n}");
            assert!(f.since <= 22 && f.until == LAST, "{n}");
        }
        assert_eq!(
            flag("es.bulk.flush-interval").unwrap().group,
            Group::Storage("elasticsearch")
        );
        assert_eq!(
            flag("cassandra.keyspace").unwrap().group,
            Group::Storage("cassandra")
        );
        assert_eq!(
            flag("grpc-storage-archive.enabled").unwrap().since,
            66,
            "from the source: internal/storage/v1/grpc/options.go"
        );
        assert_eq!(flag("es.sniffer").unwrap().kind, Kind::Bool);
        assert_eq!(
            flag("sampling.calculation-interval").unwrap().group,
            Group::Sampling("adaptive")
        );
        assert_eq!(flag("query.base-path").unwrap().group, Group::AllInOne);
        // Removed flags stay, with their releases.
        let p = flag("collector.port").unwrap();
        assert_eq!((p.since, p.until), (13, 18));
        assert!(flag("collector.queue-sise").is_none());
    }

    #[test]
    fn environment_forms() {
        assert_eq!(
            env_name("collector.queue-size-memory"),
            "COLLECTOR_QUEUE_SIZE_MEMORY"
        );
        match env("ES_BULK_SIZE") {
            Some(Env::Flag(f)) => assert_eq!(f.name, "es.bulk.size"),
            other => panic!("{other:?}"),
        }
        match env("COLLECTOR_GRPC_TLS_CLIENT_CA") {
            Some(Env::Flag(f)) => assert_eq!(f.name, "collector.grpc.tls.client-ca"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(env("SAMPLING_CONFIG_TYPE"), Some(Env::Only(_))));
        assert!(matches!(env("GOGC"), Some(Env::GoRuntime(..))));
        assert!(env("COLLECTOR_QUEUE_SISE").is_none());
        assert_eq!(
            suggest_env("COLLECTOR_QUEUE_SISE").as_deref(),
            Some("COLLECTOR_QUEUE_SIZE")
        );
        assert_eq!(
            suggest_env("collector_queue_size").as_deref(),
            Some("COLLECTOR_QUEUE_SIZE")
        );
        assert_eq!(
            suggest_flag("collector.queue-sise"),
            Some("collector.queue-size")
        );
        assert_eq!(
            suggest_flag("collector_queue_size"),
            Some("collector.queue-size")
        );
        assert_eq!(suggest_flag("no.such.thing.at.all"), None);
    }
}
