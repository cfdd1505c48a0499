//! tracesim: a discrete-event simulator of tracing pipelines' memory under load and storage
//! outages. See README.md for the user's view and `../shared/DESIGN.md` for the design.
//!
//! Library use: load a scenario, override fields, run, read the counters.
//!
//! ```
//! use tracesim::{pipeline::Simulation, scenario};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/jaeger-collector-es-outage-15mib.toml");
//! let overrides = vec!["scenario.duration=\"7m\"".to_string()];
//! let loaded = scenario::load(std::path::Path::new(path), &overrides).unwrap();
//! let result = Simulation::new(&loaded.scenario, None).run();
//! let c = &result.counters;
//! // Every span is exported, dropped with a reason, or still held.
//! assert_eq!(c.generated, c.exported + c.dropped_total() + result.held_end);
//! assert_eq!(c.oom_kills, 0); // 15 MiB fits a 200 MB pod
//! ```

pub mod bench;
pub mod cli;
pub mod compare;
pub mod dist;
#[doc(hidden)]
pub mod fuzzing;
pub mod import;
pub mod measure;
pub mod measured;
pub mod memory;
pub mod metrics;
pub mod outdir;
pub mod output;
pub mod pipeline;
pub mod plot;
pub mod policy;
pub mod recommend;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod sweep;
pub mod units;
pub mod validate;
pub mod workload;
