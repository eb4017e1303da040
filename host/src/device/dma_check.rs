//! A verified memcpy on the accelerator: the shared body of `sushi demo` and `sushi sim dma`.
//!
//! Fills a seeded random source, paints guard bytes around the destination, copies with the
//! accelerator's DMA engine, and checks the destination byte for byte and the guards untouched.

use serde::Serialize;
use sushi_hw::{Bus, HwConfig};

use crate::device::driver::{Accel, CopyReport, DriverError};

/// Bytes painted on each side of the destination and checked untouched afterwards.
pub const GUARD_BYTES: u64 = 4096;
/// Value of every guard byte.
pub const GUARD_VALUE: u8 = 0xa5;

/// Where and how much to copy.
#[derive(Debug, Clone, Copy)]
pub struct CopyPlan {
    /// Source offset from the DRAM base.
    pub src_offset: u64,
    /// Destination offset from the DRAM base.
    pub dst_offset: u64,
    /// Bytes.
    pub len: u64,
}

impl CopyPlan {
    /// A copy of `len` bytes with awkward alignments: the source 3 bytes past a bus word, the
    /// destination 5 bytes past one and in the upper half of the region, behind a guard.
    pub fn awkward(region_bytes: u64, len: u64) -> Self {
        CopyPlan {
            src_offset: GUARD_BYTES + 3,
            dst_offset: region_bytes / 2 + GUARD_BYTES + 5,
            len,
        }
    }
}

/// What a verified copy found.
#[derive(Debug, Clone, Serialize)]
pub struct CopyOutcome {
    /// The driver's report.
    pub report: CopyReport,
    /// Destination bytes that differ from the source.
    pub mismatched_bytes: u64,
    /// Guard bytes that changed.
    pub guard_bytes_touched: u64,
    /// Wall-clock seconds the copy itself took (simulation speed; not a hardware figure).
    pub copy_wall_seconds: f64,
}

impl CopyOutcome {
    /// True when the destination equals the source and no guard byte changed.
    pub fn verified(&self) -> bool {
        self.mismatched_bytes == 0 && self.guard_bytes_touched == 0
    }
}

/// Deterministic pseudo-random bytes.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    crate::rng::SplitMix64::new(seed).bytes(len)
}

/// Runs `plan` on `accel` and checks the result. A budget of `max_cycles` bounds the wait.
pub fn verified_copy<B: Bus>(
    accel: &mut Accel<B>,
    plan: CopyPlan,
    seed: u64,
    max_cycles: u64,
) -> Result<CopyOutcome, DriverError> {
    let base = accel.bus().dram().base;
    let (src, dst, len) = (base + plan.src_offset, base + plan.dst_offset, plan.len);
    let data = pattern(seed, len as usize);
    let guard_lo = dst.saturating_sub(GUARD_BYTES).max(base);
    let guarded_len = (dst - guard_lo) + len + GUARD_BYTES;
    accel
        .bus()
        .write_dram(guard_lo, &vec![GUARD_VALUE; guarded_len as usize])?;
    accel.bus().write_dram(src, &data)?;
    let wall = std::time::Instant::now();
    let report = accel.memcpy(src, dst, len, max_cycles)?;
    let copy_wall_seconds = wall.elapsed().as_secs_f64();
    let mut after = vec![0u8; guarded_len as usize];
    accel.bus().read_dram(guard_lo, &mut after)?;
    let head = (dst - guard_lo) as usize;
    let (before, rest) = after.split_at(head);
    let (copied, tail) = rest.split_at(len as usize);
    let mismatched_bytes = copied.iter().zip(&data).filter(|(a, b)| a != b).count() as u64;
    let guard_bytes_touched = before
        .iter()
        .chain(tail)
        .filter(|&&b| b != GUARD_VALUE)
        .count() as u64;
    Ok(CopyOutcome {
        report,
        mismatched_bytes,
        guard_bytes_touched,
        copy_wall_seconds,
    })
}

/// Cycles a copy of `len` bytes needs at most on `config` (with a wide margin for stalls): the
/// watchdog budget.
pub fn copy_budget_cycles(config: &HwConfig, len: u64) -> u64 {
    let d = config.derived();
    let per_byte = 2.0
        / d.dram_bytes_per_cycle
            .min(f64::from(config.spec.axi.data_bytes));
    50 * (len as f64 * per_byte) as u64 + 100_000
}

/// Cycles a long copy of `len` bytes needs at least on `config`: each AXI channel moves one beat
/// per cycle at most; DRAM bandwidth is shared by the read and the write of every byte; and the
/// reads in flight are limited (Little's law: outstanding bursts x burst beats per read latency
/// plus burst). Short copies pay the latency once more, which this bound leaves out.
pub fn copy_bound_cycles(config: &HwConfig, len: u64) -> f64 {
    let s = &config.spec;
    let beats = len as f64 / f64::from(s.axi.data_bytes);
    let outstanding = f64::from(s.axi.max_outstanding_reads.min(s.dram.read_acceptance));
    let burst = f64::from(s.axi.max_burst_beats);
    let latency_beats_per_cycle =
        outstanding * burst / (f64::from(s.dram.read_latency_cycles) + burst);
    let bandwidth_beats_per_cycle =
        config.derived().dram_bytes_per_cycle / f64::from(s.axi.data_bytes) / 2.0;
    beats
        / 1.0f64
            .min(latency_beats_per_cycle)
            .min(bandwidth_beats_per_cycle)
}
