//! `--instructions`: instructions per action, counted by callgrind, in place of time.
//!
//! On a shared host wall-clock rows move by 10–50% from one table to the next (session 13's
//! host ran 1.2–2× slow for hours), while the instructions one binary runs on one workload
//! do not move at all, so a change is judged by them first (`docs/performance.md`). Each
//! workload runs in a child under `valgrind --tool=callgrind` that counts only
//! `drive_state`: the driver's loop and the core it steps, not compilation or the floor.
//! With `OSTINATO_BENCH_SAMPLE_NS=0` and `--runs 1` the child calls it exactly three times
//! (the run whose state it measures, a warm-up, one sample), so the count divides by three
//! runs of the workload's actions.

use std::path::Path;
use std::process::Command;

use ostinato_tests::workloads::Workload;
use serde_json::json;

/// How many times the child drives the workload under the count (see the module's doc).
const DRIVES: u64 = 3;

/// The largest default size counted when no workload is named: a workload of 100,000
/// actions takes about a minute under valgrind, and the count is flat in size from 1,000 up
/// (the history).
pub(crate) const LARGEST: u64 = 10_000;

/// The number callgrind prints as `Collected : N` (the events counted, here instructions).
pub(crate) fn collected(stderr: &str) -> Option<u64> {
    stderr.lines().find_map(|line| {
        let (_, after) = line.split_once("Collected :")?;
        after.split_whitespace().next()?.parse().ok()
    })
}

/// Instructions per action of `w`, counted in a child of `exe` under callgrind.
pub(crate) fn count(exe: &Path, w: &Workload) -> Result<f64, String> {
    let out_file = std::env::temp_dir().join(format!("ostinato-bench-{}.callgrind", std::process::id()));
    let out = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--toggle-collect=*drive_state*")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(exe)
        .args(["--child", &w.name, "--runs", "1"])
        .env("OSTINATO_BENCH_SAMPLE_NS", "0")
        .output()
        .map_err(|e| format!("valgrind could not start ({e}): --instructions needs valgrind on PATH"))?;
    // The profile itself is not read: the total is on stderr.
    let _ = std::fs::remove_file(&out_file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("{}: the child under valgrind failed: {}", w.name, stderr.trim()));
    }
    let n = collected(&stderr).ok_or_else(|| format!("{}: no `Collected :` line from callgrind", w.name))?;
    Ok(n as f64 / (DRIVES * w.actions.max(1)) as f64)
}

/// The table (or JSON lines) of instructions per action, with each row's growth exponent
/// against the previous size of its kind.
pub(crate) fn print(json: bool, rows: &[(&Workload, f64)]) {
    if !json {
        println!("{:<18} {:>9} {:>14} {:>7}", "workload", "actions", "instr/action", "growth");
    }
    let mut prev: Option<(&Workload, f64)> = None;
    for &(w, per) in rows {
        let growth = prev.filter(|(p, _)| p.kind == w.kind).map(|(p, p_per)| {
            let total = |a: u64, per: f64| a as f64 * per;
            (total(w.actions, per) / total(p.actions, p_per)).ln()
                / (w.actions as f64 / p.actions as f64).ln()
        });
        if json {
            println!(
                "{}",
                json!({"name": w.name, "actions": w.actions, "instructions_per_action": per, "growth": growth})
            );
        } else {
            let g = growth.map_or(String::new(), |g| format!("{g:.3}"));
            println!("{:<18} {:>9} {:>14.0} {:>7}", w.name, w.actions, per, g);
        }
        prev = Some((w, per));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_is_read_from_callgrinds_summary_line() {
        let stderr = "==41== Callgrind, a call-graph generating cache profiler\n\
                      ==41== Events    : Ir\n==41== Collected : 19410079\n==41==\n==41== I   refs:      19,410,079\n";
        assert_eq!(collected(stderr), Some(19_410_079));
        assert_eq!(collected("==41== I   refs:      19,410,079\n"), None, "no summary line, no count");
    }
}
