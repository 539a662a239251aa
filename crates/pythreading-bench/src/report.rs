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
#[derive(Clone, Debug)]
pub(crate) struct Measurement {
    pub(crate) group: String,
    pub(crate) case: String,
    /// `pythreading` or the anchor: `std`, `parking_lot`, `crossbeam`, `cpython`, ...
    pub(crate) imp: String,
    /// `None` when the implementation could not be measured here (e.g. no `python3`).
    pub(crate) value: Option<f64>,
    /// `items/s`, `ops/s`, `tasks/s` (higher is better) or `ns`, `us`, `s` (lower is better).
    pub(crate) unit: String,
    /// Why `value` is `None`, or a remark worth printing.
    pub(crate) note: Option<String>,
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
                println!("{}", to_json(row));
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

fn to_json(row: &Measurement) -> String {
    let mut obj = serde_json::json!({
        "group": row.group,
        "case": row.case,
        "impl": row.imp,
        "value": row.value,
        "unit": row.unit,
    });
    if let Some(note) = &row.note {
        obj["note"] = serde_json::Value::String(note.clone());
    }
    obj.to_string()
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
                (Some(o), Some(a)) if row.imp != "pythreading" && a > 0.0 => {
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
