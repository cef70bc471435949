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
                "{:<18} {:>9} {:>10} {:>10} {:>7} {:>10} {:>12} {:>7} {:>7} {:>7}",
                "workload",
                "actions",
                "ns/action",
                "total ms",
                "×floor",
                "peak KiB",
                "state bytes",
                "growth",
                "floor g",
                "faults"
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

    /// Growth exponent of total time against actions, from the previous size of the kind:
    /// the engine's (`total_ns`), or the floor's on the same workloads (its time per action
    /// times the actions). The floor's is what the machine charges for the same bookkeeping
    /// at the larger size (caches, the allocator), so the two side by side tell the
    /// engine's own growth from the machine's.
    fn growth(&self, row: &Value, total: fn(&Value) -> f64) -> Option<f64> {
        let prev = self.rows.last().filter(|p| text(p, "kind") == text(row, "kind"))?;
        let t = total(row) / total(prev);
        Some(t.ln() / (num(row, "actions") / num(prev, "actions")).ln())
    }

    pub(crate) fn row(&mut self, mut row: Value) {
        let growth = self.growth(&row, |r| num(r, "total_ns"));
        row["growth"] = growth.map_or(Value::Null, Value::from);
        // A row without a floor (NaN) has no floor growth to print or write.
        let floor_growth = self
            .growth(&row, |r| num(r, "floor_ns_per_action") * num(r, "actions"))
            .filter(|g| g.is_finite());
        row["floor_growth"] = floor_growth.map_or(Value::Null, Value::from);
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
                "{:<18} {:>9} {:>10.0} {:>10.2} {:>7.1} {:>10} {:>12} {:>7} {:>7} {:>7}",
                text(&row, "name"),
                num(&row, "actions"),
                per,
                num(&row, "total_ns") / 1e6,
                num(&row, "floor_ratio"),
                peak.map_or("?".into(), |p| format!("{:.0}", p / 1024.0)),
                num(&row, "state_bytes"),
                growth.map_or(String::new(), |g| format!("{g:.2}")),
                floor_growth.map_or(String::new(), |g| format!("{g:.2}")),
                row.get("faults_per_action")
                    .and_then(Value::as_f64)
                    .map_or("?".into(), |f| format!("{f:.3}")),
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
        let steepest = self
            .rows
            .iter()
            .filter(|r| num(r, "actions") > 1_500.0 && num(r, "actions") <= 150_000.0)
            .filter_map(|r| Some((r, r.get("growth").and_then(Value::as_f64)?)))
            .reduce(|a, b| if b.1 > a.1 { b } else { a });
        if let Some((r, g)) = steepest {
            let floor = r.get("floor_growth").and_then(Value::as_f64);
            let floor = floor.map_or(String::new(), |f| format!(", the floor's there {f:.2}"));
            lines.push(format!(
                "{} growth ≤ 1.05 from 1,000 to 100,000: worst {g:.2} ({}{floor})",
                mark(g <= 1.05),
                text(r, "name")
            ));
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

    #[test]
    fn the_growth_goal_names_the_steepest_row_and_the_floors_growth_there() {
        let mut table = Table { json: true, orquesta: false, rows: Vec::new() };
        // From 10,000 to 100,000 actions the engine's total time grows 12× (exponent 1.08)
        // and the floor's time per action doubles (its total 20×, exponent 1.30).
        for (name, actions, total, floor) in [
            ("fanout-1000", 1_000.0, 1e6, 100.0),
            ("fanout-10000", 10_000.0, 1e7, 100.0),
            ("fanout-100000", 100_000.0, 1.2e8, 200.0),
        ] {
            table.row(json!({"name": name, "kind": "fanout", "actions": actions, "total_ns": total,
                "ns_per_action": total / actions, "floor_ns_per_action": floor}));
        }
        let growth = |i: usize, key: &str| table.rows[i].get(key).and_then(Value::as_f64);
        assert_eq!(growth(0, "growth"), None, "the first size of a kind has nothing to grow from");
        assert!(growth(1, "growth").is_some_and(|g| (g - 1.0).abs() < 1e-9));
        assert!(growth(2, "growth").is_some_and(|g| (g - 1.2f64.log10() - 1.0).abs() < 1e-9));
        assert!(growth(2, "floor_growth").is_some_and(|g| (g - 2f64.log10() - 1.0).abs() < 1e-9));
        let lines = table.goal_lines();
        let line = lines.iter().find(|l| l.contains("growth")).expect("a line for the goal");
        assert_eq!(
            line,
            "MISS growth ≤ 1.05 from 1,000 to 100,000: worst 1.08 (fanout-100000, the floor's there 1.30)"
        );
    }
}
