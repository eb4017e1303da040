//! Config parsing is strict and validation names the file and the key.

use sushi_hw::{ConfigError, DEFAULT_CONFIG, HwConfig};

fn builtin_text(name: &str) -> String {
    let path = format!("{}/configs/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).expect("built-in config exists")
}

fn parse(text: &str) -> Result<HwConfig, ConfigError> {
    HwConfig::from_toml_str("probe", "probe.toml", text)
}

#[test]
fn every_builtin_config_validates_and_the_default_is_one_of_them() {
    let names = HwConfig::builtin_names();
    assert!(names.contains(&DEFAULT_CONFIG));
    for required in ["tiny", "zynq7020", "tangnano9k"] {
        assert!(
            names.contains(&required),
            "missing built-in config {required}"
        );
    }
    for name in names {
        let cfg = HwConfig::builtin(name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.name, name);
    }
}

#[test]
fn unknown_name_lists_the_known_ones() {
    let err = HwConfig::load("zynq9999").unwrap_err().to_string();
    assert!(err.contains("unknown hw config `zynq9999`"), "{err}");
    assert!(err.contains("tiny") && err.contains("zynq7020"), "{err}");
}

#[test]
fn unknown_key_is_an_error_naming_file_key_and_line() {
    let text = builtin_text("tiny").replace("[clock]\n", "[clock]\nfreq_ghz = 1\n");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.starts_with("probe.toml:"), "{err}");
    assert!(err.contains("unknown field `freq_ghz`"), "{err}");
    assert!(err.contains("line"), "{err}");
}

#[test]
fn missing_key_is_an_error_naming_the_key() {
    let text = builtin_text("tiny").replace("pb_bytes = 65536\n", "");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.contains("missing field `pb_bytes`"), "{err}");
}

#[test]
fn malformed_toml_is_an_error_with_a_line() {
    let err = parse("[clock\nfreq_mhz = 100").unwrap_err().to_string();
    assert!(
        err.starts_with("probe.toml:") && err.contains("line 1"),
        "{err}"
    );
}

#[test]
fn wrong_type_is_an_error_naming_the_key() {
    let text = builtin_text("tiny").replace("freq_mhz = 100", "freq_mhz = \"fast\"");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.contains("freq_mhz"), "{err}");
}

fn invalid_field(text: &str) -> String {
    match parse(text) {
        Err(ConfigError::Invalid { field, .. }) => field,
        other => panic!("expected a cross-field error, got {other:?}"),
    }
}

#[test]
fn cross_field_rules_name_the_offending_key() {
    let tiny = builtin_text("tiny");
    let cases = [
        ("data_bytes = 4", "data_bytes = 6", "axi.data_bytes"),
        (
            "max_burst_beats = 8",
            "max_burst_beats = 12",
            "axi.max_burst_beats",
        ),
        (
            "max_burst_beats = 8",
            "max_burst_beats = 2048",
            "axi.max_burst_beats",
        ),
        (
            "max_outstanding_reads = 2",
            "max_outstanding_reads = 0",
            "axi.max_outstanding_reads",
        ),
        ("addr_bits = 32", "addr_bits = 64", "axi.addr_bits"),
        ("bytes = 4194304", "bytes = 4000000", "dram.bytes"),
        ("pb_bytes = 65536", "pb_bytes = 65534", "buffers.pb_bytes"),
        ("pb_bytes = 65536", "pb_bytes = 100000000", "buffers"),
        ("rows = 4", "rows = 200", "array.rows"),
        ("rows = 4", "rows = 5", "array.rows"),
        ("rows = 4", "rows = 12", "array.rows"),
        (
            "max_burst_beats = 8",
            "max_burst_beats = 4",
            "axi.max_burst_beats",
        ),
        (
            "epilogue_entries = 256",
            "epilogue_entries = 2",
            "buffers.epilogue_entries",
        ),
        (
            "synth_family = \"xc7\"",
            "synth_family = \"asic\"",
            "device.synth_family",
        ),
        (
            "bandwidth_mbytes_per_s = 1575",
            "bandwidth_mbytes_per_s = 0",
            "dram.bandwidth_mbytes_per_s",
        ),
        (
            "energy_pj_per_byte = 2.5",
            "energy_pj_per_byte = 500.0",
            "sram.energy_pj_per_byte",
        ),
    ];
    for (from, to, field) in cases {
        assert!(tiny.contains(from), "fixture drifted: {from}");
        let text = tiny.replacen(from, to, 1);
        assert_eq!(invalid_field(&text), field, "{from} -> {to}");
    }
}

#[test]
fn an_invalid_config_error_says_how_to_fix_it() {
    let text = builtin_text("tiny").replace("data_bytes = 4", "data_bytes = 6");
    let err = parse(&text).unwrap_err().to_string();
    assert_eq!(err, "probe.toml: `axi.data_bytes` is 6; use 4, 8 or 16");
}

#[test]
fn config_hash_depends_on_rtl_parameters_only() {
    let tiny = builtin_text("tiny");
    let base = parse(&tiny).expect("tiny parses").derived().config_hash;
    // A memory timing number does not change the hardware, so the hash stays.
    let slower = parse(&tiny.replace("read_latency_cycles = 24", "read_latency_cycles = 40"))
        .expect("valid");
    assert_eq!(slower.derived().config_hash, base);
    // A bus parameter does change it.
    let wider = parse(&tiny.replace("data_bytes = 4", "data_bytes = 8")).expect("valid");
    assert_ne!(wider.derived().config_hash, base);
}

#[test]
fn derived_values_follow_from_the_config() {
    let z = HwConfig::builtin("zynq7020").expect("valid");
    let d = z.derived();
    assert_eq!(d.peak_macs_per_cycle, 128);
    assert_eq!(d.burst_bytes, 128);
    assert!((d.dram_bytes_per_cycle - 15.75).abs() < 1e-9);
    assert!((d.cycles_to_us(1000) - 10.0).abs() < 1e-9);
    let names: Vec<_> = d.rtl_params.iter().map(|p| p.name).collect();
    assert_eq!(names.last(), Some(&"ConfigHash"));
}

#[test]
fn a_config_file_path_loads_like_a_name() {
    let path = format!("{}/configs/tiny.toml", env!("CARGO_MANIFEST_DIR"));
    let by_path = HwConfig::load(&path).expect("loads");
    let by_name = HwConfig::builtin("tiny").expect("loads");
    assert_eq!(by_path.spec, by_name.spec);
    let err = HwConfig::load("/nonexistent/x.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot read hw config /nonexistent/x.toml"),
        "{err}"
    );
}
