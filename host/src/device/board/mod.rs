//! The board backend: the accelerator on an FPGA board behind Linux, as a [`Bus`].
//!
//! Registers are the UIO device's first map (`/dev/uioN`, its size from
//! `/sys/class/uio/uioN/maps/map0/size`); DRAM is a physically contiguous u-dma-buf buffer
//! (`/dev/udmabufN`, its bus address and size from `/sys/class/u-dma-buf/udmabufN/`). The driver
//! above ([`crate::device::driver::Accel`]) is the same code the RTL and model backends run: only this
//! lowest layer differs. Waiting polls `STATUS.BUSY`, or with [`BoardOptions::interrupt`] sleeps
//! on the UIO interrupt, both with a deadline derived from the cycle budget and the config's
//! clock. All `unsafe` lives in [`mmio`].
//!
//! What is verified without a board: the mapping layer against regular files (offsets, widths,
//! bounds, volatile order through a second mapping), sysfs discovery, and the driver's open
//! sequence and job start over files (`host/tests/board.rs`). Nothing here has run on a board.

#[allow(unsafe_code)]
pub mod mmio;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sushi_hw::regs;
use sushi_hw::{Bus, BusError, DramRegion, HwConfig, WaitOutcome};

use mmio::{Mapping, MmioError};

/// Bytes of the register window (every register lies in the first 4 KiB).
pub const REGISTER_WINDOW_BYTES: usize = 4096;

pub use crate::device::backend::BoardOptions;

/// Why the board could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoardError {
    /// A device node or its mapping failed.
    #[error(transparent)]
    Mmio(#[from] MmioError),
    /// A sysfs attribute is missing or unreadable.
    #[error("{path}: {message} (is the driver loaded? hw/boards/bring-up.md, step 4)")]
    Sysfs {
        /// The attribute file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The register map is smaller than the register window.
    #[error(
        "{path} maps {bytes} bytes, fewer than the {REGISTER_WINDOW_BYTES}-byte register window: the UIO node's `reg` in the device tree must span 4 KiB"
    )]
    SmallRegisterMap {
        /// The UIO device.
        path: PathBuf,
        /// Its map size.
        bytes: u64,
    },
    /// The DMA buffer cannot hold what the host needs to place there.
    #[error(
        "the DMA buffer {path} has {have} bytes, the SuperNet and its programs need at least {need}: raise the u-dma-buf `size` in the device tree overlay (hw/boards/bring-up.md, step 3)"
    )]
    BufferTooSmall {
        /// The u-dma-buf device.
        path: PathBuf,
        /// Its size.
        have: u64,
        /// What is needed.
        need: u64,
    },
}

/// The accelerator on a board. See the module docs.
#[derive(Debug)]
pub struct BoardBus {
    regs: Mapping,
    dma: Mapping,
    region: DramRegion,
    freq_mhz: u32,
    irq: Option<std::fs::File>,
}

/// The number in a sysfs attribute (`0x`-prefixed hex or decimal, as drivers write them).
pub fn read_sysfs_number(path: &Path) -> Result<u64, BoardError> {
    let text = std::fs::read_to_string(path).map_err(|e| BoardError::Sysfs {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => t.parse(),
    };
    parsed.map_err(|_| BoardError::Sysfs {
        path: path.to_path_buf(),
        message: format!("`{t}` is not a number"),
    })
}

fn device_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl BoardBus {
    /// Opens the board's register and DMA devices for `config` (whose clock turns cycle budgets
    /// into deadlines).
    pub fn open(options: &BoardOptions, config: &HwConfig) -> Result<Self, BoardError> {
        for node in [&options.uio, &options.udmabuf] {
            if !node.exists() {
                return Err(MmioError::NotFound { path: node.clone() }.into());
            }
        }
        // Registers: map 0 of the UIO device.
        let uio = device_name(&options.uio);
        let map_size = read_sysfs_number(
            &options
                .sysfs
                .join(format!("class/uio/{uio}/maps/map0/size")),
        )?;
        if map_size < REGISTER_WINDOW_BYTES as u64 {
            return Err(BoardError::SmallRegisterMap {
                path: options.uio.clone(),
                bytes: map_size,
            });
        }
        let regs = Mapping::open(&options.uio, 0, REGISTER_WINDOW_BYTES)?;
        // DMA buffer: u-dma-buf publishes its bus address and size (older releases under the
        // class `udmabuf`).
        let buf = device_name(&options.udmabuf);
        let class = ["class/u-dma-buf", "class/udmabuf"]
            .iter()
            .map(|c| options.sysfs.join(c).join(&buf))
            .find(|p| p.exists())
            .unwrap_or_else(|| options.sysfs.join("class/u-dma-buf").join(&buf));
        let base = read_sysfs_number(&class.join("phys_addr"))?;
        let bytes = read_sysfs_number(&class.join("size"))?;
        let len = usize::try_from(bytes).map_err(|_| BoardError::Sysfs {
            path: class.join("size"),
            message: format!("{bytes} bytes do not fit this host's address space"),
        })?;
        let dma = Mapping::open(&options.udmabuf, 0, len)?;
        let irq = if options.interrupt {
            Some(
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&options.uio)
                    .map_err(|e| MmioError::open(&options.uio, &e))?,
            )
        } else {
            None
        };
        Ok(BoardBus {
            regs,
            dma,
            region: DramRegion { base, bytes },
            freq_mhz: config.spec.clock.freq_mhz,
            irq,
        })
    }

    /// Refuses a buffer smaller than `need` bytes (the tile image and the largest program).
    pub fn require_buffer(&self, need: u64) -> Result<(), BoardError> {
        if self.region.bytes < need {
            return Err(BoardError::BufferTooSmall {
                path: self.dma.path().to_path_buf(),
                have: self.region.bytes,
                need,
            });
        }
        Ok(())
    }

    fn dma_offset(&self, addr: u64, len: usize) -> Result<usize, BusError> {
        if !self.region.contains(addr, len as u64) {
            return Err(BusError::OutOfRange {
                addr,
                len: len as u64,
                base: self.region.base,
                bytes: self.region.bytes,
            });
        }
        Ok((addr - self.region.base) as usize)
    }

    fn busy(&self) -> Result<bool, BusError> {
        Ok(regs::STATUS_BUSY.get(self.read(regs::STATUS)?) != 0)
    }

    fn read(&self, offset: u32) -> Result<u32, BusError> {
        self.regs
            .read_u32(offset as usize)
            .map_err(|e| BusError::Backend(e.to_string()))
    }

    /// Sleeps until the UIO interrupt fires or `timeout` passes (re-arming it first: UIO masks
    /// the line after each interrupt until user space writes 1).
    fn sleep_on_interrupt(&mut self, timeout: Duration) -> Result<(), BusError> {
        use std::io::{Read, Write};
        let Some(f) = self.irq.as_mut() else {
            return Ok(());
        };
        let io = |e: std::io::Error| BusError::Backend(format!("UIO interrupt: {e}"));
        f.write_all(&1u32.to_ne_bytes()).map_err(io)?;
        if mmio::wait_readable(f, timeout).map_err(io)? {
            let mut count = [0u8; 4];
            f.read_exact(&mut count).map_err(io)?;
        }
        Ok(())
    }
}

impl Bus for BoardBus {
    fn backend(&self) -> &'static str {
        "board"
    }

    fn read_reg(&mut self, offset: u32) -> Result<u32, BusError> {
        self.read(offset)
    }

    fn write_reg(&mut self, offset: u32, value: u32) -> Result<(), BusError> {
        self.regs
            .write_u32(offset as usize, value)
            .map_err(|e| BusError::Backend(e.to_string()))
    }

    fn dram(&self) -> DramRegion {
        self.region
    }

    fn write_dram(&mut self, addr: u64, data: &[u8]) -> Result<(), BusError> {
        let at = self.dma_offset(addr, data.len())?;
        self.dma
            .write_bytes(at, data)
            .map_err(|e| BusError::Backend(e.to_string()))
    }

    fn read_dram(&mut self, addr: u64, out: &mut [u8]) -> Result<(), BusError> {
        let at = self.dma_offset(addr, out.len())?;
        self.dma
            .read_bytes(at, out)
            .map_err(|e| BusError::Backend(e.to_string()))
    }

    /// Polls `STATUS.BUSY` (or sleeps on the interrupt) until it falls or the budget, as time
    /// at the config's clock, runs out; `cycles` is the time waited at that clock.
    fn wait_idle(&mut self, max_cycles: u64) -> Result<WaitOutcome, BusError> {
        let budget =
            Duration::from_nanos(max_cycles.saturating_mul(1000) / u64::from(self.freq_mhz.max(1)));
        let start = Instant::now();
        let freq = u64::from(self.freq_mhz);
        let cycles = move |d: Duration| (d.as_nanos() as u64).saturating_mul(freq) / 1000;
        loop {
            if !self.busy()? {
                return Ok(WaitOutcome {
                    cycles: cycles(start.elapsed()),
                    idle: true,
                });
            }
            let elapsed = start.elapsed();
            if elapsed >= budget {
                return Ok(WaitOutcome {
                    cycles: cycles(elapsed),
                    idle: false,
                });
            }
            if self.irq.is_some() {
                self.sleep_on_interrupt(budget - elapsed)?;
            } else {
                // Jobs take tens of µs to ms: a short sleep keeps a core free at little cost.
                std::thread::sleep(Duration::from_micros(20).min(budget - elapsed));
            }
        }
    }
}
