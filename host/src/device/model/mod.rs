//! The golden model: a bit-exact functional model of `sushi_top` behind the same [`sushi_hw::Bus`] as
//! the RTL, so one driver runs either.
//!
//! Registers behave as the RTL's (same map, same responses, W1C, LO/HI latching). A memcpy or a
//! command stream runs to completion when it is started; `wait_idle` then returns at once. So a
//! model job can never be observed running: `STATUS.BUSY` always reads 0, `CTRL.SOFT_RESET`
//! always finds the model idle (it clears `STATUS.DONE`, `STATUS.ERROR` and the error code), and
//! `ERR_ABORTED` never occurs. The model counts bytes and MACs exactly as the RTL does (DRAM bytes
//! as whole AXI beats, `beats x axi.data_bytes`); it does not count cycles (the cycle model is
//! separate).
//!
//! The DMA window (`DMA_BASE..=DMA_LAST`, `hw/docs/persistent-buffer.md` section 5) is checked per
//! command fetch, per DMA command (the whole-beat extent of every row, before any row moves) and
//! per memcpy (source, then destination): a violation moves nothing, counts one
//! `DMA_WINDOW_VIOLATIONS` and ends the job with `ERR_DMA_WINDOW`. The RTL checks per AXI burst,
//! so on the RTL a failed command may have moved its earlier bursts; only error codes and fault
//! counters of failed jobs are comparable between the two.
//!
//! Two things the RTL cannot see, the model checks and reports as
//! [`sushi_hw::BusError::Backend`]: a command stream whose completion-count waits leave two commands of
//! different engines racing on the same on-chip memory, and a wait on a command that comes later
//! in the stream (a deadlock in hardware).
//!
//! By engine: `bus.rs` (registers and DRAM behind `Bus`, the jobs a register write starts),
//! `stream.rs` (the memcpy job, and the command stream: fetch, dispatch, waits), `dma.rs` (the DMA
//! engine's loads, stores and `COPY_PB`), `compute.rs` (window operators with their epilogue, and
//! `ADD`), `races.rs` (which on-chip words each command touches, and the race check between
//! engines).

use std::collections::HashMap;

use sushi_hw::commands::Engine;
use sushi_hw::regs;
use sushi_hw::{DramRegion, HwConfig};

use crate::compile::layout::Array;

mod bus;
mod compute;
mod dma;
mod races;
mod stream;
#[cfg(test)]
mod tests;

/// Where the model's DRAM starts, as in the RTL simulation.
pub const DEFAULT_DRAM_BASE: u64 = 0x1000_0000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mem {
    Act,
    Wmem,
    Pb,
    Epi,
}

/// One access of a command to an on-chip memory: `[lo, hi)` in that memory's units.
#[derive(Debug, Clone, Copy)]
struct Access {
    mem: Mem,
    lo: usize,
    hi: usize,
    write: bool,
}

#[derive(Debug)]
struct Executed {
    engine: Engine,
    index: u32,
    effective_wait: u32,
    accesses: Vec<Access>,
    position: usize,
}

/// A command that failed; the hardware error code it maps to.
struct Fault(regs::ErrorCode, String);

/// The golden model. See the module docs.
#[derive(Debug)]
pub struct ModelAccel {
    config: HwConfig,
    array: Array,
    region: DramRegion,
    dram: Vec<u8>,
    act: Vec<u8>,
    wmem: Vec<u8>,
    pb: Vec<u8>,
    epi: Vec<(i32, i32, u8)>,
    ctrl_irq: bool,
    done: bool,
    error: bool,
    error_code: u32,
    scratch: u32,
    copy: [u32; 3],
    cmd_base: u32,
    cmd_limit: u32,
    /// First byte address of the DMA window.
    dma_base: u32,
    /// Last byte address of the DMA window (inclusive).
    dma_last: u32,
    counters: HashMap<u32, u64>,
    shadow: HashMap<u32, u32>,
    /// A stream-level problem found by the checker, reported by the next `wait_idle`.
    pending: Option<String>,
    /// What the last failed job ran into, in words.
    fault_detail: Option<String>,
}

impl ModelAccel {
    /// A model of `config` with its DRAM at [`DEFAULT_DRAM_BASE`].
    pub fn new(config: &HwConfig) -> Self {
        let b = &config.spec.buffers;
        let array = Array::of(config);
        ModelAccel {
            config: config.clone(),
            array,
            region: DramRegion {
                base: DEFAULT_DRAM_BASE,
                bytes: config.spec.dram.bytes,
            },
            dram: vec![0; config.spec.dram.bytes as usize],
            act: vec![0; b.activation_bytes as usize],
            wmem: vec![0; b.weight_staging_bytes as usize],
            pb: vec![0; b.pb_bytes as usize],
            epi: vec![(0, 0, 0); b.epilogue_entries as usize],
            ctrl_irq: false,
            done: false,
            error: false,
            error_code: 0,
            scratch: 0,
            copy: [0; 3],
            cmd_base: 0,
            cmd_limit: 0,
            dma_base: 0,
            dma_last: u32::MAX,
            counters: HashMap::new(),
            shadow: HashMap::new(),
            pending: None,
            fault_detail: None,
        }
    }

    /// The config modelled.
    pub fn config(&self) -> &HwConfig {
        &self.config
    }

    /// The Persistent Buffer's bytes (word `w` at `w * R * C`): what the host's PB map is held to.
    /// The RTL has no such window; there the PB is observed through `COPY_PB` and compute.
    pub fn pb(&self) -> &[u8] {
        &self.pb
    }

    fn count(&mut self, lo_offset: u32, n: u64) {
        *self.counters.entry(lo_offset).or_insert(0) += n;
    }

    fn dram_range(&self, addr: u64, len: u64) -> Option<std::ops::Range<usize>> {
        self.region.contains(addr, len).then(|| {
            let start = (addr - self.region.base) as usize;
            start..start + len as usize
        })
    }

    /// True when every byte of `[addr, addr + len)` lies in the DMA window (`DMA_BASE..=DMA_LAST`);
    /// an empty range touches nothing and always passes.
    fn in_window(&self, addr: u64, len: u64) -> bool {
        self.dma_window().contains(addr, len)
    }

    /// The on-chip limits commands are checked against.
    fn limits(&self) -> crate::device::checks::Limits {
        crate::device::checks::Limits::of(&self.config)
    }

    /// The DMA window the registers set.
    fn dma_window(&self) -> crate::device::checks::Window {
        crate::device::checks::Window {
            base: u64::from(self.dma_base),
            last: u64::from(self.dma_last),
        }
    }

    /// A command check's verdict as the job's fault, counting what the RTL counts
    /// (`PB_OVERFLOWS`, `DMA_WINDOW_VIOLATIONS`).
    fn checked(
        &mut self,
        verdict: Result<(), crate::device::checks::Rejection>,
    ) -> Result<(), Fault> {
        let Err(r) = verdict else { return Ok(()) };
        match r.code {
            regs::ErrorCode::PbOverflow => self.count(regs::PB_OVERFLOWS_LO, 1),
            regs::ErrorCode::DmaWindow => self.count(regs::DMA_WINDOW_VIOLATIONS_LO, 1),
            _ => {}
        }
        Err(Fault(r.code, r.why))
    }

    /// A refused access to `[addr, addr + len)`: counts the violation and gives the job's fault.
    fn window_fault(&mut self, what: &str, addr: u64, len: u64) -> Fault {
        self.count(regs::DMA_WINDOW_VIOLATIONS_LO, 1);
        Fault(
            regs::ErrorCode::DmaWindow,
            format!(
                "{what} [{addr:#x}, +{len}) leaves the DMA window [{:#x}, {:#x}]",
                self.dma_base, self.dma_last
            ),
        )
    }

    /// Bytes of the whole AXI beats that cover `[addr, addr + len)`, and the first beat's address.
    fn beat_extent(&self, addr: u64, len: u64) -> (u64, u64) {
        let d = u64::from(self.config.spec.axi.data_bytes);
        if len == 0 {
            return (addr, 0);
        }
        let first = addr / d * d;
        (first, (addr + len).div_ceil(d) * d - first)
    }

    /// What the last failed job ran into (the model can say more than STATUS.ERROR_CODE).
    pub fn fault_detail(&self) -> Option<&str> {
        self.fault_detail.as_deref()
    }

    fn finish(&mut self, fault: Option<Fault>) {
        self.done = true;
        self.fault_detail = fault.as_ref().map(|f| f.1.clone());
        if let Some(Fault(code, _)) = fault {
            self.error = true;
            self.error_code = error_bits(code);
        }
    }

    fn counter_value(&self, lo_offset: u32) -> u64 {
        self.counters.get(&lo_offset).copied().unwrap_or(0)
    }
}

/// STATUS.ERROR_CODE of `code` (the inverse of [`regs::ErrorCode::from_bits`]).
fn error_bits(code: regs::ErrorCode) -> u32 {
    match code {
        regs::ErrorCode::None => 0,
        regs::ErrorCode::AxiRead => 1,
        regs::ErrorCode::AxiWrite => 2,
        regs::ErrorCode::BadOpcode => 3,
        regs::ErrorCode::BadCommand => 4,
        regs::ErrorCode::NoEnd => 5,
        regs::ErrorCode::DmaWindow => 6,
        regs::ErrorCode::PbOverflow => 7,
        regs::ErrorCode::Aborted => 8,
        regs::ErrorCode::Unknown(c) => c,
    }
}
