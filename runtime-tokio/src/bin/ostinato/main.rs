//! `ostinato`: the command-line tool.
//!
//! Exit codes: 0 success; 1 a workflow failed or was canceled; 2 invalid workflow,
//! unreadable file or bad arguments.

/// `println!` that ends the process quietly once stdout is closed (`ostinato validate F |
/// head`), where `println!` would panic with a broken pipe.
macro_rules! out {
    () => { out!("") };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = writeln!(stdout, $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

mod graph;
mod replay;
mod run;
mod validate;
mod verify;

use std::process::ExitCode;

const USAGE: &str = "\
usage: ostinato <command> [arguments]

commands:
  run FILE [--input name=value ...] [--input-file F] [--journal J] [--start TASK ...]
                     run a workflow; progress on stderr, status and output as JSON
                     on stdout; exit 0 succeeded, 1 failed or canceled, 2 invalid;
                     --journal records every event so the run can be resumed;
                     --start starts at named tasks (a workflow made of a cycle)
  resume JOURNAL     rebuild a crashed run from its journal and finish it
  replay JOURNAL     print a recorded run as a timeline
  graph FILE [--format dot|mermaid]
                     print the transition graph: conditions on edges, joins, loops
                     and entry points marked
  simulate FILE [--runs N] [--seed S] [--model MODEL.yaml] [--max-iterations N]
                     run the workflow many times in virtual time against an outcome
                     model; print endings (with a seed for each), iterations per task,
                     durations and runs stopped by cycle protection
  check FILE [--outcomes succeeded,failed] [--max-states N] [--max-iterations N]
                     explore every order in which running tasks can finish; report
                     races, deadlocks, unsatisfiable joins and endless loops, each with
                     the reports that reproduce it; exit 1 when anything is found
  validate FILE...   inspect workflow files; print every problem as
                     file:line:column: category: path: message, with a hint

options:
  -h, --help         show this help
  -V, --version      show the version";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("validate") => validate::run(&args[1..]),
        Some("run") => run::main(&args[1..]),
        Some("graph") => graph::main(&args[1..]),
        Some("resume") => run::resume_main(&args[1..]),
        Some("replay") => replay::main(&args[1..]),
        Some("simulate") => verify::simulate_main(&args[1..]),
        Some("check") => verify::check_main(&args[1..]),
        Some("-h" | "--help" | "help") => {
            out!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            out!("ostinato {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("ostinato: unknown command `{other}`; run `ostinato --help` for the commands");
            ExitCode::from(2)
        }
        None => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
