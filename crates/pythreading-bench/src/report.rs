//! Measurements, repetition, and the table / JSON output shared by every group.

use std::time::{Duration, Instant};

/// Options every group receives.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Opts {
    /// Smaller workloads, fewer repetitions: a smoke run.
    pub(crate) quick: bool,
    /// The `queue` group runs its contention sweep (1 to 16 producer/consumer pairs) instead
    /// of its usual cases.
    pub(crate) scaling: bool,
}

impl Opts {
    /// `full` normally, `quick` under `--quick`.
    pub(crate) fn size(&self, full: u64, quick: u64) -> u64 {
        if self.quick { quick } else { full }
    }

    /// How many repetitions to take the median of.
    pub(crate) fn reps(&self) -> usize {
        if self.quick { 1 } else { 5 }
    }
}

/// One figure: what was measured, by which implementation, in which unit.
///
/// It is also one line of `--json` output and of the CPython scripts' output (`bench/python`),
/// read back with the same derive: `{"group", "case", "impl", "value", "unit"}` plus `"note"`
/// when there is one; `value` is `null` for an absent figure, and a row without `impl` is
/// CPython's.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Measurement {
    pub(crate) group: String,
    pub(crate) case: String,
    /// `pythreading` or the anchor: `std`, `parking_lot`, `crossbeam`, `cpython`, ...
    #[serde(rename = "impl", default = "cpython")]
    pub(crate) imp: String,
    /// `None` when the implementation could not be measured here (e.g. no `python3`).
    pub(crate) value: Option<f64>,
    /// `items/s`, `ops/s`, `tasks/s` (higher is better) or `ns`, `us`, `s` (lower is better).
    pub(crate) unit: String,
    /// Why `value` is `None`, or a remark worth printing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
}

fn cpython() -> String {
    "cpython".into()
}

impl Measurement {
    /// A measured figure.
    pub(crate) fn new(group: &str, case: &str, imp: &str, value: f64, unit: &str) -> Self {
        Measurement {
            group: group.into(),
            case: case.into(),
            imp: imp.into(),
            value: Some(value),
            unit: unit.into(),
            note: None,
        }
    }

    /// A figure that could not be taken here, with the reason.
    pub(crate) fn absent(group: &str, case: &str, imp: &str, unit: &str, why: &str) -> Self {
        Measurement {
            group: group.into(),
            case: case.into(),
            imp: imp.into(),
            value: None,
            unit: unit.into(),
            note: Some(why.into()),
        }
    }

    fn higher_is_better(&self) -> bool {
        self.unit.ends_with("/s")
    }

    /// The row as one JSON line.
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a Measurement always serializes")
    }

    /// A row from one JSON line (`None` for a line that is not one).
    pub(crate) fn from_json(line: &str) -> Option<Self> {
        serde_json::from_str(line).ok()
    }
}

/// Runs `f` `reps` times and returns the median wall time.
pub(crate) fn median_time(reps: usize, mut f: impl FnMut()) -> Duration {
    let mut samples: Vec<Duration> = (0..reps.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// Runs `f` `reps` times; each run reports its own figure (e.g. a time measured inside it).
/// Returns the median figure.
/// Takes `reps` samples of every implementation round-robin (A B A B …), so that a load spike on
/// this shared machine hits them all alike instead of one, and returns each one's median.
pub(crate) fn interleaved<const K: usize>(
    reps: usize,
    samplers: [&dyn Fn() -> f64; K],
) -> [f64; K] {
    let mut samples: [Vec<f64>; K] = std::array::from_fn(|_| Vec::with_capacity(reps));
    for _ in 0..reps.max(1) {
        for (sampler, out) in samplers.iter().zip(samples.iter_mut()) {
            out.push(sampler());
        }
    }
    samples.map(|mut s| {
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    })
}

pub(crate) fn median_of(reps: usize, mut f: impl FnMut() -> f64) -> f64 {
    let mut samples: Vec<f64> = (0..reps.max(1)).map(|_| f()).collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Items per second for `n` items done in `elapsed`.
pub(crate) fn rate(n: u64, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64().max(1e-12)
}

/// Collects rows and prints them, as a table per case or as JSON lines.
#[derive(Debug)]
pub(crate) struct Report {
    json: bool,
    rows: Vec<Measurement>,
}

impl Report {
    pub(crate) fn new(json: bool) -> Self {
        Report {
            json,
            rows: Vec::new(),
        }
    }

    /// Adds a group's rows; in JSON mode they are printed at once, so long runs stream.
    pub(crate) fn add(&mut self, rows: Vec<Measurement>) {
        if self.json {
            for row in &rows {
                println!("{}", row.to_json());
            }
        } else {
            print_table(&rows);
        }
        self.rows.extend(rows);
    }

    /// Ends the report.
    pub(crate) fn finish(self) {
        if !self.json {
            println!(
                "ratio = pythreading ÷ anchor: for rates (…/s) higher is better, for times lower is better."
            );
        }
    }
}

fn print_table(rows: &[Measurement]) {
    let mut cases: Vec<(&str, &str)> = Vec::new();
    for row in rows {
        let key = (row.group.as_str(), row.case.as_str());
        if !cases.contains(&key) {
            cases.push(key);
        }
    }
    for (group, case) in cases {
        println!("{group} / {case}");
        let in_case: Vec<&Measurement> = rows
            .iter()
            .filter(|r| r.group == group && r.case == case)
            .collect();
        let ours = in_case
            .iter()
            .find(|r| r.imp == "pythreading")
            .and_then(|r| r.value);
        for row in in_case {
            let value = match row.value {
                Some(v) => format_value(v),
                None => "absent".to_string(),
            };
            let ratio = match (ours, row.value) {
                // Our other forms (`pythreading_map`, ...) are not anchors: no ratio.
                (Some(o), Some(a)) if !row.imp.starts_with("pythreading") && a > 0.0 => {
                    let better = if row.higher_is_better() {
                        o >= a
                    } else {
                        o <= a
                    };
                    format!(
                        "ratio {:.2}x{}",
                        o / a,
                        if better { "" } else { " (anchor ahead)" }
                    )
                }
                _ => String::new(),
            };
            let note = row
                .note
                .as_deref()
                .map(|n| format!("  [{n}]"))
                .unwrap_or_default();
            println!(
                "  {:<14} {:>16} {:<8} {}{}",
                row.imp, value, row.unit, ratio, note
            );
        }
    }
}

fn format_value(v: f64) -> String {
    if v >= 1000.0 {
        let whole = v.round() as u64;
        let s = whole.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::Measurement;

    #[test]
    fn json_lines_keep_the_schema_and_read_back() {
        let row = Measurement::new("lock", "uncontended", "std", 7.5, "ns");
        let line = row.to_json();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["group"], "lock");
        assert_eq!(v["case"], "uncontended");
        assert_eq!(v["impl"], "std");
        assert_eq!(v["value"], 7.5);
        assert_eq!(v["unit"], "ns");
        assert!(
            v.get("note").is_none(),
            "no note key without a note: {line}"
        );
        assert_eq!(Measurement::from_json(&line), Some(row));

        let absent = Measurement::absent("queue", "spsc", "cpython", "items/s", "no python3");
        let v: serde_json::Value = serde_json::from_str(&absent.to_json()).unwrap();
        assert!(v["value"].is_null());
        assert_eq!(v["note"], "no python3");
        assert_eq!(Measurement::from_json(&absent.to_json()), Some(absent));
    }

    #[test]
    fn a_script_row_without_impl_is_cpython() {
        let row = Measurement::from_json(
            r#"{"group": "lock", "case": "c", "value": 178.0, "unit": "ns", "extra": 1}"#,
        )
        .unwrap();
        assert_eq!(row.imp, "cpython");
        assert_eq!(row.value, Some(178.0));
        assert_eq!(Measurement::from_json("not json"), None);
        assert_eq!(Measurement::from_json(r#"{"group": "lock"}"#), None);
    }
}
