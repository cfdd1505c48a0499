//! The simulation core: time, the event queue and random-number streams. No tracing words
//! live here; `pipeline` builds the domain on top.

pub mod queue;
pub mod rng;

pub use queue::EventQueue;
pub use rng::{Stream, Streams};

/// Simulated time: integer nanoseconds since the start of the run. Integers keep event order
/// exact (no float epsilon) and make outputs byte-identical across machines.
pub type Nanos = u64;

pub const NS_PER_SEC: u64 = 1_000_000_000;

/// Seconds as f64 for output columns.
#[inline]
pub fn secs(t: Nanos) -> f64 {
    t as f64 / NS_PER_SEC as f64
}

/// A float number of seconds to nanoseconds, saturating.
#[inline]
pub fn from_secs(s: f64) -> Nanos {
    if s <= 0.0 {
        0
    } else if s >= 1.8e10 {
        u64::MAX / 2
    } else {
        (s * NS_PER_SEC as f64).round() as u64
    }
}
