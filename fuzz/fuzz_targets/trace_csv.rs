//! A CSV query trace must parse, or be refused with an error naming the line; never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sushi_host::workload::trace::parse_csv("fuzz.csv", text);
    }
});
