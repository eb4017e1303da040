//! Values derived from a config, computed here and nowhere else (the few that validation needs
//! too are methods of the config's sections, which this module calls).
//!
//! This module depends on [`crate::config`], never the reverse.

use serde::Serialize;

use crate::config::{HwConfig, HwSpec};

/// Everything the toolkit computes from a [`HwSpec`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Derived {
    /// MACs the array completes per cycle at full utilisation.
    pub peak_macs_per_cycle: u64,
    /// Sustained DRAM bytes per accelerator cycle (reads and writes together).
    pub dram_bytes_per_cycle: f64,
    /// Exact form of `dram_bytes_per_cycle` for integer bandwidth accounting: the memory model
    /// earns `dram_credit_per_cycle` credits each cycle and spends `dram_credit_per_byte` per byte.
    pub dram_credit_per_cycle: u64,
    /// See `dram_credit_per_cycle`.
    pub dram_credit_per_byte: u64,
    /// Bytes in the longest burst the accelerator issues.
    pub burst_bytes: u32,
    /// On-chip buffer bytes in total (activation + weight staging + PB).
    pub onchip_bytes: u64,
    /// Nanoseconds per accelerator cycle.
    pub cycle_ns: f64,
    /// The Verilog parameters of `sushi_top` for this config, in declaration order.
    pub rtl_params: Vec<RtlParam>,
    /// FNV-1a 32 of the RTL parameters (all but `ConfigHash` itself): the value of the
    /// `CONFIG_HASH` register, so a host can refuse a design built for another config.
    pub config_hash: u32,
}

/// One Verilog parameter of `sushi_top`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RtlParam {
    /// Parameter name as written in `rtl/sushi_top.v` (UpperCamelCase).
    pub name: &'static str,
    /// Value.
    pub value: u64,
}

impl RtlParam {
    /// The value as a Verilog literal: decimal, or sized hex when it would not fit a signed
    /// 32-bit integer (tools read unsized decimals as `integer`).
    pub fn verilog_literal(&self) -> String {
        if self.value > i32::MAX as u64 {
            format!("32'h{:08x}", self.value)
        } else {
            self.value.to_string()
        }
    }
}

impl HwConfig {
    /// Values computed from the config (the one place they are computed).
    pub fn derived(&self) -> Derived {
        Derived::of(&self.spec)
    }
}

impl Derived {
    /// Computes the derived values of `spec`. Only valid specs reach here (see `HwConfig`).
    pub fn of(spec: &HwSpec) -> Self {
        let a = &spec.axi;
        let mut rtl_params = vec![
            RtlParam {
                name: "AddrBits",
                value: a.addr_bits.into(),
            },
            RtlParam {
                name: "DataBytes",
                value: a.data_bytes.into(),
            },
            RtlParam {
                name: "MaxBurstBeats",
                value: a.max_burst_beats.into(),
            },
            RtlParam {
                name: "MaxOutstandingReads",
                value: a.max_outstanding_reads.into(),
            },
            RtlParam {
                name: "MaxOutstandingWrites",
                value: a.max_outstanding_writes.into(),
            },
            RtlParam {
                name: "ArrayRows",
                value: spec.array.rows.into(),
            },
            RtlParam {
                name: "ArrayCols",
                value: spec.array.cols.into(),
            },
            RtlParam {
                name: "ActBytes",
                value: spec.buffers.activation_bytes,
            },
            RtlParam {
                name: "WmemBytes",
                value: spec.buffers.weight_staging_bytes,
            },
            RtlParam {
                name: "PbBytes",
                value: spec.buffers.pb_bytes,
            },
            RtlParam {
                name: "EpiEntries",
                value: spec.buffers.epilogue_entries.into(),
            },
        ];
        let canonical: String = rtl_params
            .iter()
            .map(|p| format!("{}={};", p.name, p.value))
            .collect();
        let config_hash = fnv1a32(canonical.as_bytes());
        rtl_params.push(RtlParam {
            name: "ConfigHash",
            value: config_hash.into(),
        });

        let freq = u64::from(spec.clock.freq_mhz);
        let bw = u64::from(spec.dram.bandwidth_mbytes_per_s);
        Derived {
            peak_macs_per_cycle: spec.array.macs(),
            dram_bytes_per_cycle: bw as f64 / freq as f64,
            dram_credit_per_cycle: bw,
            dram_credit_per_byte: freq,
            burst_bytes: a.burst_bytes(),
            onchip_bytes: spec.buffers.onchip_bytes(),
            cycle_ns: 1000.0 / freq as f64,
            rtl_params,
            config_hash,
        }
    }

    /// Converts cycles to microseconds at this config's clock.
    pub fn cycles_to_us(&self, cycles: u64) -> f64 {
        cycles as f64 * self.cycle_ns / 1000.0
    }
}

/// 32-bit FNV-1a: tiny, stable across Rust versions and platforms, and easy to reproduce in a
/// board bring-up script (unlike `std`'s hasher, which is not stable).
pub fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::fnv1a32;

    #[test]
    fn fnv1a32_matches_published_test_vectors() {
        // From the FNV reference test suite (Fowler/Noll/Vo).
        assert_eq!(fnv1a32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a32(b"foobar"), 0xbf9c_f968);
    }
}
