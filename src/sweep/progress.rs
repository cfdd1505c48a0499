//! Progress of many runs on stderr: a bar on a terminal; elsewhere (CI, `nohup`, `kubectl
//! logs`, a pipe) a plain line every ~10 s, since a bar's carriage returns either vanish or
//! fill a log with redraws; nothing with `--quiet`.
//!
//! The plain lines come from a ticker thread, not from finished runs, so a sweep of long
//! runs still says that it is alive. `TRACESIM_PROGRESS_INTERVAL` (seconds) changes the
//! interval: it is there for tests, which cannot wait 10 s.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Seconds between plain progress lines, unless `TRACESIM_PROGRESS_INTERVAL` says otherwise.
pub const DEFAULT_INTERVAL_S: f64 = 10.0;

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    Hidden,
    Bar,
    /// A line every interval.
    Lines(Duration),
}

impl Mode {
    /// The mode for stderr as it is: hidden when quiet, a bar on a terminal, else lines.
    pub fn for_stderr(quiet: bool) -> Mode {
        if quiet {
            Mode::Hidden
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines(interval_from_env())
        }
    }
}

fn interval_from_env() -> Duration {
    std::env::var("TRACESIM_PROGRESS_INTERVAL")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(Duration::from_secs_f64(DEFAULT_INTERVAL_S), |s| {
            Duration::from_secs_f64(s.max(0.001))
        })
}

struct Shared {
    what: String,
    done: AtomicU64,
    total: AtomicU64,
    /// Runs done before this process started (a resumed journal): not in the rate.
    done_before: AtomicU64,
    started: Instant,
    stopped: Mutex<bool>,
    wake: Condvar,
    bar: Option<indicatif::ProgressBar>,
}

/// Counts runs done out of a total, shown per [`Mode`]. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Progress {
    shared: Arc<Shared>,
}

impl Progress {
    /// `what` names the command in plain lines (`sweep`, `compare`, `recommend`).
    pub fn new(what: &str, total: u64, mode: Mode) -> Progress {
        let bar = (mode == Mode::Bar).then(|| {
            let b = indicatif::ProgressBar::new(total);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} runs {pos}/{len} [{bar:30}] {elapsed} elapsed, eta {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            b
        });
        let p = Progress {
            shared: Arc::new(Shared {
                what: what.to_string(),
                done: AtomicU64::new(0),
                total: AtomicU64::new(total),
                done_before: AtomicU64::new(0),
                started: Instant::now(),
                stopped: Mutex::new(false),
                wake: Condvar::new(),
                bar,
            }),
        };
        if let Mode::Lines(every) = mode {
            let s = p.shared.clone();
            std::thread::spawn(move || {
                let mut stopped = s.stopped.lock().expect("progress lock");
                loop {
                    let (g, timeout) = s.wake.wait_timeout(stopped, every).expect("progress lock");
                    stopped = g;
                    if *stopped {
                        break;
                    }
                    if timeout.timed_out() {
                        eprintln!("{}", s.line());
                    }
                }
            });
        }
        p
    }

    pub fn hidden() -> Progress {
        Progress::new("", 0, Mode::Hidden)
    }

    /// Runs already done when this process started (resumed from a journal).
    pub fn set_done_before(&self, n: u64) {
        self.shared.done_before.store(n, Ordering::SeqCst);
        self.shared.done.store(n, Ordering::SeqCst);
        if let Some(b) = &self.shared.bar {
            b.set_position(n);
        }
    }

    pub fn inc(&self, n: u64) {
        self.shared.done.fetch_add(n, Ordering::SeqCst);
        if let Some(b) = &self.shared.bar {
            b.inc(n);
        }
    }

    /// More runs to do (a command whose total grows as it searches).
    pub fn inc_length(&self, n: u64) {
        self.shared.total.fetch_add(n, Ordering::SeqCst);
        if let Some(b) = &self.shared.bar {
            b.inc_length(n);
        }
    }

    pub fn done(&self) -> u64 {
        self.shared.done.load(Ordering::SeqCst)
    }

    /// Stops the ticker and clears the bar.
    pub fn finish(&self) {
        *self.shared.stopped.lock().expect("progress lock") = true;
        self.shared.wake.notify_all();
        if let Some(b) = &self.shared.bar {
            b.finish_and_clear();
        }
    }

    /// The plain line as it reads now.
    pub fn line(&self) -> String {
        self.shared.line()
    }
}

impl Shared {
    fn line(&self) -> String {
        let done = self.done.load(Ordering::SeqCst);
        let total = self.total.load(Ordering::SeqCst);
        let before = self.done_before.load(Ordering::SeqCst);
        let elapsed = self.started.elapsed().as_secs_f64();
        let here = done.saturating_sub(before);
        let eta = if here == 0 {
            "unknown".to_string()
        } else {
            human_secs(elapsed / here as f64 * total.saturating_sub(done) as f64)
        };
        let pct = if total == 0 {
            100.0
        } else {
            100.0 * done as f64 / total as f64
        };
        format!(
            "{}: runs {done}/{total} ({pct:.0}%), {} elapsed, eta {eta}",
            self.what,
            human_secs(elapsed)
        )
    }
}

/// `0.4s`, `45s`, `8m12s`, `3h05m`, `26d04h`: a duration as a log line says it.
pub fn human_secs(s: f64) -> String {
    if !s.is_finite() {
        return "unknown".into();
    }
    if s < 9.95 {
        return format!("{:.1}s", s.max(0.0));
    }
    let s = s.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86400, s % 86400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_done_total_elapsed_and_eta() {
        let p = Progress::new("sweep", 10, Mode::Hidden);
        assert!(
            p.line().starts_with("sweep: runs 0/10 (0%), "),
            "{}",
            p.line()
        );
        assert!(p.line().ends_with("eta unknown"), "{}", p.line());
        p.set_done_before(2);
        p.inc(3);
        let l = p.line();
        assert!(l.starts_with("sweep: runs 5/10 (50%), "), "{l}");
        assert!(!l.ends_with("eta unknown"), "{l}");
        p.inc_length(10);
        assert!(p.line().starts_with("sweep: runs 5/20 (25%)"));
        p.finish();
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_secs(45.2), "45s");
        assert_eq!(human_secs(0.04), "0.0s");
        assert_eq!(human_secs(2.46), "2.5s");
        assert_eq!(human_secs(492.0), "8m12s");
        assert_eq!(human_secs(3.0 * 3600.0 + 300.0), "3h05m");
        assert_eq!(human_secs(26.0 * 7.0 * 86400.0), "182d00h");
        assert_eq!(human_secs(f64::INFINITY), "unknown");
    }
}
