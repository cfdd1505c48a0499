//! All integration tests in one binary (one link, shared helpers). Files are named by the
//! behaviour they pin.

mod common;

mod cli;
mod conservation;
mod determinism;
mod documented_commands;
mod exit_codes;
mod fuzz_corpus;
mod hand_computed;
mod import;
mod jaeger_real;
mod jaeger_story;
mod otelcol;
mod otelcol_real;
mod output_folders;
mod properties;
mod queueing_theory;
mod resolution;
mod sweeps;
mod tracers;
mod units_shown;
mod validation;
