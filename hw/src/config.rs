//! Named hardware configs: the TOML schema, strict parsing and cross-field validation.
//!
//! A config is the only place hardware numbers are written by hand. Parsing is strict: an unknown
//! or a missing key is an error naming the file and the key. A [`HwConfig`] that exists has passed
//! [`HwConfig::validate`], so the rest of the toolkit never re-checks its fields.
//!
//! This module depends on no other in the crate: validation reads raw fields only, so it can run
//! before anything is derived. The few products and sums both validation and
//! [`crate::derived`] need are methods of the sections here ([`ArraySpec::macs`],
//! [`AxiSpec::burst_bytes`], [`BufferSpec::onchip_bytes`]): one formula each.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

include!(concat!(env!("OUT_DIR"), "/builtin_configs.rs"));

/// The config used when none is named. See README.md ("Hardware configs") for why.
pub const DEFAULT_CONFIG: &str = "zynq7020";

/// A validated hardware configuration (one `hw/configs/<name>.toml`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HwConfig {
    /// Config name: the file stem for built-in configs.
    pub name: String,
    /// Where the config was read from (for error messages).
    pub source: String,
    /// The parsed values.
    pub spec: HwSpec,
}

/// The TOML schema of a config file. Every key is required; unknown keys are rejected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HwSpec {
    /// The FPGA device and board the config targets.
    pub device: DeviceSpec,
    /// Accelerator clock.
    pub clock: ClockSpec,
    /// The int8 multiply-accumulate array.
    pub array: ArraySpec,
    /// On-chip buffers.
    pub buffers: BufferSpec,
    /// The accelerator's AXI4 master port.
    pub axi: AxiSpec,
    /// External memory behind the AXI port.
    pub dram: DramSpec,
    /// On-chip SRAM energy.
    pub sram: SramSpec,
}

/// The FPGA device a config targets and its resources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    /// One line saying what the config models.
    pub description: String,
    /// Board name, for humans.
    pub board: String,
    /// Vendor part number.
    pub fpga_part: String,
    /// Yosys synthesis family: `xc7`, `xcup` (UltraScale+), `gowin`, `ice40`, `ecp5` or `generic`.
    pub synth_family: String,
    /// Logic cells (LUTs) on the device.
    pub luts: u32,
    /// Flip-flops on the device.
    pub ffs: u32,
    /// DSP (hard multiplier) blocks on the device.
    pub dsps: u32,
    /// Block RAM on the device, in bytes.
    pub bram_bytes: u64,
}

/// Accelerator clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSpec {
    /// Accelerator clock frequency in MHz; cycles convert to time with it.
    pub freq_mhz: u32,
}

/// The MAC array shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArraySpec {
    /// Output channels computed in parallel.
    pub rows: u32,
    /// Input channels reduced per cycle per row.
    pub cols: u32,
}

impl ArraySpec {
    /// MACs the array completes per cycle: `rows x cols`.
    pub fn macs(&self) -> u64 {
        u64::from(self.rows) * u64::from(self.cols)
    }
}

/// On-chip buffer sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BufferSpec {
    /// Activation buffer (feature maps kept on chip between layers), bytes.
    pub activation_bytes: u64,
    /// Weight staging buffer (double-buffered weight tiles streamed from DRAM), bytes.
    pub weight_staging_bytes: u64,
    /// Persistent Buffer: the SubGraph cache that stays on chip across queries, bytes.
    pub pb_bytes: u64,
    /// Output channels whose epilogue parameters (bias, multiplier, shift) fit on chip at once.
    pub epilogue_entries: u32,
}

impl BufferSpec {
    /// On-chip buffer bytes in total: activation + weight staging + PB.
    pub fn onchip_bytes(&self) -> u64 {
        self.activation_bytes + self.weight_staging_bytes + self.pb_bytes
    }
}

/// The accelerator's AXI4 master port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxiSpec {
    /// Address width in bits (the register map holds 32-bit addresses).
    pub addr_bits: u32,
    /// Data width in bytes (4, 8 or 16).
    pub data_bytes: u32,
    /// Longest burst the accelerator issues, in beats (a power of two).
    pub max_burst_beats: u32,
    /// Read bursts the accelerator keeps outstanding.
    pub max_outstanding_reads: u32,
    /// Write bursts the accelerator keeps outstanding.
    pub max_outstanding_writes: u32,
}

impl AxiSpec {
    /// Bytes in the longest burst: `max_burst_beats x data_bytes`. Validation calls it only once
    /// both factors are in range, so the product fits.
    pub fn burst_bytes(&self) -> u32 {
        self.max_burst_beats * self.data_bytes
    }
}

/// External memory as seen from the accelerator's AXI port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DramSpec {
    /// What the numbers model, for humans.
    pub kind: String,
    /// Size of the DMA-visible memory region modelled in simulation, bytes.
    pub bytes: u64,
    /// Accelerator cycles from read-address acceptance to the first data beat.
    pub read_latency_cycles: u32,
    /// Accelerator cycles from the last write beat to the write response.
    pub write_latency_cycles: u32,
    /// Sustained bandwidth shared by reads and writes, MB/s (10^6 bytes per second).
    pub bandwidth_mbytes_per_s: u32,
    /// Read bursts the memory side accepts before it stops accepting addresses.
    pub read_acceptance: u32,
    /// Write bursts the memory side accepts before it stops accepting addresses.
    pub write_acceptance: u32,
    /// Energy per byte moved to or from the external memory, picojoules.
    pub energy_pj_per_byte: f64,
}

/// On-chip SRAM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SramSpec {
    /// Energy per byte read from or written to on-chip SRAM, picojoules.
    pub energy_pj_per_byte: f64,
}

/// Why a config could not be loaded. Each variant names the file; `Invalid` also names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No built-in config has this name and it is not a path to a file.
    #[error(
        "unknown hw config `{name}`: the built-in configs are {known}; or pass a path to a .toml file (see hw/configs/)"
    )]
    UnknownName {
        /// The name asked for.
        name: String,
        /// Comma-separated built-in names.
        known: String,
    },
    /// The file could not be read.
    #[error("cannot read hw config {path}: {source}")]
    Io {
        /// The path tried.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed, or a key is unknown, missing or of the wrong type.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message: line, column and key.
        message: String,
    },
    /// The values break a rule.
    #[error("{path}: `{field}` {message}")]
    Invalid {
        /// The file.
        path: String,
        /// Dotted key path, e.g. `axi.data_bytes`.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl HwConfig {
    /// Names of the built-in configs (the files in `hw/configs/`), sorted.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _, _)| *n).collect()
    }

    /// Loads a built-in config by name.
    pub fn builtin(name: &str) -> Result<Self, ConfigError> {
        match BUILTIN.iter().find(|(n, _, _)| *n == name) {
            Some((name, file, text)) => Self::from_toml_str(name, file, text),
            None => Err(ConfigError::UnknownName {
                name: name.to_string(),
                known: Self::builtin_names().join(", "),
            }),
        }
    }

    /// Loads the default config ([`DEFAULT_CONFIG`]).
    pub fn default_config() -> Self {
        // Invariant: every built-in config validates (tested in tests/configs.rs).
        Self::builtin(DEFAULT_CONFIG).expect("the default config is valid")
    }

    /// Loads a config given as a built-in name or as a path to a `.toml` file.
    pub fn load(name_or_path: &str) -> Result<Self, ConfigError> {
        let looks_like_path = name_or_path.ends_with(".toml") || name_or_path.contains('/');
        if !looks_like_path {
            return Self::builtin(name_or_path);
        }
        let path = Path::new(name_or_path);
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::from_toml_str(&name, name_or_path, &text)
    }

    /// Parses and validates TOML text; `source` names the file in errors.
    pub fn from_toml_str(name: &str, source: &str, text: &str) -> Result<Self, ConfigError> {
        let spec: HwSpec = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: source.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let cfg = HwConfig {
            name: name.to_string(),
            source: source.to_string(),
            spec,
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every cross-field rule; the first broken rule is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let s = &self.spec;
        let bad = |field: &str, message: String| ConfigError::Invalid {
            path: self.source.clone(),
            field: field.to_string(),
            message,
        };
        let pow2 = |v: u64| v != 0 && v.is_power_of_two();

        if !valid_name(&self.name) {
            return Err(bad(
                "name",
                format!(
                    "(the file name `{}`) must be lower-case letters, digits and `_`, starting with a letter, because it names generated files and Verilog models",
                    self.name
                ),
            ));
        }
        const FAMILIES: &[&str] = &["xc7", "xcup", "gowin", "ice40", "ecp5", "generic"];
        if !FAMILIES.contains(&s.device.synth_family.as_str()) {
            return Err(bad(
                "device.synth_family",
                format!(
                    "is `{}`; use one of {}",
                    s.device.synth_family,
                    FAMILIES.join(", ")
                ),
            ));
        }
        if !(1..=1000).contains(&s.clock.freq_mhz) {
            return Err(bad(
                "clock.freq_mhz",
                format!("is {}; use 1..=1000", s.clock.freq_mhz),
            ));
        }
        if s.array.rows == 0 || s.array.cols == 0 {
            return Err(bad(
                "array.rows",
                "and `array.cols` must both be at least 1".into(),
            ));
        }
        let macs = s.array.macs();
        if macs > u64::from(s.device.dsps) {
            return Err(bad(
                "array.rows",
                format!(
                    "x `array.cols` = {macs} MACs, but `device.dsps` is {}: the array needs one DSP per MAC; shrink the array",
                    s.device.dsps
                ),
            ));
        }
        if !s.array.rows.is_power_of_two()
            || !s.array.cols.is_power_of_two()
            || s.array.cols < 2
            || s.array.rows > 64
        {
            return Err(bad(
                "array.rows",
                format!(
                    "and `array.cols` must be powers of two with 2 <= cols and rows <= 64 (they are {} x {})",
                    s.array.rows, s.array.cols
                ),
            ));
        }
        if !s.array.rows.is_multiple_of(s.array.cols) {
            return Err(bad(
                "array.rows",
                format!(
                    "({}) must be a multiple of `array.cols` ({}): an output group of rows is written as whole channel vectors",
                    s.array.rows, s.array.cols
                ),
            ));
        }
        if s.buffers.epilogue_entries < s.array.rows || s.buffers.epilogue_entries > 65536 {
            return Err(bad(
                "buffers.epilogue_entries",
                format!(
                    "is {}; use `array.rows` ({}) to 65536",
                    s.buffers.epilogue_entries, s.array.rows
                ),
            ));
        }
        let a = &s.axi;
        if a.addr_bits != 32 {
            return Err(bad(
                "axi.addr_bits",
                format!(
                    "is {}; only 32 is supported (the register map holds 32-bit addresses)",
                    a.addr_bits
                ),
            ));
        }
        if ![4, 8, 16].contains(&a.data_bytes) {
            return Err(bad(
                "axi.data_bytes",
                format!("is {}; use 4, 8 or 16", a.data_bytes),
            ));
        }
        if !pow2(a.max_burst_beats.into()) || a.max_burst_beats > 256 {
            return Err(bad(
                "axi.max_burst_beats",
                format!(
                    "is {}; use a power of two from 1 to 256 (AXI4 INCR limit)",
                    a.max_burst_beats
                ),
            ));
        }
        if a.burst_bytes() > 4096 {
            return Err(bad(
                "axi.max_burst_beats",
                format!(
                    "x `axi.data_bytes` = {} bytes; a burst may not exceed 4096 bytes (AXI4 4 KiB rule)",
                    a.burst_bytes()
                ),
            ));
        }
        if a.burst_bytes() < 32 {
            return Err(bad(
                "axi.max_burst_beats",
                format!(
                    "x `axi.data_bytes` = {} bytes; a burst must hold one 32-byte command",
                    a.burst_bytes()
                ),
            ));
        }
        if a.data_bytes < s.array.cols || a.data_bytes > s.array.rows * s.array.cols {
            return Err(bad(
                "axi.data_bytes",
                format!(
                    "({}) must lie between `array.cols` ({}) and `array.rows` x `array.cols` ({}): a beat holds whole activation vectors and a weight word is whole beats",
                    a.data_bytes,
                    s.array.cols,
                    s.array.rows * s.array.cols
                ),
            ));
        }
        for (field, v) in [
            ("axi.max_outstanding_reads", a.max_outstanding_reads),
            ("axi.max_outstanding_writes", a.max_outstanding_writes),
        ] {
            if !(1..=16).contains(&v) {
                return Err(bad(field, format!("is {v}; use 1..=16")));
            }
        }
        let d = &s.dram;
        if !d.bytes.is_multiple_of(4096) || d.bytes < 65536 || d.bytes > (1 << 30) {
            return Err(bad(
                "dram.bytes",
                format!(
                    "is {}; use a multiple of 4096 from 64 KiB to 1 GiB",
                    d.bytes
                ),
            ));
        }
        if d.read_latency_cycles == 0 || d.read_latency_cycles > 10_000 {
            return Err(bad(
                "dram.read_latency_cycles",
                format!("is {}; use 1..=10000", d.read_latency_cycles),
            ));
        }
        if d.write_latency_cycles == 0 || d.write_latency_cycles > 10_000 {
            return Err(bad(
                "dram.write_latency_cycles",
                format!("is {}; use 1..=10000", d.write_latency_cycles),
            ));
        }
        if d.bandwidth_mbytes_per_s == 0 {
            return Err(bad(
                "dram.bandwidth_mbytes_per_s",
                "must be at least 1".into(),
            ));
        }
        for (field, v) in [
            ("dram.read_acceptance", d.read_acceptance),
            ("dram.write_acceptance", d.write_acceptance),
        ] {
            if !(1..=64).contains(&v) {
                return Err(bad(field, format!("is {v}; use 1..=64")));
            }
        }
        for (field, v) in [
            ("buffers.activation_bytes", s.buffers.activation_bytes),
            (
                "buffers.weight_staging_bytes",
                s.buffers.weight_staging_bytes,
            ),
            ("buffers.pb_bytes", s.buffers.pb_bytes),
        ] {
            if v == 0 || v % u64::from(a.data_bytes) != 0 {
                return Err(bad(
                    field,
                    format!(
                        "is {v}; use a positive multiple of `axi.data_bytes` ({})",
                        a.data_bytes
                    ),
                ));
            }
        }
        let onchip = s.buffers.onchip_bytes();
        if onchip > s.device.bram_bytes {
            return Err(bad(
                "buffers",
                format!(
                    "need {onchip} bytes of on-chip RAM (activation + weight staging + PB), but `device.bram_bytes` is {}",
                    s.device.bram_bytes
                ),
            ));
        }
        for (field, v) in [
            ("dram.energy_pj_per_byte", d.energy_pj_per_byte),
            ("sram.energy_pj_per_byte", s.sram.energy_pj_per_byte),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(bad(field, format!("is {v}; use a positive number")));
            }
        }
        if s.sram.energy_pj_per_byte >= d.energy_pj_per_byte {
            return Err(bad(
                "sram.energy_pj_per_byte",
                format!(
                    "({}) is not below `dram.energy_pj_per_byte` ({}); on-chip access costs less than off-chip in every published figure; are the two swapped?",
                    s.sram.energy_pj_per_byte, d.energy_pj_per_byte
                ),
            ));
        }
        Ok(())
    }
}

impl fmt::Display for HwConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.spec.device.description)
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
