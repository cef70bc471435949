//! The bench's output: a table (or JSON lines), growth exponents, and the issue's goals
//! checked against what was measured.

use serde_json::Value;

/// The workloads the issue's "≥ 10,000× faster than Orquesta" goal names.
const ORQUESTA_GOAL: [&str; 3] = ["chain-300", "fanout-300", "loop-300"];

/// Rows as they come, with what the goals need.
pub(crate) struct Table {
    json: bool,
    orquesta: bool,
    rows: Vec<Value>,
}

fn num(row: &Value, key: &str) -> f64 {
    row.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn text<'a>(row: &'a Value, key: &str) -> &'a str {
    row.get(key).and_then(Value::as_str).unwrap_or("")
}

impl Table {
    pub(crate) fn new(json: bool, orquesta: bool) -> Self {
        if !json {
            print!(
                "{:<18} {:>9} {:>10} {:>10} {:>7} {:>10} {:>12} {:>7}",
                "workload", "actions", "ns/action", "total ms", "×floor", "peak KiB", "state bytes", "growth"
            );
            println!(
                "{}",
                if orquesta {
                    format!(" {:>14} {:>10}", "orquesta µs/a", "×faster")
                } else {
                    String::new()
                }
            );
        }
        Table { json, orquesta, rows: Vec::new() }
    }

    /// Growth exponent of total time against actions, from the previous size of the kind.
    fn growth(&self, row: &Value) -> Option<f64> {
        let prev = self.rows.last().filter(|p| text(p, "kind") == text(row, "kind"))?;
        let t = num(row, "total_ns") / num(prev, "total_ns");
        Some(t.ln() / (num(row, "actions") / num(prev, "actions")).ln())
    }

    pub(crate) fn row(&mut self, mut row: Value) {
        let growth = self.growth(&row);
        row["growth"] = growth.map_or(Value::Null, Value::from);
        let per = num(&row, "ns_per_action");
        row["floor_ratio"] = Value::from(per / num(&row, "floor_ns_per_action"));
        if self.orquesta {
            row["orquesta_ratio"] = Value::from(num(&row, "orquesta_us_per_action") * 1000.0 / per);
        }
        if self.json {
            println!("{row}");
        } else {
            let peak = row.get("peak_heap_bytes").and_then(Value::as_f64);
            print!(
                "{:<18} {:>9} {:>10.0} {:>10.2} {:>7.1} {:>10} {:>12} {:>7}",
                text(&row, "name"),
                num(&row, "actions"),
                per,
                num(&row, "total_ns") / 1e6,
                num(&row, "floor_ratio"),
                peak.map_or("?".into(), |p| format!("{:.0}", p / 1024.0)),
                num(&row, "state_bytes"),
                growth.map_or(String::new(), |g| format!("{g:.2}")),
            );
            if self.orquesta {
                print!(
                    " {:>14.0} {:>10.0}",
                    num(&row, "orquesta_us_per_action"),
                    num(&row, "orquesta_ratio")
                );
            }
            println!();
        }
        self.rows.push(row);
    }

    /// The issue's goals, against the rows measured (a goal with no row to judge is skipped).
    pub(crate) fn goals(&self) {
        if self.json || self.rows.is_empty() {
            return;
        }
        println!();
        for line in self.goal_lines() {
            println!("{line}");
        }
    }

    /// One line per goal that the rows measured can judge, each marked met or missed.
    fn goal_lines(&self) -> Vec<String> {
        let worst = |key: &str| self.rows.iter().map(|r| num(r, key)).fold(f64::NAN, f64::max);
        let mark = |ok: bool| if ok { "met " } else { "MISS" };
        let mut lines = Vec::new();
        let per = worst("ns_per_action");
        lines.push(format!(
            "{} ≤ 1,000 ns per action on every workload: worst {per:.0} ns",
            mark(per <= 1000.0)
        ));
        let large: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| num(r, "actions") > 1_500.0 && num(r, "actions") <= 150_000.0)
            .filter_map(|r| r.get("growth").and_then(Value::as_f64))
            .collect();
        if let Some(g) = large.iter().copied().reduce(f64::max) {
            lines.push(format!("{} growth ≤ 1.05 from 1,000 to 100,000: worst {g:.2}", mark(g <= 1.05)));
        }
        let ratio = worst("floor_ratio");
        lines.push(format!("{} within 5× of the floor: worst {ratio:.1}×", mark(ratio <= 5.0)));
        if let Some(r) = self.rows.iter().find(|r| text(r, "name") == "loop-1000000") {
            let bytes = num(r, "state_bytes");
            lines.push(format!("{} loop-1000000 state ≤ 4 KiB: {bytes:.0} bytes", mark(bytes <= 4096.0)));
        }
        // The issue sets this goal on three workloads; the ratio is printed for any row
        // measured beside Orquesta, and with-items (where Orquesta spends well under a
        // millisecond per action) is not held to it.
        let judged = self.rows.iter().filter(|r| ORQUESTA_GOAL.contains(&text(r, "name")));
        let least = judged.map(|r| num(r, "orquesta_ratio")).reduce(f64::min);
        if let (true, Some(least)) = (self.orquesta, least) {
            lines.push(format!(
                "{} ≥ 10,000× faster than Orquesta on {}: least {least:.0}×",
                mark(least >= 10_000.0),
                ORQUESTA_GOAL.join(", ")
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(name: &str, ratio: f64) -> Value {
        json!({"name": name, "actions": 300, "ns_per_action": 500.0, "floor_ratio": 2.0, "orquesta_ratio": ratio})
    }

    #[test]
    fn the_orquesta_goal_judges_the_three_workloads_the_issue_names() {
        let rows = vec![row("chain-300", 90_000.0), row("fanout-300", 60_000.0), row("items-300", 1_100.0)];
        let table = Table { json: true, orquesta: true, rows };
        let lines = table.goal_lines();
        let orquesta = lines.iter().find(|l| l.contains("Orquesta")).expect("a line for the goal");
        assert!(orquesta.starts_with("met "), "{orquesta}");
        assert!(orquesta.ends_with("least 60000×"), "items-300 is shown, not judged: {orquesta}");
        let mut slow = table;
        slow.rows.push(row("loop-300", 9_000.0));
        let lines = slow.goal_lines();
        assert!(lines.iter().any(|l| l.starts_with("MISS") && l.contains("least 9000×")), "{lines:?}");
    }
}
