//! Human units in scenario files and on the command line.
//!
//! Sizes: `845B`, `15MB` (10^6), `80MiB` (2^20), `1.5GiB`, or a bare integer of bytes.
//! Durations: `200ms`, `30s`, `5m`, `1h`, `2m30s`, `1500us`, or a bare number of seconds.
//! Rates: `1300/s`, `3.5k/s`, `90k/m`, `2M/h`, or a bare number per second.
//!
//! Every value is checked here (non-negative, finite, known unit), so the scenario layer only
//! has to say which field a value belongs to.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// A size in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct ByteSize(pub u64);

/// A duration in integer nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Duration(pub u64);

/// A rate in events per second.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct Rate(pub f64);

fn split_number(s: &str) -> Result<(f64, &str), String> {
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit()
                || c == '.'
                || c == '_'
                || ((c == '-' || c == '+') && i == 0)
                || ((c == 'e' || c == 'E')
                    && s[i + 1..].starts_with(|d: char| d.is_ascii_digit() || d == '-')))
        })
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(end);
    let num: String = num.chars().filter(|&c| c != '_').collect();
    if num.is_empty() {
        return Err(format!("`{s}` does not start with a number"));
    }
    let v: f64 = num
        .parse()
        .map_err(|_| format!("`{s}`: `{num}` is not a number"))?;
    if !v.is_finite() {
        return Err(format!("`{s}` is not a finite number"));
    }
    if v < 0.0 {
        return Err(format!("`{s}` is negative"));
    }
    Ok((v, unit.trim()))
}

impl ByteSize {
    /// ```
    /// use tracesim::units::ByteSize;
    /// assert_eq!(ByteSize::parse("80MiB").unwrap().0, 83_886_080);
    /// assert_eq!(ByteSize::parse("15MB").unwrap().0, 15_000_000);
    /// assert!(ByteSize::parse("80 parsecs").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, String> {
        let (v, unit) = split_number(s)?;
        let mult: f64 = match unit {
            "" | "B" | "b" => 1.0,
            "kB" | "KB" | "k" | "K" => 1e3,
            "MB" | "M" => 1e6,
            "GB" | "G" => 1e9,
            "TB" | "T" => 1e12,
            "KiB" | "Ki" => 1024.0,
            "MiB" | "Mi" => 1024.0 * 1024.0,
            "GiB" | "Gi" => 1024.0 * 1024.0 * 1024.0,
            "TiB" | "Ti" => 1024.0f64.powi(4),
            other => {
                return Err(format!(
                    "`{s}`: unknown size unit `{other}` (use B, kB, MB, GB, KiB, MiB, GiB)"
                ));
            }
        };
        let bytes = v * mult;
        if bytes > 1.0e18 {
            return Err(format!(
                "`{s}` is larger than this tool handles (10^18 bytes)"
            ));
        }
        Ok(ByteSize(bytes.round() as u64))
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub fn from_secs_f64(s: f64) -> Self {
        Duration((s * 1e9).round() as u64)
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// Parses `2m30s`-style compounds as well as single terms.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err("empty duration".into());
        }
        let mut rest = t;
        let mut total_ns = 0.0f64;
        while !rest.is_empty() {
            let (v, after) = split_number(rest).map_err(|e| format!("duration {e}"))?;
            let unit_end = after
                .char_indices()
                .find(|&(_, c)| c.is_ascii_digit() || c == '.')
                .map(|(i, _)| i)
                .unwrap_or(after.len());
            let (unit, tail) = after.split_at(unit_end);
            let mult = match unit.trim() {
                "" if tail.is_empty() && rest.len() == t.len() => 1e9,
                "ns" => 1.0,
                "us" | "µs" => 1e3,
                "ms" => 1e6,
                "s" | "sec" => 1e9,
                "m" | "min" => 60e9,
                "h" => 3600e9,
                "d" => 86400e9,
                other => {
                    return Err(format!(
                        "`{s}`: unknown time unit `{other}` (use ns, us, ms, s, m, h, d)"
                    ));
                }
            };
            total_ns += v * mult;
            rest = tail;
        }
        if total_ns > 1.0e18 {
            return Err(format!(
                "`{s}` is longer than this tool handles (~31 years)"
            ));
        }
        Ok(Duration(total_ns.round() as u64))
    }
}

impl Rate {
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let (num, per) = match t.split_once('/') {
            Some((n, p)) => (n.trim(), p.trim()),
            None => (t, "s"),
        };
        let (v, suffix) = split_number(num).map_err(|e| format!("rate {e}"))?;
        let mult = match suffix {
            "" => 1.0,
            "k" | "K" => 1e3,
            "M" => 1e6,
            "G" => 1e9,
            other => {
                return Err(format!(
                    "`{s}`: unknown rate multiplier `{other}` (use k, M)"
                ));
            }
        };
        let per_s = match per {
            "s" | "sec" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            other => {
                return Err(format!(
                    "`{s}`: unknown rate period `/{other}` (use /s, /m, /h)"
                ));
            }
        };
        Ok(Rate(v * mult / per_s))
    }
}

/// The unit family sizes are shown in: the one the user wrote. A limit written `250MiB` is
/// shown as `250.0 MiB`, not `262.1 MB`; one written `200MB` as `200.0 MB`. Set once per
/// command (from the scenario's memory limit, or a `--memory-limit` flag) and used alike by
/// the terminal and the plots; files always hold bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// kB, MB, GB (powers of 1000).
    Decimal,
    /// KiB, MiB, GiB (powers of 1024): Kubernetes' `Mi`/`Gi`, Go's and Linux's own reports.
    Binary,
}

static FAMILY: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

impl Family {
    /// The family of a size literal, if its unit has one (`845B` has none).
    pub fn of_literal(s: &str) -> Option<Family> {
        let (_, unit) = split_number(s).ok()?;
        match unit {
            "kB" | "KB" | "k" | "K" | "MB" | "M" | "GB" | "G" | "TB" | "T" => Some(Family::Decimal),
            "KiB" | "Ki" | "MiB" | "Mi" | "GiB" | "Gi" | "TiB" | "Ti" => Some(Family::Binary),
            _ => None,
        }
    }

    /// The family of a scenario's text: that of its memory limits (`limit = "250MiB"`) if
    /// they have one, else the more common of its size literals, else binary.
    pub fn of_scenario(text: &str) -> Family {
        let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
            return Family::Binary;
        };
        let mut limits = vec![];
        let mut all = vec![];
        fn walk(t: &dyn toml_edit::TableLike, limits: &mut Vec<Family>, all: &mut Vec<Family>) {
            for (k, item) in t.iter() {
                if let Some(sub) = item.as_table_like() {
                    walk(sub, limits, all);
                } else if let Some(arr) = item.as_array_of_tables() {
                    for sub in arr.iter() {
                        walk(sub, limits, all);
                    }
                } else if let Some(v) = item.as_str()
                    && let Some(f) = Family::of_literal(v)
                {
                    if k.ends_with("limit") {
                        limits.push(f);
                    }
                    all.push(f);
                }
            }
        }
        walk(doc.as_table(), &mut limits, &mut all);
        if let Some(f) = limits.first() {
            return *f;
        }
        let binary = all.iter().filter(|f| **f == Family::Binary).count();
        if all.len() > 2 * binary {
            Family::Decimal
        } else {
            Family::Binary
        }
    }

    /// Makes `self` the family sizes are shown in from now on.
    pub fn set(self) {
        FAMILY.store(self as u8 + 1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The family sizes are shown in (binary until a command sets one).
    pub fn current() -> Family {
        match FAMILY.load(std::sync::atomic::Ordering::Relaxed) {
            1 => Family::Decimal,
            _ => Family::Binary,
        }
    }

    /// The unit plots and tables of megabytes use: (bytes per unit, its name).
    pub fn mega(self) -> (f64, &'static str) {
        match self {
            Family::Decimal => (1e6, "MB"),
            Family::Binary => (1024.0 * 1024.0, "MiB"),
        }
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0 as f64;
        let (k, units) = match Family::current() {
            Family::Decimal => (1e3, ["kB", "MB", "GB"]),
            Family::Binary => (1024.0, ["KiB", "MiB", "GiB"]),
        };
        if b >= k * k * k {
            write!(f, "{:.2} {}", b / (k * k * k), units[2])
        } else if b >= k * k {
            write!(f, "{:.1} {}", b / (k * k), units[1])
        } else if b >= k {
            write!(f, "{:.1} {}", b / k, units[0])
        } else {
            write!(f, "{} B", self.0)
        }
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.as_secs_f64();
        if s >= 60.0 && (s % 60.0).abs() < 1e-9 {
            write!(f, "{}m", (s / 60.0) as u64)
        } else if s >= 1.0 {
            write!(f, "{s}s")
        } else {
            write!(f, "{}ms", s * 1e3)
        }
    }
}

/// Accepts a string with a unit, or a bare number in the base unit.
macro_rules! unit_deserialize {
    ($ty:ty, $what:expr, $from_f64:expr) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$ty, E> {
                        <$ty>::parse(s).map_err(E::custom)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                        if v < 0 {
                            return Err(E::custom(format!("`{v}` is negative")));
                        }
                        self.visit_f64(v as f64)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                        self.visit_f64(v as f64)
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
                        if !v.is_finite() || v < 0.0 {
                            return Err(E::custom(format!("`{v}` must be a non-negative number")));
                        }
                        #[allow(clippy::redundant_closure_call)]
                        Ok(($from_f64)(v))
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

unit_deserialize!(
    ByteSize,
    "a size such as `845B`, `15MB` or `80MiB`",
    |v: f64| ByteSize(v.round() as u64)
);
unit_deserialize!(
    Duration,
    "a duration such as `200ms`, `30s`, `5m` or `1h`",
    Duration::from_secs_f64
);
unit_deserialize!(Rate, "a rate such as `1300/s` or `3.5k/s`", Rate);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_family_is_the_one_the_user_wrote() {
        assert_eq!(Family::of_literal("80MiB"), Some(Family::Binary));
        assert_eq!(Family::of_literal("2Gi"), Some(Family::Binary));
        assert_eq!(Family::of_literal("15MB"), Some(Family::Decimal));
        assert_eq!(Family::of_literal("845B"), None);
        // The memory limit decides, whatever the other sizes say.
        let t = "[c]\nqueue = \"80MiB\"\nsize = \"1KiB\"\n[c.memory]\nlimit = \"200MB\"\n";
        assert_eq!(Family::of_scenario(t), Family::Decimal);
        let t = "[[o]]\nlimit = \"1GiB\"\n[w]\na = \"5MB\"\nb = \"6MB\"\n";
        assert_eq!(Family::of_scenario(t), Family::Binary);
        // No limit: the more common family; none at all: binary.
        assert_eq!(
            Family::of_scenario("a = \"5MB\"\nb = \"6MB\"\nc = \"1MiB\"\n"),
            Family::Decimal
        );
        assert_eq!(Family::of_scenario("a = \"845B\"\n"), Family::Binary);
    }

    #[test]
    fn sizes() {
        assert_eq!(ByteSize::parse("845B").unwrap().0, 845);
        assert_eq!(ByteSize::parse("15MB").unwrap().0, 15_000_000);
        assert_eq!(ByteSize::parse("80MiB").unwrap().0, 80 * 1024 * 1024);
        assert_eq!(ByteSize::parse("1.5GiB").unwrap().0, 3 * 512 * 1024 * 1024);
        assert_eq!(ByteSize::parse("4096").unwrap().0, 4096);
        assert!(ByteSize::parse("80MiBs").is_err());
        assert!(ByteSize::parse("-1MB").is_err());
        assert!(ByteSize::parse("MB").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(Duration::parse("30s").unwrap().0, 30_000_000_000);
        assert_eq!(Duration::parse("5m").unwrap().0, 300_000_000_000);
        assert_eq!(Duration::parse("200ms").unwrap().0, 200_000_000);
        assert_eq!(Duration::parse("2m30s").unwrap().0, 150_000_000_000);
        assert_eq!(Duration::parse("1.5").unwrap().0, 1_500_000_000);
        assert!(Duration::parse("5 parsecs").is_err());
        assert!(Duration::parse("-3s").is_err());
        assert!(Duration::parse("3s5").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(Rate::parse("1300/s").unwrap().0, 1300.0);
        assert_eq!(Rate::parse("3.5k/s").unwrap().0, 3500.0);
        assert_eq!(Rate::parse("120/m").unwrap().0, 2.0);
        assert_eq!(Rate::parse("42").unwrap().0, 42.0);
        assert!(Rate::parse("-5/s").is_err());
        assert!(Rate::parse("5/fortnight").is_err());
        assert!(Rate::parse("5x/s").is_err());
    }
}
