//! The collector queue against queueing theory: M/M/1 waits, M/M/c/K blocking (Erlang),
//! Little's law. Poisson arrivals of one span each, exponential write times, synchronous
//! writes, so the Jaeger queue with `c` workers is an M/M/c/K system with K = c + queue size
//! (spans held by workers do not count against the queue capacity).

use crate::common::*;
use statrs::distribution::{ContinuousCDF, StudentsT};
use tracesim::metrics::{DropReason, RunResult};
use tracesim::pipeline::Simulation;

/// Mean and 95% confidence half-width (Student t) of replications.
fn ci95(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .unwrap()
        .inverse_cdf(0.975);
    (mean, t * (var / n).sqrt())
}

fn replications(overrides: &[&str], n: u64) -> Vec<RunResult> {
    let sc = scenario(TINY, overrides);
    (0..n)
        .map(|i| Simulation::new(&sc, Some(1000 + i)).run())
        .collect()
}

const MM: [&str; 4] = [
    "workload.arrivals=\"poisson\"",
    "storage.latency={ dist = \"exponential\", mean = \"1ms\" }",
    "scenario.duration=\"60s\"",
    "scenario.sample_interval=\"10s\"",
];

#[test]
fn mm1_mean_wait_and_sojourn_match_theory() {
    // lambda = 800/s, mu = 1000/s: Wq = rho / (mu - lambda) = 4 ms, W = 1 / (mu - lambda) = 5 ms.
    let mut o = MM.to_vec();
    o.extend(["workload.rate=\"800/s\"", "collector.queue_size=1000000"]);
    let runs = replications(&o, 12);
    let wq: Vec<f64> = runs
        .iter()
        .map(|r| r.counters.wait_sum as f64 / r.counters.dequeued as f64 / 1e9)
        .collect();
    let w: Vec<f64> = runs
        .iter()
        .map(|r| r.counters.sojourn_sum as f64 / r.counters.written as f64 / 1e9)
        .collect();
    let (m, h) = ci95(&wq);
    assert!((m - 0.004).abs() <= h, "Wq {m} +- {h} vs 0.004");
    let (m, h) = ci95(&w);
    assert!((m - 0.005).abs() <= h, "W {m} +- {h} vs 0.005");
    assert!(runs.iter().all(|r| r.counters.dropped_total() == 0));
}

/// Erlang's M/M/c/K blocking probability.
fn mmck_blocking(lambda: f64, mu: f64, c: u32, k: u32) -> f64 {
    let a = lambda / mu;
    let mut terms = Vec::new();
    let mut fact = 1.0;
    for n in 0..=k {
        if n >= 1 && n <= c {
            fact *= n as f64;
        }
        let p = if n <= c {
            a.powi(n as i32) / fact
        } else {
            a.powi(c as i32) / fact * (a / c as f64).powi((n - c) as i32)
        };
        terms.push(p);
    }
    terms[k as usize] / terms.iter().sum::<f64>()
}

#[test]
fn mmck_blocking_matches_erlang() {
    // c = 5 workers, queue 3 -> K = 8; lambda = 4000/s, mu = 1000/s per worker (a = 4).
    let mut o = MM.to_vec();
    o.extend([
        "workload.rate=\"4000/s\"",
        "collector.num_workers=5",
        "collector.queue_size=3",
        "scenario.duration=\"20s\"",
    ]);
    let runs = replications(&o, 10);
    let pb: Vec<f64> = runs
        .iter()
        .map(|r| {
            r.counters.dropped[DropReason::QueueFull as usize] as f64 / r.counters.generated as f64
        })
        .collect();
    let theory = mmck_blocking(4000.0, 1000.0, 5, 8);
    let (m, h) = ci95(&pb);
    assert!((0.05..0.2).contains(&theory), "{theory}");
    assert!(
        (m - theory).abs() <= h,
        "blocking {m} +- {h} vs Erlang {theory}"
    );
}

#[test]
fn littles_law_holds_for_the_queue() {
    // L = lambda_eff * Wq over the run, for a loaded M/M/2 with a finite queue.
    let mut o = MM.to_vec();
    o.extend([
        "workload.rate=\"1800/s\"",
        "collector.num_workers=2",
        "collector.queue_size=50",
    ]);
    let r = Simulation::new(&scenario(TINY, &o), Some(7)).run();
    let c = &r.counters;
    let t = r.duration as f64 / 1e9;
    let l = c.queue_area as f64 / r.duration as f64;
    let wq = c.wait_sum as f64 / c.dequeued as f64 / 1e9;
    let lambda = c.dequeued as f64 / t;
    assert!(l > 1.0, "queue should be loaded: L = {l}");
    assert!(
        (l - lambda * wq).abs() / l < 0.01,
        "L {l} vs lambda*Wq {}",
        lambda * wq
    );
}
