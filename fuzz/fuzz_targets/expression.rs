//! Parsing and evaluating arbitrary expressions must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ostinato_tests::fuzzing::expression(data));
