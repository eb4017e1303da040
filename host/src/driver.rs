//! The driver: register sequences over any [`Bus`], the same code for every backend.
//!
//! Opening a device checks that it is a SUSHI accelerator (ID), speaks this register map
//! (VERSION) and was built for the host's hw config (CONFIG_HASH); a mismatch is refused before
//! anything else touches the device.

use serde::Serialize;
use sushi_hw::bus::read_counter;
use sushi_hw::regs::{self, ErrorCode};
use sushi_hw::{Bus, BusError, HwConfig};

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
    #[error("the accelerator reported {code:?} (STATUS.ERROR_CODE) after {cycles} cycles")]
    JobFailed {
        /// The error code.
        code: ErrorCode,
        /// Cycles the job ran.
        cycles: u64,
    },
    /// A job did not finish within its cycle budget.
    #[error("the accelerator was still busy after {cycles} cycles (watchdog); the job may be hung")]
    Timeout {
        /// The budget.
        cycles: u64,
    },
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

/// A SUSHI accelerator behind a [`Bus`].
#[derive(Debug)]
pub struct Accel<B: Bus> {
    bus: B,
    config: HwConfig,
    /// Where the SuperNet tile image sits in DRAM (see `upload_tile_image`).
    tile_image: Option<TileImageAt>,
}

impl<B: Bus> Accel<B> {
    /// Opens the device: checks ID, register map version and config hash.
    pub fn open(mut bus: B, config: &HwConfig) -> Result<Self, DriverError> {
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
        Ok(Accel {
            bus,
            config: config.clone(),
            tile_image: None,
        })
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
        let ctrl_irq = regs::CTRL_IRQ_ENABLE.mask();
        self.bus
            .write_reg(regs::CTRL, ctrl_irq | regs::CTRL_COUNTERS_CLEAR.mask())?;
        self.bus.write_reg(regs::COPY_SRC, src as u32)?;
        self.bus.write_reg(regs::COPY_DST, dst as u32)?;
        self.bus.write_reg(regs::COPY_LEN, len as u32)?;
        self.bus
            .write_reg(regs::CTRL, ctrl_irq | regs::CTRL_COPY_START.mask())?;
        let wait = self.bus.wait_idle(max_cycles)?;
        if !wait.idle {
            return Err(DriverError::Timeout { cycles: max_cycles });
        }
        let status = self.bus.read_reg(regs::STATUS)?;
        let counters = self.counters()?;
        if regs::STATUS_DONE.get(status) == 0 {
            return Err(DriverError::Timeout { cycles: max_cycles });
        }
        // Acknowledge: clearing DONE drops the interrupt, clearing ERROR clears the code.
        self.bus.write_reg(
            regs::STATUS,
            regs::STATUS_DONE.mask() | regs::STATUS_ERROR.mask(),
        )?;
        if regs::STATUS_ERROR.get(status) != 0 {
            let code = ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(status));
            return Err(DriverError::JobFailed {
                code,
                cycles: counters.busy_cycles,
            });
        }
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
    pub outputs: Vec<(crate::network::TensorId, crate::int8::Act)>,
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
    /// DRAM bytes read by LOAD_W and LOAD_PB.
    pub dram_read_weight_bytes: u64,
    /// DRAM bytes read by LOAD_ACT.
    pub dram_read_act_bytes: u64,
    /// DRAM bytes written by STORE_ACT.
    pub dram_write_act_bytes: u64,
    /// DRAM bytes read by the command fetcher.
    pub dram_read_cmd_bytes: u64,
    /// DRAM bytes read by LOAD_EPI.
    pub dram_read_epi_bytes: u64,
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
        })
    }

    /// Runs a compiled program whose input is already set: places its image at the start of the
    /// DMA region, starts the command stream, waits at most `max_cycles`, and reads back the
    /// stored tensors.
    pub fn run_program(
        &mut self,
        program: &crate::compiler::Program,
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
        self.bus.write_dram(base, &image)?;
        let ctrl_irq = regs::CTRL_IRQ_ENABLE.mask();
        self.bus
            .write_reg(regs::CTRL, ctrl_irq | regs::CTRL_COUNTERS_CLEAR.mask())?;
        self.bus.write_reg(regs::CMD_BASE, base as u32)?;
        self.bus
            .write_reg(regs::CMD_LIMIT, program.commands.len() as u32)?;
        self.bus
            .write_reg(regs::CTRL, ctrl_irq | regs::CTRL_RUN.mask())?;
        let wait = self.bus.wait_idle(max_cycles)?;
        if !wait.idle {
            return Err(DriverError::Timeout { cycles: max_cycles });
        }
        let status = self.bus.read_reg(regs::STATUS)?;
        let counters = self.counters()?;
        let traffic = self.traffic()?;
        self.bus.write_reg(
            regs::STATUS,
            regs::STATUS_DONE.mask() | regs::STATUS_ERROR.mask(),
        )?;
        if regs::STATUS_ERROR.get(status) != 0 {
            let code = ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(status));
            return Err(DriverError::JobFailed {
                code,
                cycles: counters.busy_cycles,
            });
        }
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
    pub fn upload_tile_image(&mut self, image: &crate::pb::TileImage) -> Result<u64, DriverError> {
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
        program: &crate::compiler::Program,
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
