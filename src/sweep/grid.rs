//! Sweep axes: `PATH=VALUES` where VALUES is a list (`15MiB,40MiB,80MiB`), a linear range
//! (`5MiB..100MiB/5MiB`), a geometric range (`1MiB..64MiB*2`) or N log-spaced points
//! (`1MiB..1GiB~10`). Range values keep the unit they were written in.

#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub path: String,
    pub values: Vec<String>,
}

const MAX_VALUES: usize = 100_000;

fn split_num(s: &str) -> Result<(f64, String), String> {
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (c == '-' && i == 0) || c == '_'))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (n, unit) = s.split_at(end);
    let v: f64 = n
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{s}` does not start with a number"))?;
    Ok((v, unit.trim().to_string()))
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

pub fn parse_values(spec: &str) -> Result<Vec<String>, String> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err("no values".into());
    }
    let Some((a, rest)) = spec.split_once("..") else {
        let v: Vec<String> = spec.split(',').map(|s| s.trim().to_string()).collect();
        if v.iter().any(|s| s.is_empty()) {
            return Err(format!("`{spec}` has an empty value"));
        }
        return Ok(v);
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
    let (va, ua) = split_num(a)?;
    let (vb, ub) = split_num(b)?;
    if ua != ub {
        return Err(format!(
            "range `{spec}`: `{a}` and `{b}` have different units"
        ));
    }
    if vb < va {
        return Err(format!("range `{spec}` goes down"));
    }
    let mut out = Vec::new();
    let tol = 1e-9 * vb.abs().max(1.0);
    match kind {
        '/' => {
            let (vs, us) = split_num(step)?;
            if us != ua {
                return Err(format!("range `{spec}`: the step's unit differs"));
            }
            if vs <= 0.0 {
                return Err(format!("range `{spec}`: the step must be positive"));
            }
            let n = ((vb - va) / vs + 1e-9).floor() as usize + 1;
            if n > MAX_VALUES {
                return Err(format!("range `{spec}` has more than {MAX_VALUES} values"));
            }
            for k in 0..n {
                out.push(va + k as f64 * vs);
            }
        }
        '*' => {
            let f: f64 = step
                .trim()
                .parse()
                .map_err(|_| format!("factor `{step}` is not a number"))?;
            if f <= 1.0 || va <= 0.0 {
                return Err(format!(
                    "range `{spec}`: needs a factor above 1 and a start above 0"
                ));
            }
            let mut v = va;
            while v <= vb + tol {
                out.push(v);
                v *= f;
                if out.len() > MAX_VALUES {
                    return Err(format!("range `{spec}` has more than {MAX_VALUES} values"));
                }
            }
        }
        _ => {
            let n: usize = step
                .trim()
                .parse()
                .map_err(|_| format!("point count `{step}` is not a whole number"))?;
            if !(2..=MAX_VALUES).contains(&n) || va <= 0.0 {
                return Err(format!(
                    "range `{spec}`: needs 2 or more points and a start above 0"
                ));
            }
            for k in 0..n {
                out.push(va * (vb / va).powf(k as f64 / (n - 1) as f64));
            }
        }
    }
    let mut vals: Vec<String> = out
        .into_iter()
        .map(|v| format!("{}{}", fmt_num(v), ua))
        .collect();
    vals.dedup();
    Ok(vals)
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
        values: parse_values(values).map_err(|e| format!("--vary {path}: {e}"))?,
    })
}

/// The cartesian product of the axes, first axis slowest.
pub fn grid(axes: &[Axis]) -> Vec<Vec<String>> {
    let mut points: Vec<Vec<String>> = vec![vec![]];
    for a in axes {
        let mut next = Vec::with_capacity(points.len() * a.values.len());
        for p in &points {
            for v in &a.values {
                let mut q = p.clone();
                q.push(v.clone());
                next.push(q);
            }
        }
        points = next;
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_ranges() {
        assert_eq!(
            parse_values("15MiB,40MiB,80MiB").unwrap(),
            ["15MiB", "40MiB", "80MiB"]
        );
        assert_eq!(
            parse_values("5MiB..20MiB/5MiB").unwrap(),
            ["5MiB", "10MiB", "15MiB", "20MiB"]
        );
        assert_eq!(
            parse_values("1MiB..16MiB*2").unwrap(),
            ["1MiB", "2MiB", "4MiB", "8MiB", "16MiB"]
        );
        assert_eq!(parse_values("1..100~3").unwrap(), ["1", "10", "100"]);
        assert_eq!(
            parse_values("100/s..300/s/100/s").unwrap(),
            ["100/s", "200/s", "300/s"]
        );
        assert_eq!(parse_values("0.5..1.5/0.5").unwrap(), ["0.5", "1", "1.5"]);
        assert!(parse_values("5MiB..20MB/5MiB").is_err());
        assert!(parse_values("5MiB..20MiB").is_err());
        assert!(parse_values("20MiB..5MiB/1MiB").is_err());
        assert!(parse_values("1..1000000000/1").is_err());
    }

    #[test]
    fn grid_order_is_first_axis_slowest() {
        let a = parse_axis("a=1,2").unwrap();
        let b = parse_axis("b=x,y,z").unwrap();
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[0], ["1", "x"]);
        assert_eq!(g[1], ["1", "y"]);
        assert_eq!(g[3], ["2", "x"]);
    }
}
