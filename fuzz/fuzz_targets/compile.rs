//! Compiling arbitrary bytes must never panic: every input is a workflow or a diagnostic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ostinato_core::compile(text);
    }
});
