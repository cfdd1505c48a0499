//! The Jaeger collector story of seeds/002 (jaeger#2715): acceptance of the bundled models.

use crate::common::*;
use tracesim::metrics::DropReason;

const OUTAGE_START_S: f64 = 300.0;

#[test]
fn a_80mib_queue_in_250mib_is_oom_killed_before_any_drop() {
    let r = run(&model("jaeger-collector-es-outage.toml"), &[]);
    let c = &r.counters;
    assert!(c.oom_kills >= 1);
    let first_oom = c.first_oom.unwrap() as f64 / 1e9;
    assert!(
        first_oom > OUTAGE_START_S && first_oom < OUTAGE_START_S + 180.0,
        "first OOM at {first_oom}"
    );
    if let Some(t) = c.first_drop_by[DropReason::QueueFull as usize] {
        assert!(
            t > c.first_oom.unwrap(),
            "queue-full drops before the first OOM"
        );
    }
}

#[test]
fn b_a_full_80mib_queue_needs_about_750mb() {
    let r = run(&model("jaeger-collector-es-outage-1gib.toml"), &[]);
    let c = &r.counters;
    let peak_mb = c.peak_rss as f64 / 1e6;
    assert!((640.0..=860.0).contains(&peak_mb), "peak {peak_mb} MB");
    assert_eq!(c.oom_kills, 0);
    assert!(c.dropped[DropReason::QueueFull as usize] > 0);
    // The queue that filled holds the ~99k spans that 80 MiB / 845 B allows.
    assert!(
        (98_000..=101_000).contains(&c.peak_queue),
        "{}",
        c.peak_queue
    );
}

#[test]
fn c_a_15mib_queue_fits_200mb_and_drops_instead() {
    let r = run(&model("jaeger-collector-es-outage-15mib.toml"), &[]);
    let c = &r.counters;
    assert_eq!(c.oom_kills, 0);
    assert!(c.peak_rss < 200_000_000, "peak {}", c.peak_rss);
    assert!(c.dropped[DropReason::QueueFull as usize] > 0);
}

#[test]
fn d_healthy_collector_uses_about_20mb() {
    let r = run(&model("jaeger-collector-healthy.toml"), &[]);
    let c = &r.counters;
    assert_eq!(c.dropped_total(), 0);
    for s in r.samples.iter().skip(5) {
        let mb = s.rss_bytes as f64 / 1e6;
        assert!((14.0..=26.0).contains(&mb), "rss {mb} MB at {}", s.t);
    }
    assert!(c.peak_rss < 26_000_000);
}

#[test]
fn after_recovery_the_queue_drains_and_spans_flow_again() {
    let r = run(&model("jaeger-collector-es-outage-1gib.toml"), &[]);
    let end = r.samples.last().unwrap();
    assert!(end.downstream_up);
    assert!(
        end.queue_items < 1000,
        "queue {} at the end",
        end.queue_items
    );
    // Jaeger 1.21 was built with Go 1.15, which released pages with MADV_FREE: RSS stays
    // high after the drain (nothing presses on the container) ...
    assert!(end.rss_bytes > 600_000_000, "rss {}", end.rss_bytes);
    // ... while Go >= 1.16 hands them back (MADV_DONTNEED) as the scavenger runs.
    let r = run(
        &model("jaeger-collector-es-outage-1gib.toml"),
        &["collector.memory.go_version=\"1.16\""],
    );
    let end = r.samples.last().unwrap();
    assert!(end.rss_bytes < 60_000_000, "rss {}", end.rss_bytes);
    assert!(r.counters.peak_rss > 600_000_000);
}

#[test]
fn hung_elasticsearch_stalls_the_workers_as_refused_does() {
    let r = run(
        &model("jaeger-collector-es-outage.toml"),
        &["storage.outages.0.mode=\"hang\""],
    );
    assert!(r.counters.oom_kills >= 1);
}
