//! What the bench's processes do with memory: the allocator's policy the children run
//! under, and what the kernel is asked for while they run (peak memory, page faults).
//!
//! A child repeats its workload, and glibc's default policy hands a large block back to the
//! kernel when it is freed: a block of 128 KiB or more is mapped on its own, and a free top
//! of the heap past the trim threshold is returned. A with-items dispatch of 10,000 items
//! writes a megabyte of requests at once, so from that size on every run had its pages
//! mapped afresh, a page fault per 4 KiB, while items-1000's 104 KiB were reused from the
//! heap. The table's growth from 1,000 to 10,000 then measured glibc's thresholds: 0.042
//! faults per action in the timed runs, 50–145 ns per action at items-10000 and
//! items-100000 on this host (session 17, `docs/performance.md`). A service that runs workflows one after another keeps its heap
//! (jemalloc and mimalloc retain freed pages; glibc can be told to), so the children run as
//! one: nothing mapped on its own, nothing trimmed. The floor runs under the same policy.
//! `--glibc-defaults` measures under glibc's own, and the table prints the faults per action
//! either way, so what the policy hides is shown.

use std::process::Command;

/// glibc tunables for a child that keeps what it frees: no block mapped on its own
/// (`mmap_max=0`), no heap top returned (a trim threshold no run reaches).
pub(crate) const RETAIN: &str = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1099511627776";

/// Make `child` keep its freed memory, unless the caller set glibc tunables of their own
/// (theirs are what they mean to measure).
pub(crate) fn retain(child: &mut Command) {
    if std::env::var_os("GLIBC_TUNABLES").is_none() {
        child.env("GLIBC_TUNABLES", RETAIN);
    }
}

/// Peak resident memory (`VmHWM`) and current (`VmRSS`) in bytes, from `/proc/self/status`.
pub(crate) fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kib| kib * 1024)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// Minor page faults this process has taken (Linux; `None` elsewhere).
pub(crate) fn minor_faults() -> Option<u64> {
    minflt_of(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// `minflt` of a `/proc/<pid>/stat` line: the seventh field after the command's closing
/// parenthesis (the command may itself hold spaces and parentheses, so the last one counts).
fn minflt_of(stat: &str) -> Option<u64> {
    let (_, fields) = stat.rsplit_once(')')?;
    fields.split_whitespace().nth(7)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minor_faults_are_read_after_the_command_whatever_it_holds() {
        let stat = "4242 (be (nch) x) S 1 4242 4242 0 -1 4194560 25122 0 3 0 11 4 0 0 20 0 1 0";
        assert_eq!(minflt_of(stat), Some(25_122));
        assert_eq!(minflt_of("4242 (bench) S 1"), None, "a line cut short has no count");
        assert_eq!(minflt_of("no parenthesis"), None);
    }

    #[test]
    fn a_child_keeps_its_memory_unless_tunables_were_given() {
        let mut child = Command::new("true");
        retain(&mut child);
        let set = child.get_envs().find(|(k, _)| *k == "GLIBC_TUNABLES").and_then(|(_, v)| v);
        match std::env::var_os("GLIBC_TUNABLES") {
            None => assert_eq!(set, Some(std::ffi::OsStr::new(RETAIN))),
            Some(_) => assert_eq!(set, None, "the caller's tunables are inherited, not replaced"),
        }
    }
}
