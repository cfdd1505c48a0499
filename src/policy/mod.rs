//! Rules the real systems follow, as pure functions of their inputs: no stage state, no
//! random streams, each table-tested against its source. The stages in `pipeline/` call them.

pub mod admission;
pub mod backoff;
