//! A hw config (TOML) must parse and validate, or be refused with an error; never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(config) = sushi_hw::HwConfig::from_toml_str("fuzz", "fuzz.toml", text) {
            // A config that validates must also derive its numbers without panicking.
            let _ = config.derived();
        }
    }
});
