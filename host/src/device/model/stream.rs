//! The model's two jobs: a memcpy, and a command stream fetched, dispatched to its engine in
//! order, and checked for races between engines and for waits that would deadlock.
use sushi_hw::commands::{self, Command, Engine, Fields};
use sushi_hw::regs;

use super::races::check_races;
use super::*;

impl ModelAccel {
    pub(super) fn memcpy(&mut self) {
        let [src, dst, len] = self.copy.map(u64::from);
        let d = u64::from(self.config.spec.axi.data_bytes);
        let beats = |a: u64| {
            if len == 0 {
                0
            } else {
                (a + len - 1) / d - a / d + 1
            }
        };
        // The window bounds the bursts, which cover whole beats (the RTL checks each burst).
        for (what, addr) in [("memcpy source", src), ("memcpy destination", dst)] {
            let (first, bytes) = self.beat_extent(addr, len);
            if !self.in_window(first, bytes) {
                let fault = self.window_fault(what, first, bytes);
                return self.finish(Some(fault));
            }
        }
        let fault = match (self.dram_range(src, len), self.dram_range(dst, len)) {
            (None, _) => Some(Fault(
                regs::ErrorCode::AxiRead,
                "source outside DRAM".into(),
            )),
            (_, None) => Some(Fault(
                regs::ErrorCode::AxiWrite,
                "destination outside DRAM".into(),
            )),
            (Some(s), Some(t)) => {
                self.dram.copy_within(s, t.start);
                self.count(regs::DRAM_READ_BYTES_LO, beats(src) * d);
                self.count(regs::DRAM_WRITE_BYTES_LO, beats(dst) * d);
                None
            }
        };
        self.finish(fault);
    }

    pub(super) fn run_stream(&mut self) {
        let mut executed: Vec<Executed> = Vec::new();
        let mut done = [0u32; 2]; // commands completed per engine: [dma, compute]
        let mut max_wait = [0u32; 2];
        for position in 0..self.cmd_limit as usize {
            let addr = u64::from(self.cmd_base) + (position * commands::COMMAND_BYTES) as u64;
            if !self.in_window(addr, commands::COMMAND_BYTES as u64) {
                let fault =
                    self.window_fault("command fetch", addr, commands::COMMAND_BYTES as u64);
                return self.finish(Some(fault));
            }
            let Some(range) = self.dram_range(addr, commands::COMMAND_BYTES as u64) else {
                return self.finish(Some(Fault(
                    regs::ErrorCode::AxiRead,
                    "command fetch outside DRAM".into(),
                )));
            };
            let bytes: [u8; commands::COMMAND_BYTES] =
                self.dram[range].try_into().expect("32 bytes");
            // Command beats cross the R channel like any other (COMMAND_BYTES is whole beats).
            self.count(regs::DRAM_READ_CMD_BYTES_LO, commands::COMMAND_BYTES as u64);
            self.count(regs::DRAM_READ_BYTES_LO, commands::COMMAND_BYTES as u64);
            let cmd = Command::from_bytes(&bytes);
            let Some((op, fields)) = cmd.decode() else {
                return self.finish(Some(Fault(
                    regs::ErrorCode::BadOpcode,
                    format!("command {position}"),
                )));
            };
            if op.engine() == Engine::Control {
                if let Err(problem) = check_races(&executed) {
                    self.pending = Some(problem);
                }
                return self.finish(None);
            }
            let (me, other) = if op.engine() == Engine::Dma {
                (0, 1)
            } else {
                (1, 0)
            };
            let wait = cmd.wait_count();
            if wait > done[other] {
                self.pending = Some(format!(
                    "command {position} ({op}) waits for {wait} commands of the other engine, but only {} come before it in the stream: the hardware would deadlock",
                    done[other]
                ));
            }
            max_wait[me] = max_wait[me].max(wait);
            let result = match fields {
                Fields::Dma(dma) => self.dma(op, &dma),
                Fields::Copy(copy) => self.copy_pb(&copy),
                Fields::Deposit(deposit) => self.load_w_pb(&deposit),
                Fields::Window(win) => self.window(op, &win),
                Fields::Add(add) => self.add(&add),
                Fields::Control(_) => unreachable!("{op} runs on no engine"),
            };
            match result {
                Ok(accesses) => {
                    done[me] += 1;
                    executed.push(Executed {
                        engine: op.engine(),
                        index: done[me],
                        effective_wait: max_wait[me],
                        accesses,
                        position,
                    });
                }
                Err(fault) => return self.finish(Some(fault)),
            }
        }
        self.finish(Some(Fault(
            regs::ErrorCode::NoEnd,
            "no END within CMD_LIMIT".into(),
        )))
    }
}
