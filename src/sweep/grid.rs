//! Sweep axes: `PATH=VALUES` where VALUES is a list (`15MiB,40MiB,80MiB`), a linear range
//! (`5MiB..100MiB/5MiB`), a geometric range (`1MiB..64MiB*2`) or N log-spaced points
//! (`1MiB..1GiB~10`). Range values keep the unit they were written in.
//!
//! A range is never enumerated: its length is computed from its ends and step, and its k-th
//! value when a run needs it. So a grid's size is the product of its axes' lengths, known in
//! microseconds whatever the size, and a typo such as `1B..1GiB/1B` is counted (and refused
//! by `sweep` without `--yes`) rather than built.

/// One `--vary`: the field path, the values as written, and how to produce them.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub path: String,
    /// The VALUES part as written on the command line (for manifests and messages).
    pub spec: String,
    values: Values,
}

#[derive(Clone, Debug, PartialEq)]
enum Values {
    List(Vec<String>),
    /// `a..b/step` in exact decimal arithmetic: value k is `(start + k * step) / 10^decimals`.
    Linear {
        start: i128,
        step: i128,
        decimals: u32,
        len: u64,
        unit: String,
    },
    /// `a..b*factor`: value k is `a * factor^k`.
    Geometric {
        start: f64,
        factor: f64,
        len: u64,
        unit: String,
    },
    /// `a..b~n`: value k is `a * (b/a)^(k/(n-1))`.
    Log {
        start: f64,
        end: f64,
        len: u64,
        unit: String,
    },
}

impl Axis {
    /// Number of values [1].
    pub fn len(&self) -> u64 {
        match &self.values {
            Values::List(v) => v.len() as u64,
            Values::Linear { len, .. }
            | Values::Geometric { len, .. }
            | Values::Log { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A list as typed (every value checked up front), rather than a range (its ends).
    pub fn is_list(&self) -> bool {
        matches!(self.values, Values::List(_))
    }

    /// The k-th value, as the scenario will be given it (`k < len()`).
    pub fn value(&self, k: u64) -> String {
        match &self.values {
            Values::List(v) => v[k as usize].clone(),
            Values::Linear {
                start,
                step,
                decimals,
                unit,
                ..
            } => format!("{}{unit}", fmt_decimal(start + k as i128 * step, *decimals)),
            Values::Geometric {
                start,
                factor,
                unit,
                ..
            } => format!("{}{unit}", fmt_num(start * factor.powf(k as f64))),
            Values::Log {
                start,
                end,
                len,
                unit,
            } => {
                let v = if k + 1 == *len {
                    *end
                } else {
                    start * (end / start).powf(k as f64 / (*len - 1) as f64)
                };
                format!("{}{unit}", fmt_num(v))
            }
        }
    }

    /// All values (for small axes: manifests, messages, tests).
    pub fn values(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.len()).map(|k| self.value(k))
    }

    /// Do both axes give the same values in the same order? (A list and a range that
    /// produce the same values are the same axis.)
    pub fn same_values(&self, other: &Axis) -> bool {
        if self.values == other.values {
            return true;
        }
        // Comparing value by value is bounded: only short axes are compared that way.
        self.len() == other.len() && self.len() <= 100_000 && self.values().eq(other.values())
    }
}

/// Number of points of the grid: the product of the axes' lengths (None past u64).
pub fn grid_len(axes: &[Axis]) -> Option<u64> {
    axes.iter().try_fold(1u64, |n, a| n.checked_mul(a.len()))
}

/// Number of runs: points times replications (None past u64).
pub fn runs_len(axes: &[Axis], replications: u64) -> Option<u64> {
    grid_len(axes)?.checked_mul(replications)
}

/// The values of point `p` of the grid, first axis slowest (mixed-radix digits of `p`).
pub fn point_values(axes: &[Axis], mut p: u64) -> Vec<String> {
    let mut idx = vec![0u64; axes.len()];
    for (i, a) in axes.iter().enumerate().rev() {
        idx[i] = p % a.len();
        p /= a.len();
    }
    axes.iter().zip(idx).map(|(a, k)| a.value(k)).collect()
}

/// The index of point `p` along each axis.
pub fn point_index(axes: &[Axis], mut p: u64) -> Vec<u64> {
    let mut idx = vec![0u64; axes.len()];
    for (i, a) in axes.iter().enumerate().rev() {
        idx[i] = p % a.len();
        p /= a.len();
    }
    idx
}

/// The point with the given index along each axis.
pub fn point_at(axes: &[Axis], idx: &[u64]) -> u64 {
    axes.iter()
        .zip(idx)
        .fold(0u64, |p, (a, &k)| p * a.len() + k)
}

fn split_num(s: &str) -> Result<(f64, String), String> {
    let (n, unit) = split_text(s)?;
    let v: f64 = n
        .parse()
        .map_err(|_| format!("`{}` does not start with a number", s.trim()))?;
    Ok((v, unit))
}

/// The number as written (underscores removed) and the unit after it.
fn split_text(s: &str) -> Result<(String, String), String> {
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (c == '-' && i == 0) || c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (n, unit) = s.split_at(end);
    let n = n.replace('_', "");
    if n.is_empty() || n == "-" || n == "." {
        return Err(format!("`{s}` does not start with a number"));
    }
    Ok((n, unit.trim().to_string()))
}

/// A decimal number as written (`-12.50`) as (digits without the point, decimals).
fn parse_decimal(n: &str) -> Result<(i128, u32), String> {
    let (neg, digits) = match n.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, n),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if frac.contains('.') || (int.is_empty() && frac.is_empty()) {
        return Err(format!("`{n}` is not a number"));
    }
    let all = format!("{int}{frac}");
    let m: i128 = all
        .parse()
        .map_err(|_| format!("`{n}` has too many digits"))?;
    if m > 10i128.pow(24) || frac.len() > 12 {
        return Err(format!("`{n}` has too many digits"));
    }
    Ok((if neg { -m } else { m }, frac.len() as u32))
}

fn fmt_decimal(x: i128, decimals: u32) -> String {
    if decimals == 0 {
        return x.to_string();
    }
    let p = 10i128.pow(decimals);
    let sign = if x < 0 { "-" } else { "" };
    let (i, f) = (x.abs() / p, x.abs() % p);
    let frac = format!("{f:0width$}", width = decimals as usize);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{i}")
    } else {
        format!("{sign}{i}.{frac}")
    }
}

fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 * v.abs().max(1.0) {
        format!("{}", v.round() as i64)
    } else {
        let s = format!("{:.6}", v);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Position of the step separator: the last `sep` followed by a digit (so rates like
/// `100/s..500/s/100/s` split at the right `/`).
fn step_sep(s: &str, sep: char) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).rev().find(|&i| {
        b[i] == sep as u8
            && b.get(i + 1)
                .is_some_and(|c| c.is_ascii_digit() || *c == b'.')
    })
}

/// The kind of quantity a unit measures and its size in base units (`MiB` -> bytes
/// 1048576, `m` -> seconds 60, `k/s` -> per second 1000). A bare number is of any kind.
fn unit_scale(unit: &str) -> Option<(&'static str, f64)> {
    use crate::units::{ByteSize, Duration, Rate};
    let one = format!("1{unit}");
    if unit.is_empty() {
        return Some(("", 1.0));
    }
    ByteSize::parse(&one)
        .map(|b| ("size", b.0 as f64))
        .or_else(|_| Duration::parse(&one).map(|d| ("duration", d.as_secs_f64())))
        .or_else(|_| Rate::parse(&one).map(|r| ("rate", r.0)))
        .ok()
}

/// Geometric and log-spaced values are formatted with 6 decimals (or as integers when
/// within 1e-9 of one): consecutive values closer than this would print the same, and two
/// points would carry one label. The first gap is the smallest of an increasing geometric
/// sequence, so checking it checks them all, without enumerating.
fn check_gap(spec: &str, start: f64, ratio: f64) -> Result<(), String> {
    if ratio - 1.0 < 1e-6 || start * (ratio - 1.0) < 1e-5 {
        return Err(format!(
            "range `{spec}`: consecutive values would be too close to tell apart (use fewer points or a larger factor)"
        ));
    }
    Ok(())
}

fn parse_values(spec: &str) -> Result<Values, String> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err("no values".into());
    }
    let Some((a, rest)) = spec.split_once("..") else {
        let v: Vec<String> = spec.split(',').map(|s| s.trim().to_string()).collect();
        if v.iter().any(|s| s.is_empty()) {
            return Err(format!("`{spec}` has an empty value"));
        }
        return Ok(Values::List(v));
    };
    let (kind, b, step) = if let Some(i) = step_sep(rest, '/') {
        ('/', &rest[..i], &rest[i + 1..])
    } else if let Some(i) = step_sep(rest, '*') {
        ('*', &rest[..i], &rest[i + 1..])
    } else if let Some(i) = step_sep(rest, '~') {
        ('~', &rest[..i], &rest[i + 1..])
    } else {
        return Err(format!(
            "range `{spec}` needs a step: a..b/step, a..b*factor or a..b~points"
        ));
    };
    let (ta, ua) = split_text(a)?;
    let (tb, ub) = split_text(b)?;
    let (va, vb) = split_num(a).and_then(|(x, _)| Ok((x, split_num(b)?.0)))?;
    // The values are in the start's unit; an end in another unit of the same kind
    // (`1MiB..1GiB`, `30s..5m`) is converted into it (it only bounds the range).
    let (vb, end_exact) = if ua == ub {
        (vb, true)
    } else {
        let (ka, sa) =
            unit_scale(&ua).ok_or_else(|| format!("range `{spec}`: `{a}` has an unknown unit"))?;
        let (kb, sb) =
            unit_scale(&ub).ok_or_else(|| format!("range `{spec}`: `{b}` has an unknown unit"))?;
        if ka != kb && !ka.is_empty() && !kb.is_empty() {
            return Err(format!(
                "range `{spec}`: `{a}` and `{b}` are not the same kind of quantity"
            ));
        }
        (vb * sb / sa, false)
    };
    if vb < va {
        return Err(format!("range `{spec}` goes down"));
    }
    let too_many = || format!("range `{spec}` has more values than can be counted (2^64)");
    match kind {
        '/' => {
            let (ts, us) = split_text(step)?;
            if us != ua {
                return Err(format!(
                    "range `{spec}`: write the step in the start's unit ({})",
                    if ua.is_empty() { "a plain number" } else { &ua }
                ));
            }
            // Exact decimal arithmetic on the numbers as written: `0.1..0.3/0.1` has three
            // values, and none is 0.30000000000000004.
            let (ma, da) = parse_decimal(&ta)?;
            let (mb, db) = if end_exact {
                parse_decimal(&tb)?
            } else {
                (0, 0)
            };
            let (ms, ds) = parse_decimal(&ts)?;
            let d = da.max(db).max(ds);
            // |m| <= 10^24 and d <= 12: scaled numbers stay below 10^36 < i128::MAX.
            let scale = |m: i128, di: u32| m * 10i128.pow(d - di);
            let end = if end_exact {
                scale(mb, db)
            } else {
                // A converted end is a bound: the last value at or below it.
                let e = vb * 10f64.powi(d as i32);
                if e.abs() >= 1e36 {
                    return Err(too_many());
                }
                (e * (1.0 + 1e-12)).floor() as i128
            };
            let (start, step) = (scale(ma, da), scale(ms, ds));
            if step <= 0 {
                return Err(format!("range `{spec}`: the step must be positive"));
            }
            let len = u64::try_from((end - start) / step + 1).map_err(|_| too_many())?;
            Ok(Values::Linear {
                start,
                step,
                decimals: d,
                len,
                unit: ua,
            })
        }
        '*' => {
            let f: f64 = step
                .trim()
                .parse()
                .map_err(|_| format!("factor `{step}` is not a number"))?;
            if !(f > 1.0 && f.is_finite()) || va <= 0.0 {
                return Err(format!(
                    "range `{spec}`: needs a factor above 1 and a start above 0"
                ));
            }
            check_gap(spec, va, f)?;
            // Values up to b, with b itself when it is a power of the factor within rounding.
            let tol = 1e-9 * vb.abs().max(1.0);
            let at = |k: f64| va * f.powf(k);
            let mut k = ((vb + tol) / va).ln().div_euclid(f.ln()).max(0.0);
            while at(k + 1.0) <= vb + tol {
                k += 1.0;
            }
            while k > 0.0 && at(k) > vb + tol {
                k -= 1.0;
            }
            if k >= u64::MAX as f64 {
                return Err(too_many());
            }
            Ok(Values::Geometric {
                start: va,
                factor: f,
                len: k as u64 + 1,
                unit: ua,
            })
        }
        _ => {
            let n: u64 = step
                .trim()
                .parse()
                .map_err(|_| format!("point count `{step}` is not a whole number"))?;
            if n < 2 || va <= 0.0 {
                return Err(format!(
                    "range `{spec}`: needs 2 or more points and a start above 0"
                ));
            }
            check_gap(spec, va, (vb / va).powf(1.0 / (n - 1) as f64))?;
            Ok(Values::Log {
                start: va,
                end: vb,
                len: n,
                unit: ua,
            })
        }
    }
}

pub fn parse_axis(spec: &str) -> Result<Axis, String> {
    let (path, values) = spec
        .split_once('=')
        .ok_or_else(|| format!("`{spec}`: write --vary PATH=VALUES"))?;
    let path = path.trim();
    if path.is_empty() {
        return Err(format!("`{spec}`: the field path is empty"));
    }
    Ok(Axis {
        path: path.to_string(),
        spec: values.trim().to_string(),
        values: parse_values(values).map_err(|e| format!("--vary {path}: {e}"))?,
    })
}

/// A field path as the overrides read it: `a.b[0].c` and `a.b.0.c` are the same field.
fn segments(path: &str) -> Vec<String> {
    crate::scenario::path_segments(path)
}

/// Is `a` the same field as `b`, or a table or array that holds it?
fn covers(a: &[String], b: &[String]) -> bool {
    a.len() <= b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Refuses axes whose labels could lie. Overrides apply in order: `--set` first, then the
/// axes in order, each replacing what it names. So two axes on the same field (however
/// spelled), or on a table and a field inside it, would run with one value and be labelled
/// with the other; and an axis on a field that a `--set` names (or on a table holding it)
/// silently discards the `--set`. A `--set` on a table whose field an axis varies is fine:
/// the axis applies on top of it, and its label is what ran.
pub fn check_axes(axes: &[Axis], sets: &[String]) -> Result<(), String> {
    let segs: Vec<Vec<String>> = axes.iter().map(|a| segments(&a.path)).collect();
    for i in 0..axes.len() {
        for j in i + 1..axes.len() {
            if covers(&segs[i], &segs[j]) || covers(&segs[j], &segs[i]) {
                let what = if segs[i] == segs[j] {
                    "name the same field"
                } else {
                    "overlap (one holds the other)"
                };
                return Err(format!(
                    "--vary {} and --vary {} {what}: the rows would be labelled with values they did not run; give each field one --vary",
                    axes[i].path, axes[j].path
                ));
            }
        }
    }
    for s in sets {
        let path = s.split_once('=').map_or(s.as_str(), |(p, _)| p).trim();
        let set = segments(path);
        if let Some(a) = axes
            .iter()
            .zip(&segs)
            .find(|(_, seg)| covers(seg, &set))
            .map(|(a, _)| a)
        {
            return Err(format!(
                "--set {path} and --vary {} name the same field: the varied values would replace the --set value; drop one of them",
                a.path
            ));
        }
    }
    Ok(())
}

/// A varied value in base units, for the numeric column beside its label: bytes for a size
/// (`5MiB` -> 5242880), seconds for a duration (`5m` -> 300), per second for a rate
/// (`3.5k/s` -> 3500), the number itself for a plain number. None for a value that is not
/// a number (`refuse`, `true`). The units' sets are disjoint (sizes say B/k/M/G/T/Ki..,
/// durations ns/us/ms/s/m/h/d, rates /s /m /h), so a value reads one way only, the way the
/// scenario field that accepts it reads it.
pub fn base_value(v: &str) -> Option<f64> {
    use crate::units::{ByteSize, Duration, Rate};
    let v = v.trim().trim_matches('"');
    if let Ok(x) = v.parse::<f64>() {
        return x.is_finite().then_some(x);
    }
    if !v.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-') {
        return None;
    }
    ByteSize::parse(v)
        .map(|b| b.0 as f64)
        .or_else(|_| Duration::parse(v).map(|d| d.as_secs_f64()))
        .or_else(|_| Rate::parse(v).map(|r| r.0))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(spec: &str) -> Vec<String> {
        parse_axis(&format!("x={spec}")).unwrap().values().collect()
    }

    #[test]
    fn lists_and_ranges() {
        assert_eq!(vals("15MiB,40MiB,80MiB"), ["15MiB", "40MiB", "80MiB"]);
        assert_eq!(
            vals("5MiB..20MiB/5MiB"),
            ["5MiB", "10MiB", "15MiB", "20MiB"]
        );
        assert_eq!(
            vals("1MiB..16MiB*2"),
            ["1MiB", "2MiB", "4MiB", "8MiB", "16MiB"]
        );
        assert_eq!(vals("1..100~3"), ["1", "10", "100"]);
        assert_eq!(vals("100/s..300/s/100/s"), ["100/s", "200/s", "300/s"]);
        assert_eq!(vals("0.5..1.5/0.5"), ["0.5", "1", "1.5"]);
        assert_eq!(vals("0.1..0.3/0.1"), ["0.1", "0.2", "0.3"]);
        assert_eq!(vals("-1..1/0.5"), ["-1", "-0.5", "0", "0.5", "1"]);
        assert_eq!(vals("1..10*3"), ["1", "3", "9"]);
        assert_eq!(vals("1.5s..2s/0.25s"), ["1.5s", "1.75s", "2s"]);
        // An end in another unit of the same kind bounds the range in the start's unit.
        assert_eq!(vals("5MiB..20MB/5MiB"), ["5MiB", "10MiB", "15MiB"]);
        assert_eq!(vals("256MiB..1GiB*2"), ["256MiB", "512MiB", "1024MiB"]);
        assert_eq!(vals("30s..2m/30s"), ["30s", "60s", "90s", "120s"]);
        assert_eq!(vals("1MiB..1GiB~11")[1], "2MiB");
        // The README's log range.
        let log = vals("1MiB..1GiB~10");
        assert_eq!(log.len(), 10);
        assert_eq!((log[0].as_str(), log[9].as_str()), ("1MiB", "1024MiB"));
        assert_eq!(log[1], "2.160119MiB");
        assert!(
            parse_values("5MiB..2m/5MiB").is_err(),
            "a size and a duration"
        );
        assert!(
            parse_values("5MiB..20MiB/1MB").is_err(),
            "the step in another unit"
        );
        assert!(parse_values("5MiB..20parsecs/5MiB").is_err());
        assert!(parse_values("5MiB..20MiB").is_err());
        assert!(parse_values("20MiB..5MiB/1MiB").is_err());
        assert!(parse_values("1MiB..2MiB/0MiB").is_err());
        // Values that would print alike are refused, not merged into one label.
        assert!(parse_values("1..2*1.0000001").is_err());
        assert!(parse_values("1..2~100000000").is_err());
    }

    /// Regression (issue 25, huge grids): a range's length was found by enumerating it, and
    /// anything over 100,000 values was an error; the grid was then built point by point.
    #[test]
    fn huge_ranges_are_counted_not_enumerated() {
        let a = parse_axis("x=1B..1000000000000B/1B").unwrap();
        assert_eq!(a.len(), 1_000_000_000_000);
        assert_eq!(a.value(999_999_999_999), "1000000000000B");
        let g = parse_axis("y=1..1000000000000000000*1.00001").unwrap();
        let n = g.len();
        assert!((4_100_000..4_200_000).contains(&n), "{n}");
        // The last value is within the range and the next would not be.
        let last: f64 = g.value(n - 1).parse().unwrap();
        assert!(last <= 1e18 && last * 1.00001 > 1e18, "{last}");
        let b = parse_axis("z=1..10/1").unwrap();
        assert_eq!(grid_len(&[a.clone(), b.clone()]), Some(10_000_000_000_000));
        assert_eq!(
            grid_len(&[a.clone(), a.clone()]),
            None,
            "overflow is caught"
        );
        assert_eq!(grid_len(&[]), Some(1));
    }

    #[test]
    fn grid_order_is_first_axis_slowest() {
        let a = parse_axis("a=1,2").unwrap();
        let b = parse_axis("b=x,y,z").unwrap();
        let axes = [a, b];
        assert_eq!(grid_len(&axes), Some(6));
        assert_eq!(point_values(&axes, 0), ["1", "x"]);
        assert_eq!(point_values(&axes, 1), ["1", "y"]);
        assert_eq!(point_values(&axes, 3), ["2", "x"]);
        assert_eq!(point_values(&axes, 5), ["2", "z"]);
        for p in 0..6 {
            assert_eq!(point_at(&axes, &point_index(&axes, p)), p);
        }
    }

    #[test]
    fn a_list_and_a_range_of_the_same_values_are_the_same_axis() {
        let a = parse_axis("x=5MiB,10MiB,15MiB").unwrap();
        let b = parse_axis("x=5MiB..15MiB/5MiB").unwrap();
        let c = parse_axis("x=5MiB..20MiB/5MiB").unwrap();
        assert!(a.same_values(&b));
        assert!(!a.same_values(&c));
    }

    /// Regression (issue 25): `--vary X=5MiB,15MiB --vary X=1MiB,2MiB` labelled rows "5MiB"
    /// that ran 1 MiB.
    #[test]
    fn the_same_field_varied_twice_is_refused() {
        let ax = |s: &[&str]| s.iter().map(|v| parse_axis(v).unwrap()).collect::<Vec<_>>();
        let e = check_axes(&ax(&["c.q=5MiB,15MiB", "c.q=1MiB,2MiB"]), &[]).unwrap_err();
        assert!(e.contains("same field"), "{e}");
        // Spelled two ways.
        let e = check_axes(&ax(&["s.o.0.mode=refuse,hang", "s.o[0].mode=hang"]), &[]);
        assert!(e.is_err());
        // A table and a field inside it.
        assert!(check_axes(&ax(&["s.o=[],[]", "s.o.0.mode=hang"]), &[]).is_err());
        // Different fields, even with a common prefix in their names.
        assert!(check_axes(&ax(&["c.q=1,2", "c.queue=1,2", "c.memory.limit=1"]), &[]).is_ok());
        // --set on the varied field would be replaced silently.
        let e = check_axes(&ax(&["c.q=1,2"]), &["c.q = 3".into()]).unwrap_err();
        assert!(e.contains("--set c.q"), "{e}");
        assert!(check_axes(&ax(&["s.o=[]"]), &["s.o[0].mode=hang".into()]).is_err());
        // A --set on a table holding the varied field is applied first: the axis is on top.
        assert!(check_axes(&ax(&["s.o.0.mode=hang"]), &["s.o=[{}]".into()]).is_ok());
    }

    #[test]
    fn base_values() {
        assert_eq!(base_value("5MiB"), Some(5_242_880.0));
        assert_eq!(base_value("15MB"), Some(15e6));
        assert_eq!(base_value("5m"), Some(300.0));
        assert_eq!(base_value("250ms"), Some(0.25));
        assert_eq!(base_value("3.5k/s"), Some(3500.0));
        assert_eq!(base_value("90/m"), Some(1.5));
        assert_eq!(base_value("0.5"), Some(0.5));
        assert_eq!(base_value("\"15MiB\""), Some(15_728_640.0));
        assert_eq!(base_value("refuse"), None);
        assert_eq!(base_value("true"), None);
        assert_eq!(base_value("inf"), None);
    }
}
