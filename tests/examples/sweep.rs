//! What this machine's memory charges for touching `B` bytes per branch at `N` branches,
//! with no engine in the way: the yardstick for the bench's growth column.
//!
//! A fan-out of N branches keeps a few hundred bytes per branch (its staged instance, its
//! run, its request, its record, its slots in the task-id maps) and each phase of the
//! lockstep round touches them all once, in order. At 10,000 branches they fit in this
//! machine's 4 MiB L2; at 100,000 they do not. This fills an array of `N` blocks of `B`
//! bytes in fresh memory, then updates it and reads it in order, and prints nanoseconds
//! per block for each pass, the least of five tries: the cost any engine pays for those
//! bytes, whatever it does with them.
//!
//! ```text
//! cargo run --release -p ostinato-tests --example sweep -- [BYTES...]
//! ```

use std::hint::black_box;
use std::time::Instant;

/// A block of `W` words: one branch's bytes.
type Block<const W: usize> = [u64; W];

/// Least nanoseconds per block for filling fresh memory with `n` blocks, for an update
/// pass over them and for a read pass.
fn sweep<const W: usize>(n: usize) -> [f64; 3] {
    let mut least = [f64::MAX; 3];
    for _ in 0..5 {
        // Fresh memory each try, as each bench run gets: the first pass pays the faults.
        let mut blocks: Vec<Block<W>> = Vec::with_capacity(n);
        let t0 = Instant::now();
        for i in 0..n {
            blocks.push([i as u64; W]);
        }
        black_box(&blocks);
        // A second write pass over memory already mapped: what a later phase pays.
        let t1 = Instant::now();
        for (i, b) in blocks.iter_mut().enumerate() {
            b[0] = b[W - 1].wrapping_add(i as u64);
        }
        black_box(&blocks);
        let t2 = Instant::now();
        let mut sum = 0u64;
        for b in &blocks {
            sum = sum.wrapping_add(b[0]).wrapping_add(b[W - 1]);
        }
        black_box(sum);
        let t3 = Instant::now();
        let per = |a: Instant, b: Instant| b.duration_since(a).as_nanos() as f64 / n as f64;
        // Filling pays the kernel's first touch of each page, as a dispatch's requests do;
        // the update reads and writes every block, as a report visits its branch.
        for (l, t) in least.iter_mut().zip([per(t0, t1), per(t1, t2), per(t2, t3)]) {
            *l = l.min(t);
        }
    }
    least
}

fn row<const W: usize>() {
    let bytes = W * 8;
    let cells: Vec<String> = [1_000, 10_000, 100_000]
        .iter()
        .map(|&n| {
            let [fill, update, read] = sweep::<W>(n);
            format!("{fill:>6.1} {update:>6.1} {read:>6.1}")
        })
        .collect();
    println!("{bytes:>6} B  {}", cells.join("   "));
}

fn main() {
    println!("ns per block (fill, update, read) at 1,000 / 10,000 / 100,000 blocks");
    println!("{:>8}  {:>20}   {:>20}   {:>20}", "block", "1,000", "10,000", "100,000");
    row::<8>();
    row::<16>();
    row::<32>();
    row::<64>();
    row::<96>();
}
