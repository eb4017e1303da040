//! The model behind [`Bus`]: registers as the RTL's (same map, same responses, W1C, LO/HI
//! latching), DRAM access, and the jobs started by a register write.
use sushi_hw::regs::{self, AxiResp};
use sushi_hw::{Bus, BusError, DramRegion, WaitOutcome};

use super::*;

impl Bus for ModelAccel {
    fn backend(&self) -> &'static str {
        "model"
    }

    fn read_reg(&mut self, offset: u32) -> Result<u32, BusError> {
        let Some(reg) = regs::by_offset(offset) else {
            return Err(BusError::RegResponse {
                kind: "read",
                offset,
                resp: AxiResp::DecErr,
            });
        };
        let status = u32::from(self.done) << regs::STATUS_DONE.lsb
            | u32::from(self.error) << regs::STATUS_ERROR.lsb
            | self.error_code << regs::STATUS_ERROR_CODE.lsb;
        Ok(match offset {
            regs::ID => regs::ID_MAGIC,
            regs::VERSION => regs::REGMAP_VERSION,
            regs::CONFIG_HASH => self.config.derived().config_hash,
            regs::CTRL => u32::from(self.ctrl_irq) << regs::CTRL_IRQ_ENABLE.lsb,
            regs::STATUS => status,
            regs::SCRATCH => self.scratch,
            regs::COPY_SRC => self.copy[0],
            regs::COPY_DST => self.copy[1],
            regs::COPY_LEN => self.copy[2],
            regs::CMD_BASE => self.cmd_base,
            regs::CMD_LIMIT => self.cmd_limit,
            regs::DMA_BASE => self.dma_base,
            regs::DMA_LAST => self.dma_last,
            _ if reg.name.ends_with("_LO") => {
                let v = self.counter_value(offset);
                self.shadow.insert(offset + 4, (v >> 32) as u32);
                v as u32
            }
            _ => self.shadow.get(&offset).copied().unwrap_or(0),
        })
    }

    fn write_reg(&mut self, offset: u32, value: u32) -> Result<(), BusError> {
        let Some(reg) = regs::by_offset(offset) else {
            return Err(BusError::RegResponse {
                kind: "write",
                offset,
                resp: AxiResp::DecErr,
            });
        };
        match offset {
            regs::CTRL => {
                self.ctrl_irq = regs::CTRL_IRQ_ENABLE.get(value) != 0;
                if regs::CTRL_COUNTERS_CLEAR.get(value) != 0 {
                    self.counters.clear();
                }
                // A model job never runs past the write that starts it, so a soft reset always
                // finds the model idle: it clears STATUS (ERR_ABORTED cannot happen here). The
                // PB keeps its contents, as on the RTL.
                if regs::CTRL_SOFT_RESET.get(value) != 0 {
                    self.done = false;
                    self.error = false;
                    self.error_code = 0;
                    self.fault_detail = None;
                }
                let start = regs::CTRL_COPY_START.get(value) != 0 || regs::CTRL_RUN.get(value) != 0;
                if start {
                    self.done = false;
                    self.error = false;
                    self.error_code = 0;
                }
                if regs::CTRL_COPY_START.get(value) != 0 {
                    self.memcpy();
                } else if regs::CTRL_RUN.get(value) != 0 {
                    self.run_stream();
                }
            }
            regs::STATUS => {
                if regs::STATUS_DONE.get(value) != 0 {
                    self.done = false;
                }
                if regs::STATUS_ERROR.get(value) != 0 {
                    self.error = false;
                    self.error_code = 0;
                }
            }
            regs::SCRATCH => self.scratch = value,
            regs::COPY_SRC => self.copy[0] = value,
            regs::COPY_DST => self.copy[1] = value,
            regs::COPY_LEN => self.copy[2] = value,
            regs::CMD_BASE => self.cmd_base = value,
            regs::CMD_LIMIT => self.cmd_limit = value,
            regs::DMA_BASE => self.dma_base = value,
            regs::DMA_LAST => self.dma_last = value,
            _ => {
                debug_assert!(matches!(reg.access, regs::Access::Ro));
                return Err(BusError::RegResponse {
                    kind: "write",
                    offset,
                    resp: AxiResp::SlvErr,
                });
            }
        }
        Ok(())
    }

    fn dram(&self) -> DramRegion {
        self.region
    }

    fn write_dram(&mut self, addr: u64, data: &[u8]) -> Result<(), BusError> {
        let range = self
            .dram_range(addr, data.len() as u64)
            .ok_or(BusError::OutOfRange {
                addr,
                len: data.len() as u64,
                base: self.region.base,
                bytes: self.region.bytes,
            })?;
        self.dram[range].copy_from_slice(data);
        Ok(())
    }

    fn read_dram(&mut self, addr: u64, out: &mut [u8]) -> Result<(), BusError> {
        let range = self
            .dram_range(addr, out.len() as u64)
            .ok_or(BusError::OutOfRange {
                addr,
                len: out.len() as u64,
                base: self.region.base,
                bytes: self.region.bytes,
            })?;
        out.copy_from_slice(&self.dram[range]);
        Ok(())
    }

    fn wait_idle(&mut self, _max_cycles: u64) -> Result<WaitOutcome, BusError> {
        if let Some(problem) = self.pending.take() {
            return Err(BusError::Backend(problem));
        }
        Ok(WaitOutcome {
            cycles: 0,
            idle: true,
        })
    }

    /// Registers and counters to their reset values (as the RTL's `rst_n`); DRAM is kept, and so
    /// are the on-chip memories (the host treats them as unknown after a reset anyway).
    fn reset_device(&mut self) -> Result<(), BusError> {
        self.ctrl_irq = false;
        self.done = false;
        self.error = false;
        self.error_code = 0;
        self.scratch = 0;
        self.copy = [0; 3];
        self.cmd_base = 0;
        self.cmd_limit = 0;
        self.dma_base = 0;
        self.dma_last = u32::MAX;
        self.counters.clear();
        self.shadow.clear();
        self.pending = None;
        self.fault_detail = None;
        Ok(())
    }
}
