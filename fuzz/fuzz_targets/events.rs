//! Driving `step` with arbitrary event sequences must never panic, and a refused event must
//! leave the state unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ostinato_tests::fuzzing::events(data));
