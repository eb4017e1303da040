//! The driver: register sequences over any [`Bus`], the same code for every backend.
//!
//! Opening a device checks that it is a SUSHI accelerator (ID), speaks this register map
//! (VERSION) and was built for the host's hw config (CONFIG_HASH); a mismatch is refused before
//! anything else touches the device. It then sets the DMA window (`DMA_BASE..=DMA_LAST`) to the
//! bus's DRAM region, so the accelerator refuses any AXI access outside it (`ERR_DMA_WINDOW`).

use serde::Serialize;
use sushi_hw::bus::read_counter;
use sushi_hw::regs::{self, ErrorCode};
use sushi_hw::{Bus, BusError, HwConfig, WaitOutcome};

/// Why a driver operation failed.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The bus failed (error response, hang, protocol violation, out-of-range host access).
    #[error(transparent)]
    Bus(#[from] BusError),
    /// The ID register does not hold the SUSHI magic.
    #[error(
        "the device at this bus is not a SUSHI accelerator: ID register reads {found:#010x}, expected {expected:#010x}"
    )]
    NotSushi {
        /// What the ID register held.
        found: u32,
        /// The SUSHI magic.
        expected: u32,
    },
    /// The register map version differs from the host's.
    #[error(
        "the device speaks register map version {found}, this host speaks version {expected}: rebuild the bitstream or the host from the same source"
    )]
    RegmapVersion {
        /// Device's version.
        found: u32,
        /// Host's version.
        expected: u32,
    },
    /// The device was built for another hw config.
    #[error(
        "the device was built for a different hw config: its CONFIG_HASH is {device:#010x}, config `{config}` gives {host:#010x}; pass the config the bitstream was built from (--config), or rebuild it"
    )]
    ConfigMismatch {
        /// Device's hash.
        device: u32,
        /// Hash of the host's config.
        host: u32,
        /// The host's config name.
        config: String,
    },
    /// A job ended with STATUS.ERROR set.
    #[error(
        "the accelerator reported {code:?} (STATUS.ERROR_CODE) after {cycles} cycles{}: {}",
        at(*.at_cycle),
        explain(*.code)
    )]
    JobFailed {
        /// The error code.
        code: ErrorCode,
        /// Cycles the job ran.
        cycles: u64,
        /// The device's cycle count when the host saw the failure, where the backend knows it.
        at_cycle: Option<u64>,
    },
    /// A job did not finish within its cycle budget.
    #[error(
        "the accelerator was still busy after {cycles} cycles{} (watchdog): the job may be hung on the bus; Accel::recover resets the device",
        at(*.at_cycle)
    )]
    Timeout {
        /// The budget.
        cycles: u64,
        /// The device's cycle count when the watchdog fired, where the backend knows it.
        at_cycle: Option<u64>,
    },
    /// A command of the program would leave the DMA window, overflow the Persistent Buffer or
    /// break another dispatch rule; nothing was sent.
    #[error(transparent)]
    Rejected(#[from] crate::device::checks::StreamRejection),
    /// A job was asked for while the previous one still runs (after a watchdog timeout).
    #[error("the accelerator is still busy with an earlier job; recover it first (Accel::recover)")]
    StillBusy,
    /// A memcpy whose destination starts inside its source would overwrite bytes before reading them.
    #[error(
        "memcpy destination {dst:#x} starts inside the source [{src:#x}, +{len}); the engine copies upwards, so copy in two steps or choose dst <= src"
    )]
    Overlap {
        /// Source.
        src: u64,
        /// Destination.
        dst: u64,
        /// Length.
        len: u64,
    },
    /// A job would touch memory outside the DMA region; it was not sent.
    #[error(
        "{what} [{addr:#x}, +{len}) lies outside the DMA region [{base:#x}, +{bytes}); the job was not sent"
    )]
    OutsideRegion {
        /// Which operand.
        what: &'static str,
        /// Start address.
        addr: u64,
        /// Length.
        len: u64,
        /// Region base.
        base: u64,
        /// Region size.
        bytes: u64,
    },
}

fn at(cycle: Option<u64>) -> String {
    cycle.map_or_else(String::new, |c| format!(" (device cycle {c})"))
}

/// What an error code means, for people (the words of `hw/src/regs.rs`'s `ERROR_CODES`, with
/// what the host should do about the codes it can cause).
pub fn explain(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::None => "no error",
        ErrorCode::AxiRead => {
            "an AXI read answered SLVERR or DECERR: the memory refused it (an address outside DRAM, or a fault in the memory system)"
        }
        ErrorCode::AxiWrite => {
            "an AXI write answered SLVERR or DECERR: the memory refused it (an address outside DRAM, or a fault in the memory system)"
        }
        ErrorCode::BadOpcode => "a command's opcode is not one of OP_* (a corrupt command stream?)",
        ErrorCode::BadCommand => {
            "a command's fields are out of range (on-chip extent beyond its memory, ROWS 0 or not 1 where required, unaligned DRAM address or stride, bad kernel or stride): a compiler bug"
        }
        ErrorCode::NoEnd => "CMD_LIMIT commands were fetched without an END",
        ErrorCode::DmaWindow => {
            "an AXI burst would have left the DMA window (DMA_BASE..=DMA_LAST) and was not issued: a command or memcpy addresses memory outside the DMA region"
        }
        ErrorCode::PbOverflow => {
            "LOAD_PB or COPY_PB reached beyond the Persistent Buffer and moved nothing: the host's PB map is wrong; treat the PB as unknown and refill it from empty"
        }
        ErrorCode::Aborted => "CTRL.SOFT_RESET aborted the job",
        ErrorCode::Unknown(_) => "a code this host does not know (a newer bitstream?)",
    }
}

/// The accelerator's performance counters (names as in the register map, lower case).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Cycles since reset.
    pub cycles: u64,
    /// Cycles with STATUS.BUSY set.
    pub busy_cycles: u64,
    /// Bytes moved on the AXI R channel.
    pub dram_read_bytes: u64,
    /// Bytes moved on the AXI W channel.
    pub dram_write_bytes: u64,
    /// Busy cycles waiting for read data.
    pub read_wait_cycles: u64,
    /// Busy cycles with a write address or beat not accepted.
    pub write_wait_cycles: u64,
    /// AXI bursts refused because they would have left the DMA window (each ends its job with
    /// `ERR_DMA_WINDOW`, so at most one per job).
    pub dma_window_violations: u64,
    /// `LOAD_PB` or `COPY_PB` commands refused because they reach beyond the Persistent Buffer
    /// (each ends its job with `ERR_PB_OVERFLOW`).
    pub pb_overflows: u64,
}

/// What a memcpy did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CopyReport {
    /// Bytes copied.
    pub bytes: u64,
    /// Counters of the job (cleared before it started).
    pub counters: Counters,
    /// Cycles the host waited for the job.
    pub wait_cycles: u64,
}

/// Cycles [`Accel::soft_reset`] waits at most for an aborted job's AXI transfers in flight.
pub const SOFT_RESET_MAX_CYCLES: u64 = 1_000_000;

/// The watchdog of a job predicted to take `predicted_cycles`: 4x the prediction plus 100,000
/// cycles. SushiAbs predicts the RTL within 0.3% on an unstalled bus; the margin covers a memory
/// that is several times slower than the config says (random stalls in tests, a busy board)
/// while a hung bus is still reported within milliseconds of simulated time.
pub fn watchdog_cycles(predicted_cycles: u64) -> u64 {
    predicted_cycles
        .saturating_mul(4)
        .saturating_add(WATCHDOG_MIN_CYCLES)
}

/// The least watchdog of any job (see [`watchdog_cycles`]).
pub const WATCHDOG_MIN_CYCLES: u64 = 100_000;

/// The DMA window of a DRAM region: all of it, clamped to the 32-bit AXI address space.
fn window_of(region: sushi_hw::DramRegion) -> crate::device::checks::Window {
    let cap = u64::from(u32::MAX);
    crate::device::checks::Window {
        base: region.base.min(cap),
        last: (region.base + region.bytes).saturating_sub(1).min(cap),
    }
}

/// How [`Accel::recover`] brought the device back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Recovery {
    /// `CTRL.SOFT_RESET` sufficed: the job's transfers in flight completed.
    SoftReset,
    /// The soft reset could not finish (a hung AXI handshake): the device was reset through the
    /// bus ([`Bus::reset_device`]) and opened again.
    HardReset,
}

/// A SUSHI accelerator behind a [`Bus`].
#[derive(Debug)]
pub struct Accel<B: Bus> {
    bus: B,
    config: HwConfig,
    /// Where the SuperNet tile image sits in DRAM (see `upload_tile_image`).
    tile_image: Option<TileImageAt>,
}

impl<B: Bus> Accel<B> {
    /// Opens the device: checks ID, register map version and config hash, then sets the DMA
    /// window to the bus's DRAM region (clamped to the 32-bit AXI address space).
    pub fn open(mut bus: B, config: &HwConfig) -> Result<Self, DriverError> {
        Self::init(&mut bus, config)?;
        Ok(Accel {
            bus,
            config: config.clone(),
            tile_image: None,
        })
    }

    /// The checks and set-up of [`Accel::open`], also run after a hard reset.
    fn init(bus: &mut B, config: &HwConfig) -> Result<(), DriverError> {
        let id = bus.read_reg(regs::ID)?;
        if id != regs::ID_MAGIC {
            return Err(DriverError::NotSushi {
                found: id,
                expected: regs::ID_MAGIC,
            });
        }
        let version = bus.read_reg(regs::VERSION)?;
        if version != regs::REGMAP_VERSION {
            return Err(DriverError::RegmapVersion {
                found: version,
                expected: regs::REGMAP_VERSION,
            });
        }
        let device = bus.read_reg(regs::CONFIG_HASH)?;
        let host = config.derived().config_hash;
        if device != host {
            return Err(DriverError::ConfigMismatch {
                device,
                host,
                config: config.name.clone(),
            });
        }
        let window = window_of(bus.dram());
        bus.write_reg(regs::DMA_BASE, window.base as u32)?;
        bus.write_reg(regs::DMA_LAST, window.last as u32)?;
        Ok(())
    }

    /// Brings the device back after a failed or hung job: a soft reset, or, when the soft reset
    /// cannot finish (an AXI handshake that never completes), a hard reset through the bus and
    /// the checks of [`Accel::open`] again. DRAM (programs, the tile image) is kept; the
    /// Persistent Buffer's contents must be treated as unknown either way.
    pub fn recover(&mut self) -> Result<Recovery, DriverError> {
        match self.soft_reset() {
            Ok(()) => Ok(Recovery::SoftReset),
            Err(DriverError::Timeout { .. }) => {
                self.bus.reset_device()?;
                Self::init(&mut self.bus, &self.config)?;
                Ok(Recovery::HardReset)
            }
            Err(e) => Err(e),
        }
    }

    /// Waits at most `max_cycles` for the job just started; returns the wait and STATUS (not yet
    /// acknowledged: see [`Accel::acknowledge`]).
    fn finish_job(&mut self, max_cycles: u64) -> Result<(WaitOutcome, u32), DriverError> {
        // A job has ended when DONE is up, not merely when BUSY is down: on a board, STATUS can
        // be read before the device has taken the start write. While cycles pass, an idle device
        // without DONE is waited for (a simulation, where no cycle passes then, times out at once).
        let mut waited = 0u64;
        loop {
            let wait = self.bus.wait_idle(max_cycles - waited)?;
            waited = (waited + wait.cycles).min(max_cycles);
            let status = if wait.idle {
                self.bus.read_reg(regs::STATUS)?
            } else {
                0
            };
            if wait.idle && regs::STATUS_DONE.get(status) != 0 {
                return Ok((
                    WaitOutcome {
                        cycles: waited,
                        idle: true,
                    },
                    status,
                ));
            }
            if !wait.idle || wait.cycles == 0 || waited >= max_cycles {
                return Err(DriverError::Timeout {
                    cycles: max_cycles,
                    at_cycle: self.bus.cycle(),
                });
            }
        }
    }

    /// Acknowledges STATUS (clearing DONE drops the interrupt, clearing ERROR clears the code)
    /// and turns an error status into [`DriverError::JobFailed`].
    fn acknowledge(&mut self, status: u32, busy_cycles: u64) -> Result<(), DriverError> {
        self.bus.write_reg(
            regs::STATUS,
            regs::STATUS_DONE.mask() | regs::STATUS_ERROR.mask(),
        )?;
        if regs::STATUS_ERROR.get(status) != 0 {
            return Err(DriverError::JobFailed {
                code: ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(status)),
                cycles: busy_cycles,
                at_cycle: self.bus.cycle(),
            });
        }
        Ok(())
    }

    /// The DMA window [`Accel::open`] set.
    fn dma_window(&self) -> crate::device::checks::Window {
        window_of(self.bus.dram())
    }

    /// Refuses to start a job while an earlier one still runs.
    fn ensure_idle(&mut self) -> Result<(), DriverError> {
        if regs::STATUS_BUSY.get(self.bus.read_reg(regs::STATUS)?) != 0 {
            return Err(DriverError::StillBusy);
        }
        Ok(())
    }

    /// Soft reset: writes `CTRL.SOFT_RESET`, waits at most [`SOFT_RESET_MAX_CYCLES`] for the
    /// device to be idle, and acknowledges STATUS, so the next job starts from a clean state.
    ///
    /// A running job is aborted (it ends with `ERR_ABORTED` once its AXI transfers in flight
    /// complete); an idle device just has `STATUS.DONE`, `STATUS.ERROR` and the error code
    /// cleared. The Persistent Buffer keeps its contents, but after a failed or aborted job the
    /// host must treat its PB map as unknown (`hw/docs/persistent-buffer.md` section 3). On the
    /// golden model a job never runs past the write that starts it, so this only clears STATUS.
    pub fn soft_reset(&mut self) -> Result<(), DriverError> {
        let ctrl_irq = regs::CTRL_IRQ_ENABLE.mask();
        self.bus
            .write_reg(regs::CTRL, ctrl_irq | regs::CTRL_SOFT_RESET.mask())?;
        let wait = self.bus.wait_idle(SOFT_RESET_MAX_CYCLES)?;
        if !wait.idle {
            return Err(DriverError::Timeout {
                cycles: SOFT_RESET_MAX_CYCLES,
                at_cycle: self.bus.cycle(),
            });
        }
        // An aborted job ends with DONE and ERROR (ERR_ABORTED): acknowledge them.
        self.bus.write_reg(
            regs::STATUS,
            regs::STATUS_DONE.mask() | regs::STATUS_ERROR.mask(),
        )?;
        Ok(())
    }

    /// The bus, for direct access (tests, bring-up).
    pub fn bus(&mut self) -> &mut B {
        &mut self.bus
    }

    /// The hw config the device was opened with.
    pub fn config(&self) -> &HwConfig {
        &self.config
    }

    /// Gives the bus back.
    pub fn into_bus(self) -> B {
        self.bus
    }

    /// Reads every counter.
    pub fn counters(&mut self) -> Result<Counters, DriverError> {
        let b: &mut dyn Bus = &mut self.bus;
        Ok(Counters {
            cycles: read_counter(b, regs::CYCLES_LO)?,
            busy_cycles: read_counter(b, regs::BUSY_CYCLES_LO)?,
            dram_read_bytes: read_counter(b, regs::DRAM_READ_BYTES_LO)?,
            dram_write_bytes: read_counter(b, regs::DRAM_WRITE_BYTES_LO)?,
            read_wait_cycles: read_counter(b, regs::READ_WAIT_CYCLES_LO)?,
            write_wait_cycles: read_counter(b, regs::WRITE_WAIT_CYCLES_LO)?,
            dma_window_violations: read_counter(b, regs::DMA_WINDOW_VIOLATIONS_LO)?,
            pb_overflows: read_counter(b, regs::PB_OVERFLOWS_LO)?,
        })
    }

    /// Copies `len` bytes from `src` to `dst` with the accelerator's DMA engine and waits at most
    /// `max_cycles` for it. Both ranges must lie in the DMA region; they may overlap only if
    /// `dst <= src` (the engine copies upwards) and any alignment works.
    pub fn memcpy(
        &mut self,
        src: u64,
        dst: u64,
        len: u64,
        max_cycles: u64,
    ) -> Result<CopyReport, DriverError> {
        let region = self.bus.dram();
        for (what, addr) in [("source", src), ("destination", dst)] {
            if !region.contains(addr, len) || addr + len > u64::from(u32::MAX) {
                return Err(DriverError::OutsideRegion {
                    what,
                    addr,
                    len,
                    base: region.base,
                    bytes: region.bytes,
                });
            }
        }
        if dst > src && dst < src + len {
            return Err(DriverError::Overlap { src, dst, len });
        }
        self.ensure_idle()?;
        let ctrl_irq = regs::CTRL_IRQ_ENABLE.mask();
        self.bus
            .write_reg(regs::CTRL, ctrl_irq | regs::CTRL_COUNTERS_CLEAR.mask())?;
        self.bus.write_reg(regs::COPY_SRC, src as u32)?;
        self.bus.write_reg(regs::COPY_DST, dst as u32)?;
        self.bus.write_reg(regs::COPY_LEN, len as u32)?;
        self.bus
            .write_reg(regs::CTRL, ctrl_irq | regs::CTRL_COPY_START.mask())?;
        let (wait, status) = self.finish_job(max_cycles)?;
        let counters = self.counters()?;
        self.acknowledge(status, counters.busy_cycles)?;
        Ok(CopyReport {
            bytes: len,
            counters,
            wait_cycles: wait.cycles,
        })
    }
}

/// What running a compiled program returned.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The tensors the program stored, in its order.
    pub outputs: Vec<(crate::net::network::TensorId, crate::net::int8::Act)>,
    /// Counters of the run (cleared before it started).
    pub counters: Counters,
    /// MACs and the DRAM bytes by kind.
    pub traffic: Traffic,
    /// Cycles the host waited.
    pub wait_cycles: u64,
}

/// Datapath counters of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Traffic {
    /// MAC slots used on in-bounds positions.
    pub macs: u64,
    /// DRAM bytes read by LOAD_W and LOAD_W_PB: the weights a query streams (PB fills are
    /// `pb_fill_bytes`; a deposit's PB writes read nothing more).
    pub dram_read_weight_bytes: u64,
    /// DRAM bytes read by LOAD_ACT.
    pub dram_read_act_bytes: u64,
    /// DRAM bytes written by STORE_ACT.
    pub dram_write_act_bytes: u64,
    /// DRAM bytes read by the command fetcher.
    pub dram_read_cmd_bytes: u64,
    /// DRAM bytes read by LOAD_EPI.
    pub dram_read_epi_bytes: u64,
    /// DRAM bytes read by LOAD_PB (Persistent Buffer fills), whole AXI beats like the other
    /// DRAM byte counters; they also count in `Counters::dram_read_bytes`.
    pub pb_fill_bytes: u64,
    /// Persistent Buffer bytes read by COPY_PB (words x `R * C`); no DRAM traffic.
    pub pb_read_bytes: u64,
}

impl<B: Bus> Accel<B> {
    /// Reads the datapath counters.
    pub fn traffic(&mut self) -> Result<Traffic, DriverError> {
        let b: &mut dyn Bus = &mut self.bus;
        Ok(Traffic {
            macs: read_counter(b, regs::MACS_LO)?,
            dram_read_weight_bytes: read_counter(b, regs::DRAM_READ_WEIGHT_BYTES_LO)?,
            dram_read_act_bytes: read_counter(b, regs::DRAM_READ_ACT_BYTES_LO)?,
            dram_write_act_bytes: read_counter(b, regs::DRAM_WRITE_ACT_BYTES_LO)?,
            dram_read_cmd_bytes: read_counter(b, regs::DRAM_READ_CMD_BYTES_LO)?,
            dram_read_epi_bytes: read_counter(b, regs::DRAM_READ_EPI_BYTES_LO)?,
            pb_fill_bytes: read_counter(b, regs::PB_FILL_BYTES_LO)?,
            pb_read_bytes: read_counter(b, regs::PB_READ_BYTES_LO)?,
        })
    }

    /// Runs a compiled program whose input is already set: places its image at the start of the
    /// DMA region, starts the command stream, waits at most `max_cycles`, and reads back the
    /// stored tensors.
    pub fn run_program(
        &mut self,
        program: &crate::compile::program::Program,
        max_cycles: u64,
    ) -> Result<RunReport, DriverError> {
        let region = self.bus.dram();
        let base = region.base;
        if program.image.len() as u64 > region.bytes
            || base + program.image.len() as u64 > u64::from(u32::MAX)
        {
            return Err(DriverError::OutsideRegion {
                what: "program image",
                addr: base,
                len: program.image.len() as u64,
                base: region.base,
                bytes: region.bytes,
            });
        }
        let image = self.relocate_program(program, base)?;
        // The first line of defence: what is about to be fetched, checked as the device would.
        crate::device::checks::check_stream(
            &crate::device::checks::decode_stream(&image, program.commands.len()),
            &crate::device::checks::Limits::of(&self.config),
            self.dma_window(),
        )?;
        self.ensure_idle()?;
        self.bus.write_dram(base, &image)?;
        let ctrl_irq = regs::CTRL_IRQ_ENABLE.mask();
        self.bus
            .write_reg(regs::CTRL, ctrl_irq | regs::CTRL_COUNTERS_CLEAR.mask())?;
        self.bus.write_reg(regs::CMD_BASE, base as u32)?;
        self.bus
            .write_reg(regs::CMD_LIMIT, program.commands.len() as u32)?;
        self.bus
            .write_reg(regs::CTRL, ctrl_irq | regs::CTRL_RUN.mask())?;
        let (wait, status) = self.finish_job(max_cycles)?;
        let counters = self.counters()?;
        let traffic = self.traffic()?;
        self.acknowledge(status, counters.busy_cycles)?;
        let mut after = vec![0u8; image.len()];
        self.bus.read_dram(base, &mut after)?;
        let outputs = program
            .outputs
            .iter()
            .map(|s| (s.tensor, program.read_output(&after, s)))
            .collect();
        Ok(RunReport {
            outputs,
            counters,
            traffic,
            wait_cycles: wait.cycles,
        })
    }
}

/// The tile image in DRAM: where, how long, and which layout (`pb::TileLayout::id`).
#[derive(Debug, Clone, Copy)]
struct TileImageAt {
    base: u64,
    bytes: u64,
    id: u64,
}

/// The SuperNet tile image (`hw/docs/persistent-buffer.md` section 1): written once at the top of
/// the DMA region, below which programs are placed.
impl<B: Bus> Accel<B> {
    /// Writes the SuperNet tile image at the end of the DMA region (its base aligned down to
    /// 4 KiB) and remembers it: [`Accel::run_program`] then places tile-image addresses there.
    /// Returns the base.
    pub fn upload_tile_image(
        &mut self,
        image: &crate::compile::tiles::TileImage,
    ) -> Result<u64, DriverError> {
        let region = self.bus.dram();
        let len = image.data().len() as u64;
        let base = (region.base + region.bytes)
            .checked_sub(len)
            .map(|b| b & !0xfff)
            .filter(|&b| b >= region.base && b + len <= 1 << 32)
            .ok_or(DriverError::OutsideRegion {
                what: "tile image",
                addr: region.base,
                len,
                base: region.base,
                bytes: region.bytes,
            })?;
        self.bus.write_dram(base, image.data())?;
        self.tile_image = Some(TileImageAt {
            base,
            bytes: len,
            id: image.layout().id(),
        });
        Ok(base)
    }

    /// Base of the uploaded tile image, if any.
    pub fn tile_image_base(&self) -> Option<u64> {
        self.tile_image.map(|t| t.base)
    }

    /// The program's image relocated to `base`, its tile-image addresses to the uploaded tile
    /// image. Refused when the program was compiled against a tile image that is not the
    /// uploaded one, or when its image would overwrite the tile image.
    fn relocate_program(
        &self,
        program: &crate::compile::program::Program,
        base: u64,
    ) -> Result<Vec<u8>, DriverError> {
        let region = self.bus.dram();
        if let Some(t) = self.tile_image
            && base + program.image.len() as u64 > t.base
        {
            return Err(DriverError::OutsideRegion {
                what: "program image (it would overwrite the tile image at the end of the region)",
                addr: base,
                len: program.image.len() as u64,
                base: region.base,
                bytes: t.base - region.base,
            });
        }
        match (program.tile_image, self.tile_image) {
            (None, _) => Ok(program.relocated_image(base)),
            (Some(id), Some(t)) if t.id == id => Ok(program.relocated_image_with(base, t.base)),
            (Some(_), t) => Err(DriverError::OutsideRegion {
                what: "tile image the program was compiled against (not uploaded: call upload_tile_image with it)",
                addr: t.map_or(region.base + region.bytes, |t| t.base),
                len: t.map_or(0, |t| t.bytes),
                base: region.base,
                bytes: region.bytes,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::model::ModelAccel;
    use sushi_hw::commands::{Command, Control, CopyPb, Dma, Op};

    fn open() -> Accel<ModelAccel> {
        let cfg = HwConfig::builtin("tiny").expect("built-in config");
        Accel::open(ModelAccel::new(&cfg), &cfg).expect("opens")
    }

    /// Runs `cmds` and an END from the start of DRAM through the registers (no driver checks);
    /// returns STATUS.
    fn raw_run(accel: &mut Accel<ModelAccel>, cmds: &[Command]) -> u32 {
        let base = accel.bus().dram().base;
        let bytes: Vec<u8> = cmds
            .iter()
            .copied()
            .chain([Control.encode(Op::End, 0)])
            .flat_map(Command::to_bytes)
            .collect();
        let bus = accel.bus();
        bus.write_dram(base, &bytes).expect("inside DRAM");
        bus.write_reg(regs::CMD_BASE, base as u32).expect("reg");
        bus.write_reg(regs::CMD_LIMIT, cmds.len() as u32 + 1)
            .expect("reg");
        bus.write_reg(regs::CTRL, regs::CTRL_RUN.mask())
            .expect("reg");
        bus.read_reg(regs::STATUS).expect("reg")
    }

    #[test]
    fn open_sets_the_dma_window_to_the_bus_dram_region() {
        let mut accel = open();
        let region = accel.bus().dram();
        assert_eq!(
            u64::from(accel.bus().read_reg(regs::DMA_BASE).expect("reg")),
            region.base
        );
        assert_eq!(
            u64::from(accel.bus().read_reg(regs::DMA_LAST).expect("reg")),
            region.base + region.bytes - 1
        );
    }

    #[test]
    fn the_pb_and_window_counters_reach_their_fields() {
        let mut accel = open();
        let base = accel.bus().dram().base as u32;
        let load_pb = Dma {
            dram_addr: base + 0x1000,
            sram_addr: 0,
            count: 4,
            rows: 2,
            dram_stride: 0x40,
            sram_stride: 8,
        }
        .encode(Op::LoadPb, 0);
        let copy_pb = CopyPb {
            count: 3,
            rows: 1,
            ..CopyPb::default()
        }
        .encode(Op::CopyPb, 0);
        let pb_words = accel.config().spec.buffers.pb_bytes as u32
            / (accel.config().spec.array.rows * accel.config().spec.array.cols);
        let overflow = CopyPb {
            pb_addr: pb_words - 1,
            count: 2,
            rows: 1,
            ..CopyPb::default()
        }
        .encode(Op::CopyPb, 0);
        let status = raw_run(&mut accel, &[load_pb, copy_pb, overflow]);
        assert_eq!(
            ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(status)),
            ErrorCode::PbOverflow
        );
        // DRAM address 0 is below the window the driver set.
        let outside = Dma {
            count: 1,
            rows: 1,
            ..Dma::default()
        }
        .encode(Op::LoadW, 0);
        let status = raw_run(&mut accel, &[outside]);
        assert_eq!(
            ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(status)),
            ErrorCode::DmaWindow
        );
        let t = accel.traffic().expect("traffic");
        assert_eq!((t.pb_fill_bytes, t.pb_read_bytes), (2 * 4 * 8, 3 * 8));
        assert_eq!(t.dram_read_weight_bytes, 0);
        let c = accel.counters().expect("counters");
        assert_eq!((c.pb_overflows, c.dma_window_violations), (1, 1));
    }

    #[test]
    fn soft_reset_clears_a_failed_jobs_status_and_the_next_job_runs() {
        let mut accel = open();
        let rows_0 = Dma::default().encode(Op::LoadAct, 0);
        let status = raw_run(&mut accel, &[rows_0]);
        assert_eq!(
            ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(status)),
            ErrorCode::BadCommand
        );
        accel.soft_reset().expect("soft reset");
        assert_eq!(accel.bus().read_reg(regs::STATUS).expect("reg"), 0);
        let base = accel.bus().dram().base;
        accel
            .bus()
            .write_dram(base + 0x100, &[7; 16])
            .expect("inside DRAM");
        let report = accel
            .memcpy(base + 0x100, base + 0x200, 16, 1000)
            .expect("copies");
        assert_eq!(report.bytes, 16);
        let mut out = [0; 16];
        accel
            .bus()
            .read_dram(base + 0x200, &mut out)
            .expect("inside");
        assert_eq!(out, [7; 16]);
    }

    #[test]
    fn a_failed_job_says_what_its_code_means() {
        for (code, words) in [
            (ErrorCode::DmaWindow, "DMA window"),
            (ErrorCode::PbOverflow, "Persistent Buffer"),
            (ErrorCode::Aborted, "SOFT_RESET"),
        ] {
            let msg = DriverError::JobFailed {
                code,
                cycles: 5,
                at_cycle: Some(1234),
            }
            .to_string();
            assert!(msg.contains("device cycle 1234"), "{msg}");
            assert!(msg.contains(&format!("{code:?}")), "{msg}");
            assert!(msg.contains(words), "{msg}");
        }
    }

    #[test]
    fn every_error_code_decodes_to_a_known_code_with_an_explanation() {
        for &(name, bits, _) in regs::ERROR_CODES {
            let code = ErrorCode::from_bits(bits);
            assert!(!matches!(code, ErrorCode::Unknown(_)), "{name}");
            assert!(!explain(code).is_empty(), "{name}");
        }
    }
}
