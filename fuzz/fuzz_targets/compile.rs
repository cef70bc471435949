//! Compiling arbitrary bytes must never panic: every input is a workflow or a diagnostic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ostinato_tests::fuzzing::compile_bytes(data));
