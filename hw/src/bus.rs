//! The seam between the host driver and whatever executes it.
//!
//! [`Bus`] is what a host sees of an accelerator: 32-bit registers behind AXI4-Lite, a region of
//! DRAM both sides can reach, and a way to let time pass until the device is idle. The Verilator
//! simulation (`sushi-sim`), the functional model and a board behind Linux UIO (`sushi-host`)
//! implement it, so one driver runs on all of them.

use crate::regs::AxiResp;

/// The DRAM region the accelerator's DMA can reach, in bus addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DramRegion {
    /// First byte address.
    pub base: u64,
    /// Length in bytes.
    pub bytes: u64,
}

impl DramRegion {
    /// True when `[addr, addr + len)` lies inside the region.
    pub fn contains(&self, addr: u64, len: u64) -> bool {
        addr >= self.base
            && addr
                .checked_add(len)
                .is_some_and(|end| end <= self.base + self.bytes)
    }
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct WaitOutcome {
    /// Accelerator cycles that passed during the wait.
    pub cycles: u64,
    /// False when the cycle budget ran out first.
    pub idle: bool,
}

/// A failed bus operation. Hardware responses (SLVERR, DECERR) and hangs are values here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BusError {
    /// The register slave answered with an error response.
    #[error(
        "register {kind} at offset {offset:#05x} got {resp:?} (offset unmapped, or a write to a read-only register)"
    )]
    RegResponse {
        /// `read` or `write`.
        kind: &'static str,
        /// Register offset.
        offset: u32,
        /// The response.
        resp: AxiResp,
    },
    /// A register access did not complete within its cycle budget (a hung slave).
    #[error(
        "register {kind} at offset {offset:#05x} did not complete within {cycles} cycles (cycle {at_cycle})"
    )]
    RegTimeout {
        /// `read` or `write`.
        kind: &'static str,
        /// Register offset.
        offset: u32,
        /// The budget.
        cycles: u64,
        /// Simulation cycle when it gave up.
        at_cycle: u64,
    },
    /// A host access to DRAM fell outside the region.
    #[error("host DRAM access [{addr:#x}, +{len}) is outside the DMA region [{base:#x}, +{bytes})")]
    OutOfRange {
        /// Start address.
        addr: u64,
        /// Length.
        len: u64,
        /// Region base.
        base: u64,
        /// Region size.
        bytes: u64,
    },
    /// A bus monitor saw an AXI protocol violation.
    #[error("AXI protocol violation at cycle {cycle} on channel {channel}: {rule}")]
    Protocol {
        /// Cycle of the violation.
        cycle: u64,
        /// Channel name, e.g. `m_axi.AR`.
        channel: String,
        /// The broken rule.
        rule: String,
    },
    /// The backend failed in a way specific to it.
    #[error("{0}")]
    Backend(String),
}

/// What a host sees of an accelerator. See the module docs.
pub trait Bus {
    /// Backend name for reports: `rtl`, `model` or `board`.
    fn backend(&self) -> &'static str;
    /// Reads a 32-bit register.
    fn read_reg(&mut self, offset: u32) -> Result<u32, BusError>;
    /// Writes a 32-bit register.
    fn write_reg(&mut self, offset: u32, value: u32) -> Result<(), BusError>;
    /// The DRAM region the accelerator can reach.
    fn dram(&self) -> DramRegion;
    /// Host writes into DRAM (no accelerator cycles pass).
    fn write_dram(&mut self, addr: u64, data: &[u8]) -> Result<(), BusError>;
    /// Host reads from DRAM (no accelerator cycles pass).
    fn read_dram(&mut self, addr: u64, out: &mut [u8]) -> Result<(), BusError>;
    /// Lets the device run until it is idle, for at most `max_cycles` cycles.
    fn wait_idle(&mut self, max_cycles: u64) -> Result<WaitOutcome, BusError>;
    /// Hard reset: the accelerator's reset input (on a board, the programmable logic reset), for
    /// a device that a soft reset cannot bring back (a hung AXI handshake). Registers return to
    /// their reset values; DRAM is kept; on-chip memories must be treated as unknown.
    fn reset_device(&mut self) -> Result<(), BusError> {
        Err(BusError::Backend(format!(
            "the {} backend cannot reset the device; power-cycle or reload it",
            self.backend()
        )))
    }
    /// The device's cycle count since it was created, where the backend knows it (simulation);
    /// errors carry it so that a fault can be found in a waveform.
    fn cycle(&self) -> Option<u64> {
        None
    }
}

/// Reads a 64-bit counter from its LO/HI pair (LO first: reading LO latches HI).
pub fn read_counter(bus: &mut dyn Bus, lo_offset: u32) -> Result<u64, BusError> {
    let lo = bus.read_reg(lo_offset)?;
    let hi = bus.read_reg(lo_offset + 4)?;
    Ok((u64::from(hi) << 32) | u64::from(lo))
}
