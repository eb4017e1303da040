//! An Azure Functions invocation-count file must parse, or be refused; never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sushi_host::workload::azure::parse("fuzz.csv", text);
    }
});
