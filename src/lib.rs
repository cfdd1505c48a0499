//! tracesim: a discrete-event simulator of tracing pipelines' memory under load and storage
//! outages. See README.md for the user's view and `../shared/DESIGN.md` for the design.

pub mod cli;
pub mod dist;
pub mod memory;
pub mod metrics;
pub mod output;
pub mod pipeline;
pub mod scenario;
pub mod sim;
pub mod units;
pub mod workload;
