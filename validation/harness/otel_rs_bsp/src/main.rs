//! A real OpenTelemetry Rust SDK program for tracesim's validation experiment: creates spans
//! at a fixed rate, each with K string attributes of N bytes, through the SDK's
//! BatchSpanProcessor and OTLP/HTTP exporter (SDK defaults except the queue size), for
//! `--duration` seconds, then idles `--tail` seconds and exits without flushing (a hung
//! target would block shutdown). Its memory is recorded from outside by `tracesim measure`.
//!
//! Usage: otel_rs_bsp --rate 2000 --attrs 8 --attr-size 128 --queue 200000 --duration 60
//!        --tail 10 --endpoint http://127.0.0.1:4318/v1/traces

use opentelemetry::trace::{Tracer, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use std::time::{Duration, Instant};

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().unwrap_or_else(|_| panic!("bad value for {name}")))
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rate: f64 = arg(&args, "--rate", 2000.0);
    let attrs: usize = arg(&args, "--attrs", 8);
    let attr_size: usize = arg(&args, "--attr-size", 128);
    let queue: usize = arg(&args, "--queue", 2048);
    let duration: f64 = arg(&args, "--duration", 60.0);
    let tail: f64 = arg(&args, "--tail", 10.0);
    let endpoint: String = arg(&args, "--endpoint", "http://127.0.0.1:4318/v1/traces".to_string());

    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .with_timeout(Duration::from_secs(10))
        .build()
        .expect("exporter");
    let config = BatchConfigBuilder::default()
        .with_max_queue_size(queue)
        .build();
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(config)
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(processor)
        .build();
    let tracer = provider.tracer("harness");

    let start = Instant::now();
    let period = Duration::from_secs_f64(1.0 / rate);
    let mut n: u64 = 0;
    while start.elapsed().as_secs_f64() < duration {
        let due = start + period.mul_f64(n as f64);
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let kv: Vec<KeyValue> = (0..attrs)
            .map(|i| KeyValue::new(format!("attr.{i}"), "x".repeat(attr_size)))
            .collect();
        let mut span = tracer.start("harness-op");
        opentelemetry::trace::Span::set_attributes(&mut span, kv);
        drop(span);
        n += 1;
    }
    std::thread::sleep(Duration::from_secs_f64(tail));
    eprintln!("otel_rs_bsp: {n} spans in {:.1} s", start.elapsed().as_secs_f64());
    // Exit without shutdown: flushing into a hung target would block.
    std::process::exit(0);
}
