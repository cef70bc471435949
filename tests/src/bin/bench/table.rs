//! The bench's output: a table (or JSON lines), growth exponents, and the goals
//! checked against what was measured.

use serde_json::Value;

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

    /// The goals, against the rows measured (a goal with no row to judge is skipped).
    pub(crate) fn goals(&self) {
        if self.json || self.rows.is_empty() {
            return;
        }
        let worst = |key: &str| self.rows.iter().map(|r| num(r, key)).fold(f64::NAN, f64::max);
        let mark = |ok: bool| if ok { "met " } else { "MISS" };
        println!();
        let per = worst("ns_per_action");
        println!("{} ≤ 1,000 ns per action on every workload: worst {per:.0} ns", mark(per <= 1000.0));
        let large: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| num(r, "actions") > 1_500.0 && num(r, "actions") <= 150_000.0)
            .filter_map(|r| r.get("growth").and_then(Value::as_f64))
            .collect();
        if let Some(g) = large.iter().copied().reduce(f64::max) {
            println!("{} growth ≤ 1.05 from 1,000 to 100,000: worst {g:.2}", mark(g <= 1.05));
        }
        let ratio = worst("floor_ratio");
        println!("{} within 5× of the floor: worst {ratio:.1}×", mark(ratio <= 5.0));
        if let Some(r) = self.rows.iter().find(|r| text(r, "name") == "loop-1000000") {
            let bytes = num(r, "state_bytes");
            println!("{} loop-1000000 state ≤ 4 KiB: {bytes:.0} bytes", mark(bytes <= 4096.0));
        }
        if self.orquesta {
            let least = self.rows.iter().map(|r| num(r, "orquesta_ratio")).fold(f64::INFINITY, f64::min);
            println!("{} ≥ 10,000× faster than Orquesta: least {least:.0}×", mark(least >= 10_000.0));
        }
    }
}
