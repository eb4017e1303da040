//! The golden model: a bit-exact functional model of `sushi_top` behind the same [`Bus`] as the
//! RTL, so one driver runs either.
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
//! [`BusError::Backend`]: a command stream whose completion-count waits leave two commands of
//! different engines racing on the same on-chip memory, and a wait on a command that comes later
//! in the stream (a deadlock in hardware).

use std::collections::HashMap;

use sushi_hw::commands::{self, Add, Command, CopyPb, Dma, Engine, Fields, Op};
use sushi_hw::regs::{self, AxiResp};
use sushi_hw::{Bus, BusError, DramRegion, HwConfig, WaitOutcome};

use crate::compile::layout::{Array, ring_taps};
use crate::net::int8::{self, Clamp, Requant};

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

    fn memcpy(&mut self) {
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

    fn run_stream(&mut self) {
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

    /// `LOAD_ACT`, `STORE_ACT`, `LOAD_W`, `LOAD_PB`, `LOAD_EPI`: `ROWS` rows of `COUNT` units,
    /// row `i` between `DRAM_ADDR + i * DRAM_STRIDE` and `SRAM_ADDR + i * SRAM_STRIDE`.
    ///
    /// Checks, all before anything moves, in this order (the contract's checks; the order among
    /// them is the model's choice, which the RTL should share): `ROWS` (at least 1,
    /// exactly 1 for `LOAD_ACT`, `STORE_ACT`, `LOAD_EPI`), DRAM alignment of `DRAM_ADDR` (and of
    /// `DRAM_STRIDE` when `ROWS > 1`), then the on-chip extent (`ERR_BAD_COMMAND`; for `LOAD_PB`
    /// `ERR_PB_OVERFLOW` and one `PB_OVERFLOWS`), then the DMA window over every row's whole
    /// beats, then the DRAM region (the AXI error a real slave would answer).
    fn dma(&mut self, op: Op, dma: &Dma) -> Result<Vec<Access>, Fault> {
        let (dram_addr, sram, count) = (
            u64::from(dma.dram_addr),
            u64::from(dma.sram_addr),
            u64::from(dma.count),
        );
        let (rows, dram_stride, sram_stride) = (
            u64::from(dma.rows),
            u64::from(dma.dram_stride),
            u64::from(dma.sram_stride),
        );
        self.checked(crate::device::checks::check_dma(
            op,
            dma,
            &self.limits(),
            self.dma_window(),
        ))?;
        let d = u64::from(self.config.spec.axi.data_bytes);
        let word = self.array.word_bytes();
        let (mem, unit) = match op {
            Op::LoadAct | Op::StoreAct => (Mem::Act, self.array.cols),
            Op::LoadW => (Mem::Wmem, word),
            Op::LoadPb => (Mem::Pb, word),
            _ => (Mem::Epi, commands::EPI_ENTRY_BYTES),
        };
        let store = op == Op::StoreAct;
        // Each row is its own transfer from an aligned address: whole beats.
        let row_bytes = count * unit as u64;
        let row_beat_bytes = row_bytes.div_ceil(d) * d;
        let row_addr = |i: u64| dram_addr + i * dram_stride;
        let mut dram_rows = Vec::new();
        if row_beat_bytes > 0 {
            for i in 0..rows {
                let Some(range) = self.dram_range(row_addr(i), row_beat_bytes) else {
                    let code = if store {
                        regs::ErrorCode::AxiWrite
                    } else {
                        regs::ErrorCode::AxiRead
                    };
                    return Err(Fault(
                        code,
                        format!("{op} row {i}: DRAM range outside the region"),
                    ));
                };
                dram_rows.push(range.start..range.start + row_bytes as usize);
            }
        }
        let (sram, count, sram_stride) = (sram as usize, count as usize, sram_stride as usize);
        for (i, range) in dram_rows.into_iter().enumerate() {
            let s = sram + i * sram_stride;
            let on_chip = s * unit..(s + count) * unit;
            match mem {
                Mem::Act if store => self.dram[range].copy_from_slice(&self.act[on_chip]),
                Mem::Act => self.act[on_chip].copy_from_slice(&self.dram[range]),
                Mem::Wmem => self.wmem[on_chip].copy_from_slice(&self.dram[range]),
                Mem::Pb => self.pb[on_chip].copy_from_slice(&self.dram[range]),
                Mem::Epi => {
                    for (j, e) in self.dram[range].chunks_exact(unit).enumerate() {
                        let bias = i32::from_le_bytes([e[0], e[1], e[2], e[3]]);
                        let m = i32::from_le_bytes([e[4], e[5], e[6], e[7]]);
                        self.epi[s + j] = (bias, m, e[8] & 0x3f); // the RTL keeps 6 bits of the shift
                    }
                }
            }
        }
        let bytes = rows * row_beat_bytes;
        let counter = match op {
            Op::LoadAct => regs::DRAM_READ_ACT_BYTES_LO,
            Op::StoreAct => regs::DRAM_WRITE_ACT_BYTES_LO,
            Op::LoadEpi => regs::DRAM_READ_EPI_BYTES_LO,
            Op::LoadPb => regs::PB_FILL_BYTES_LO,
            _ => regs::DRAM_READ_WEIGHT_BYTES_LO,
        };
        self.count(counter, bytes);
        self.count(
            if store {
                regs::DRAM_WRITE_BYTES_LO
            } else {
                regs::DRAM_READ_BYTES_LO
            },
            bytes,
        );
        Ok(row_accesses(
            mem,
            sram,
            count,
            rows as usize,
            sram_stride,
            !store,
        ))
    }

    /// `COPY_PB`: `ROWS` rows of `COUNT` words from `PB_ADDR + i * PB_STRIDE` to
    /// `WMEM_ADDR + i * WMEM_STRIDE`; no DRAM traffic, `PB_READ_BYTES` counts the words x `R * C`.
    ///
    /// `ROWS = 0` is `ERR_BAD_COMMAND`; then a PB extent beyond the PB is `ERR_PB_OVERFLOW` (and
    /// one `PB_OVERFLOWS`), then a WMEM extent beyond WMEM `ERR_BAD_COMMAND` (the RTL's order;
    /// [`crate::device::checks::check_copy_pb`]). Nothing moves on an error.
    fn copy_pb(&mut self, copy: &CopyPb) -> Result<Vec<Access>, Fault> {
        let word = self.array.word_bytes();
        self.checked(crate::device::checks::check_copy_pb(copy, &self.limits()))?;
        let [pb_addr, wmem_addr, count, rows, pb_stride, wmem_stride] = [
            copy.pb_addr,
            copy.wmem_addr,
            copy.count,
            copy.rows.into(),
            copy.pb_stride,
            copy.wmem_stride,
        ]
        .map(|v| v as usize);
        for i in 0..rows {
            let (p, w) = (pb_addr + i * pb_stride, wmem_addr + i * wmem_stride);
            self.wmem[w * word..(w + count) * word]
                .copy_from_slice(&self.pb[p * word..(p + count) * word]);
        }
        self.count(regs::PB_READ_BYTES_LO, (rows * count * word) as u64);
        let mut accesses = row_accesses(Mem::Pb, pb_addr, count, rows, pb_stride, false);
        accesses.extend(row_accesses(
            Mem::Wmem,
            wmem_addr,
            count,
            rows,
            wmem_stride,
            true,
        ));
        Ok(accesses)
    }

    fn act_vector(&self, addr: usize) -> Result<&[u8], Fault> {
        let c = self.array.cols;
        self.act.get(addr * c..addr * c + c).ok_or_else(|| {
            Fault(
                regs::ErrorCode::BadCommand,
                "ACT address beyond the buffer".into(),
            )
        })
    }

    fn window(&mut self, op: Op, win: &commands::Window) -> Result<Vec<Access>, Fault> {
        // The host's checks are the RTL's dispatch checks (kernel, stride, alignment, IN_VECTORS,
        // WMEM and EPI bounds); the ACT bounds are checked below, where the addresses are formed.
        self.checked(crate::device::checks::check_window_op(
            op,
            win,
            &self.limits(),
        ))?;
        let (r_n, c_n) = (self.array.rows, self.array.cols);
        let (k, stride) = (usize::from(win.kernel), usize::from(win.stride));
        let bad = |why: &str| Fault(regs::ErrorCode::BadCommand, format!("{op}: {why}"));
        let [
            in_h,
            in_w,
            in_cv,
            in_row0,
            out_cv,
            out_row0,
            out_rows,
            groups,
        ] = [
            win.in_h,
            win.in_w,
            win.in_cv,
            win.in_row0,
            win.out_cv,
            win.out_row0,
            win.out_rows,
            win.groups,
        ]
        .map(usize::from);
        // CONV reduces the first IN_VECTORS of each tap's IN_CV vectors (checked <= IN_CV).
        let in_vectors = usize::from(win.in_vectors);
        let (in_addr, out_addr, w_addr, epi_addr) = (
            win.in_addr as usize,
            win.out_addr as usize,
            win.w_addr as usize,
            usize::from(win.epi_addr),
        );
        let clamp = Clamp {
            lo: win.clamp_lo,
            hi: win.clamp_hi,
        };
        // Compute reads weights from WMEM only (COPY_PB brings PB tiles there).
        let weights: &[u8] = &self.wmem;
        let ow = if op == Op::Gap {
            1
        } else {
            int8::out_size(in_w, k, stride)
        };
        let (xb_in, xb_out) = (in_w.div_ceil(r_n), ow.div_ceil(r_n));
        let in_at = |y: usize, x: usize, v: usize| {
            in_addr + (((y - in_row0) * xb_in + x / r_n) * in_cv + v) * r_n + x % r_n
        };
        let out_at = |y: usize, x: usize, v: usize| {
            out_addr + (((y - out_row0) * xb_out + x / r_n) * out_cv + v) * r_n + x % r_n
        };
        let taps = &ring_taps()[..k * k];
        let word = self.array.word_bytes();
        let mut reads = Span::default();
        let mut writes = Span::default();
        let mut wspan = Span::default();
        let mut espan = Span::default();
        let mut results: Vec<(usize, usize, i8)> = Vec::new(); // (vector address, lane, value)
        let mut macs = 0u64;
        let epi_entry = |e: usize| -> Result<(i32, Requant), Fault> {
            let &(bias, m, s) = self
                .epi
                .get(epi_addr + e)
                .ok_or_else(|| bad("EPI address beyond the buffer"))?;
            Ok((bias, Requant { m, s }))
        };
        let in_bounds = |iy: isize, ix: isize| {
            iy >= 0 && ix >= 0 && (iy as usize) < in_h && (ix as usize) < in_w
        };
        match op {
            Op::Conv => {
                let t_n = taps.len();
                let mut acc = vec![0i32; r_n];
                for g in 0..groups {
                    if out_rows == 0 || ow == 0 {
                        break;
                    }
                    let epis = (0..r_n)
                        .map(|r| epi_entry(g * r_n + r))
                        .collect::<Result<Vec<_>, _>>()?;
                    for oy in out_row0..out_row0 + out_rows {
                        for ox in 0..ow {
                            for (a, e) in acc.iter_mut().zip(&epis) {
                                *a = e.0;
                            }
                            espan.add(epi_addr + g * r_n, epi_addr + (g + 1) * r_n);
                            if in_vectors > 0 {
                                // Every tap's weights are read, in bounds or not.
                                wspan.add(w_addr + g * t_n * in_cv, w_addr + (g + 1) * t_n * in_cv);
                            }
                            for (t, &(dy, dx)) in taps.iter().enumerate() {
                                let (iy, ix) =
                                    ((oy * stride) as isize + dy, (ox * stride) as isize + dx);
                                if !in_bounds(iy, ix) || in_vectors == 0 {
                                    continue;
                                }
                                // Vector v of the pixel is `a0 + v * R` (the banked layout).
                                let a0 = in_at(iy as usize, ix as usize, 0);
                                reads.add(a0, a0 + (in_vectors - 1) * r_n + 1);
                                let w0 = w_addr + (g * t_n + t) * in_cv;
                                for v in 0..in_vectors {
                                    let x = self.act_vector(a0 + v * r_n)?;
                                    let w = weights
                                        .get((w0 + v) * word..(w0 + v + 1) * word)
                                        .ok_or_else(|| bad("weight address beyond the buffer"))?;
                                    for (acc_r, w_r) in acc.iter_mut().zip(w.chunks_exact(c_n)) {
                                        *acc_r += dot_i8(w_r, x);
                                    }
                                }
                                macs += (r_n * c_n * in_vectors) as u64;
                            }
                            for (r, (&acc_r, &(_, rq))) in acc.iter().zip(&epis).enumerate() {
                                let o = g * r_n + r;
                                let a = out_at(oy, ox, o / c_n);
                                writes.add(a, a + 1);
                                results.push((a, o % c_n, requant_any(acc_r, rq, clamp)));
                            }
                        }
                    }
                }
            }
            Op::Dwconv => {
                let blocks = taps.len().div_ceil(r_n);
                let mut acc = vec![0i32; c_n];
                for v in 0..groups {
                    if out_rows == 0 || ow == 0 {
                        break;
                    }
                    let epis = (0..c_n)
                        .map(|c| epi_entry(v * c_n + c))
                        .collect::<Result<Vec<_>, _>>()?;
                    for oy in out_row0..out_row0 + out_rows {
                        for ox in 0..ow {
                            for (a, e) in acc.iter_mut().zip(&epis) {
                                *a = e.0;
                            }
                            if !taps.is_empty() {
                                wspan.add(w_addr + v * blocks, w_addr + v * blocks + blocks);
                            }
                            for (t, &(dy, dx)) in taps.iter().enumerate() {
                                let (iy, ix) =
                                    ((oy * stride) as isize + dy, (ox * stride) as isize + dx);
                                if !in_bounds(iy, ix) {
                                    continue;
                                }
                                let a = in_at(iy as usize, ix as usize, v);
                                reads.add(a, a + 1);
                                let x = self.act_vector(a)?;
                                // Tap t's weights: row t mod R of word W_ADDR + v * blocks + t / R.
                                let at = (w_addr + v * blocks + t / r_n) * word + (t % r_n) * c_n;
                                let w = weights
                                    .get(at..at + c_n)
                                    .ok_or_else(|| bad("weight address beyond the buffer"))?;
                                for ((acc_c, &x_c), &w_c) in acc.iter_mut().zip(x).zip(w) {
                                    *acc_c += i32::from(x_c as i8) * i32::from(w_c as i8);
                                }
                                macs += c_n as u64;
                            }
                            for (c, (&acc_c, &(_, rq))) in acc.iter().zip(&epis).enumerate() {
                                let a = out_at(oy, ox, v);
                                writes.add(a, a + 1);
                                results.push((a, c, requant_any(acc_c, rq, clamp)));
                            }
                            espan.add(epi_addr + v * c_n, epi_addr + (v + 1) * c_n);
                        }
                    }
                }
            }
            _ => {
                // GAP
                for v in 0..groups {
                    for c in 0..c_n {
                        let (bias, rq) = epi_entry(v * c_n + c)?;
                        let mut acc = bias;
                        for y in 0..in_h {
                            for x in 0..in_w {
                                let a = in_at(y, x, v);
                                reads.add(a, a + 1);
                                acc += i32::from(self.act_vector(a)?[c] as i8);
                            }
                        }
                        let a = out_at(0, 0, v);
                        writes.add(a, a + 1);
                        results.push((a, c, requant_any(acc, rq, clamp)));
                    }
                    espan.add(epi_addr + v * c_n, epi_addr + (v + 1) * c_n);
                }
            }
        }
        for (a, lane, value) in results {
            let slot = self
                .act
                .get_mut(a * c_n + lane)
                .ok_or_else(|| bad("output address beyond ACT"))?;
            *slot = value as u8;
        }
        self.count(regs::MACS_LO, macs);
        let mut accesses = vec![];
        accesses.extend(reads.access(Mem::Act, false));
        accesses.extend(writes.access(Mem::Act, true));
        accesses.extend(wspan.access(Mem::Wmem, false));
        accesses.extend(espan.access(Mem::Epi, false));
        Ok(accesses)
    }

    fn add(&mut self, add: &Add) -> Result<Vec<Access>, Fault> {
        self.checked(crate::device::checks::check_add(add, &self.limits()))?;
        let c = self.array.cols;
        let (a, b, out, n) = (
            add.a_addr as usize,
            add.b_addr as usize,
            add.out_addr as usize,
            add.vectors as usize,
        );
        let (ma, mb, s) = (add.ma, add.mb, add.shift);
        let clamp = Clamp {
            lo: add.clamp_lo,
            hi: add.clamp_hi,
        };
        // (Checked by check_add above: inside ACT, addresses multiples of R, shift 1..=62.)
        for i in 0..n * c {
            let (x, y) = (
                i64::from(self.act[a * c + i] as i8),
                i64::from(self.act[b * c + i] as i8),
            );
            let v = (x * i64::from(ma) + y * i64::from(mb) + (1i64 << (s - 1))) >> s;
            self.act[out * c + i] = v.clamp(i64::from(clamp.lo), i64::from(clamp.hi)) as i8 as u8;
        }
        Ok(vec![
            Access {
                mem: Mem::Act,
                lo: a,
                hi: a + n,
                write: false,
            },
            Access {
                mem: Mem::Act,
                lo: b,
                hi: b + n,
                write: false,
            },
            Access {
                mem: Mem::Act,
                lo: out,
                hi: out + n,
                write: true,
            },
        ])
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

/// The datapath's requantisation for any shift an EPI entry holds (6 bits in the RTL): the
/// documented semantics for shifts 1..=62, which is all the compiler emits; for 0 and 63 what
/// the RTL's 64-bit datapath does (the rounding constant `1 << (s - 1)` wraps, sums wrap).
fn requant_any(acc: i32, r: Requant, clamp: Clamp) -> i8 {
    if (1..=62).contains(&r.s) {
        return int8::requant(acc, r, clamp);
    }
    let s = u32::from(r.s & 0x3f);
    let round = 1u64.wrapping_shl(s.wrapping_sub(1) & 0x3f) as i64;
    let v = (i64::from(acc) * i64::from(r.m)).wrapping_add(round) >> s;
    v.clamp(i64::from(clamp.lo), i64::from(clamp.hi)) as i8
}

/// The int8 dot product of two equally long byte slices (written so that it vectorises).
fn dot_i8(w: &[u8], x: &[u8]) -> i32 {
    w.iter()
        .zip(x)
        .map(|(&w, &x)| i32::from(w as i8) * i32::from(x as i8))
        .sum()
}

/// The smallest range covering every address added.
#[derive(Debug, Default, Clone, Copy)]
struct Span(Option<(usize, usize)>);

impl Span {
    fn add(&mut self, lo: usize, hi: usize) {
        self.0 = Some(match self.0 {
            None => (lo, hi),
            Some((a, b)) => (a.min(lo), b.max(hi)),
        });
    }
    fn access(self, mem: Mem, write: bool) -> Option<Access> {
        self.0.map(|(lo, hi)| Access { mem, lo, hi, write })
    }
}

/// The accesses of `rows` rows of `count` units from `start`, `stride` apart: one range per
/// row, rows that touch or overlap the previous one merged (`stride <= count`), so the race
/// check sees exactly the units moved, never the gaps between rows.
fn row_accesses(
    mem: Mem,
    start: usize,
    count: usize,
    rows: usize,
    stride: usize,
    write: bool,
) -> Vec<Access> {
    let mut out: Vec<Access> = Vec::new();
    if count == 0 {
        return out;
    }
    for i in 0..rows {
        let (lo, hi) = (start + i * stride, start + i * stride + count);
        match out.last_mut() {
            // Rows only move upwards (stride >= 0), so a row overlaps or touches the last range
            // exactly when it starts at or before its end.
            Some(last) if lo <= last.hi => last.hi = last.hi.max(hi),
            _ => out.push(Access { mem, lo, hi, write }),
        }
    }
    out
}

/// Two commands of different engines race when neither is ordered before the other by the
/// completion-count waits and they touch overlapping on-chip memory, one of them writing.
fn check_races(executed: &[Executed]) -> Result<(), String> {
    for (i, x) in executed.iter().enumerate() {
        for y in &executed[i + 1..] {
            if x.engine == y.engine {
                continue;
            }
            // Engines run one command at a time, so a command starts after every earlier
            // command of its own engine, whose waits it therefore inherits (effective_wait).
            let x_before_y = x.index <= y.effective_wait;
            let y_before_x = y.index <= x.effective_wait;
            if x_before_y || y_before_x {
                continue;
            }
            for p in &x.accesses {
                for q in &y.accesses {
                    if p.mem == q.mem && (p.write || q.write) && p.lo < q.hi && q.lo < p.hi {
                        return Err(format!(
                            "command stream race: commands {} and {} use {:?} [{}, {}) and [{}, {}) with no wait ordering them",
                            x.position, y.position, p.mem, p.lo, p.hi, q.lo, q.hi
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

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

#[cfg(test)]
mod tests {
    //! The DMA format's rows, `COPY_PB`, the on-chip extent checks, the DMA window and the soft
    //! reset, on `tiny` (R = 4, C = 2: 8-byte weight words; 4-byte AXI beats; WMEM 256 words,
    //! PB 1024 words), driven through the registers as a host would.

    use super::*;
    use sushi_hw::bus::read_counter;
    use sushi_hw::regs::ErrorCode;

    /// Painted where nothing may be written.
    const GUARD: u8 = 0xa5;
    /// Where the tests put command streams, from the DRAM base.
    const CMDS: u64 = 0;

    /// `tiny` with an 8 KiB PB (1024 words): the PB-bound tests below are written for it.
    fn tiny() -> ModelAccel {
        let mut cfg = HwConfig::builtin("tiny").expect("built-in config");
        cfg.spec.buffers.pb_bytes = 8192;
        ModelAccel::new(&cfg)
    }

    fn base() -> u64 {
        DEFAULT_DRAM_BASE
    }

    /// A DMA-format command: `rows` rows of `count` units, row `i` at `dram + i * dram_stride`
    /// and `sram + i * sram_stride`.
    fn dma(
        op: Op,
        dram: u64,
        sram: u32,
        count: u32,
        rows: u16,
        dram_stride: u32,
        sram_stride: u32,
    ) -> Command {
        Dma {
            dram_addr: u32::try_from(dram).expect("a 32-bit DRAM address"),
            sram_addr: sram,
            count,
            rows,
            dram_stride,
            sram_stride,
        }
        .encode(op, 0)
    }

    /// A COPY_PB: `rows` rows of `count` words, PB `pb + i * pb_stride` to WMEM
    /// `wmem + i * wmem_stride`.
    fn copy_pb(
        pb: u32,
        wmem: u32,
        count: u32,
        rows: u16,
        pb_stride: u32,
        wmem_stride: u32,
    ) -> Command {
        CopyPb {
            pb_addr: pb,
            wmem_addr: wmem,
            count,
            rows,
            pb_stride,
            wmem_stride,
        }
        .encode(Op::CopyPb, 0)
    }

    /// Writes `cmds` and an END at `at`, runs them, and returns STATUS.ERROR_CODE
    /// (`ErrorCode::None` for a clean finish). Counters are not cleared.
    fn run_at(m: &mut ModelAccel, at: u64, cmds: &[Command]) -> ErrorCode {
        let end = commands::Control.encode(Op::End, 0);
        let bytes: Vec<u8> = cmds
            .iter()
            .chain([&end])
            .flat_map(|c| c.to_bytes())
            .collect();
        m.write_dram(at, &bytes).expect("stream inside DRAM");
        m.write_reg(regs::CMD_BASE, at as u32).expect("CMD_BASE");
        m.write_reg(regs::CMD_LIMIT, cmds.len() as u32 + 1)
            .expect("CMD_LIMIT");
        m.write_reg(regs::CTRL, regs::CTRL_RUN.mask())
            .expect("CTRL");
        let wait = m.wait_idle(0).expect("no race, no deadlock");
        assert!(wait.idle);
        let status = m.read_reg(regs::STATUS).expect("STATUS");
        assert_eq!(regs::STATUS_DONE.get(status), 1, "the job finished");
        let code = ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(status));
        assert_eq!(
            regs::STATUS_ERROR.get(status) == 1,
            code != ErrorCode::None,
            "STATUS.ERROR agrees with the code"
        );
        code
    }

    fn run(m: &mut ModelAccel, cmds: &[Command]) -> ErrorCode {
        run_at(m, base() + CMDS, cmds)
    }

    fn counter(m: &mut ModelAccel, lo: u32) -> u64 {
        read_counter(m, lo).expect("counter")
    }

    /// Fills `[addr, addr + len)` with bytes that are never 0 nor [`GUARD`], distinct along a
    /// row, and returns them.
    fn fill(m: &mut ModelAccel, addr: u64, len: usize) -> Vec<u8> {
        let data: Vec<u8> = (0..len).map(|i| 1 + (i % 160) as u8).collect();
        m.write_dram(addr, &data).expect("inside DRAM");
        data
    }

    fn dram_at(m: &mut ModelAccel, addr: u64, len: usize) -> Vec<u8> {
        let mut out = vec![0; len];
        m.read_dram(addr, &mut out).expect("inside DRAM");
        out
    }

    const WORD: usize = 8; // tiny: R * C bytes

    #[test]
    fn a_2d_load_w_puts_row_i_at_dram_addr_plus_i_dram_strides_into_sram_addr_plus_i_sram_strides()
    {
        let mut m = tiny();
        let src = base() + 0x1000;
        let data = fill(&mut m, src, 0x200);
        // 4 rows of 3 words; DRAM rows 40 bytes (5 words) apart, WMEM rows 7 words apart.
        let code = run(&mut m, &[dma(Op::LoadW, src, 10, 3, 4, 40, 7)]);
        assert_eq!(code, ErrorCode::None);
        let mut want = vec![0u8; m.wmem.len()];
        for i in 0..4 {
            let (w, d) = ((10 + 7 * i) * WORD, 40 * i);
            want[w..w + 3 * WORD].copy_from_slice(&data[d..d + 3 * WORD]);
        }
        assert_eq!(m.wmem, want, "rows at their strides, gaps untouched");
        assert_eq!(counter(&mut m, regs::DRAM_READ_WEIGHT_BYTES_LO), 4 * 3 * 8);
        assert_eq!(counter(&mut m, regs::PB_FILL_BYTES_LO), 0);
        assert_eq!(
            counter(&mut m, regs::DRAM_READ_BYTES_LO),
            4 * 3 * 8 + 2 * 32,
            "the weights and the two commands"
        );
    }

    #[test]
    fn load_pb_then_copy_pb_moves_exact_words_and_counts_fill_read_and_weight_bytes_apart() {
        let mut m = tiny();
        let src = base() + 0x2000;
        let data = fill(&mut m, src, 0x100);
        let code = run(
            &mut m,
            &[
                // PB words 100..104 <- DRAM +0x00, PB 110..114 <- DRAM +0x40.
                dma(Op::LoadPb, src, 100, 4, 2, 0x40, 10),
                // WMEM 20, 21 <- PB 101, 102; WMEM 23, 24 <- PB 111, 112.
                copy_pb(101, 20, 2, 2, 10, 3),
                // One word straight from DRAM: the only weight bytes a query streams.
                dma(Op::LoadW, src + 0x80, 50, 1, 1, 0, 0),
            ],
        );
        assert_eq!(code, ErrorCode::None);
        let mut pb = vec![0u8; m.pb.len()];
        pb[100 * WORD..104 * WORD].copy_from_slice(&data[..4 * WORD]);
        pb[110 * WORD..114 * WORD].copy_from_slice(&data[0x40..0x40 + 4 * WORD]);
        assert_eq!(m.pb, pb);
        let mut wmem = vec![0u8; m.wmem.len()];
        wmem[20 * WORD..22 * WORD].copy_from_slice(&pb[101 * WORD..103 * WORD]);
        wmem[23 * WORD..25 * WORD].copy_from_slice(&pb[111 * WORD..113 * WORD]);
        wmem[50 * WORD..51 * WORD].copy_from_slice(&data[0x80..0x80 + WORD]);
        assert_eq!(m.wmem, wmem);
        assert_eq!(counter(&mut m, regs::PB_FILL_BYTES_LO), 2 * 4 * 8);
        assert_eq!(counter(&mut m, regs::PB_READ_BYTES_LO), 2 * 2 * 8);
        assert_eq!(counter(&mut m, regs::DRAM_READ_WEIGHT_BYTES_LO), 8);
        assert_eq!(
            counter(&mut m, regs::DRAM_READ_BYTES_LO),
            2 * 4 * 8 + 8 + 4 * 32,
            "PB fills and LOAD_W and four commands cross the R channel; COPY_PB does not"
        );
    }

    #[test]
    fn dram_byte_counters_count_whole_beats() {
        // 3 ACT vectors of C = 2 bytes are 6 bytes: two 4-byte beats.
        let mut m = tiny();
        let code = run(&mut m, &[dma(Op::LoadAct, base() + 0x1000, 0, 3, 1, 0, 0)]);
        assert_eq!(code, ErrorCode::None);
        assert_eq!(counter(&mut m, regs::DRAM_READ_ACT_BYTES_LO), 8);
        assert_eq!(counter(&mut m, regs::DRAM_READ_BYTES_LO), 8 + 2 * 32);
    }

    #[test]
    fn rows_0_anywhere_and_rows_2_on_single_row_commands_are_bad_commands() {
        for (op, rows) in [
            (Op::LoadAct, 0),
            (Op::LoadAct, 2),
            (Op::StoreAct, 2),
            (Op::LoadEpi, 2),
            (Op::LoadW, 0),
            (Op::LoadPb, 0),
        ] {
            let mut m = tiny();
            fill(&mut m, base() + 0x1000, 0x100);
            let before = (m.act.clone(), m.wmem.clone(), m.pb.clone(), m.epi.clone());
            let code = run(&mut m, &[dma(op, base() + 0x1000, 0, 1, rows, 16, 1)]);
            assert_eq!(code, ErrorCode::BadCommand, "{op} with ROWS {rows}");
            assert_eq!(
                (m.act.clone(), m.wmem.clone(), m.pb.clone(), m.epi.clone()),
                before,
                "{op} with ROWS {rows} moved nothing"
            );
        }
        let mut m = tiny();
        assert_eq!(
            run(&mut m, &[copy_pb(0, 0, 1, 0, 1, 1)]),
            ErrorCode::BadCommand,
            "COPY_PB with ROWS 0"
        );
    }

    #[test]
    fn a_dram_stride_off_the_beat_is_a_bad_command_only_with_more_than_one_row() {
        let mut m = tiny();
        let src = base() + 0x1000;
        assert_eq!(
            run(&mut m, &[dma(Op::LoadW, src, 0, 1, 2, 6, 1)]),
            ErrorCode::BadCommand
        );
        assert_eq!(
            run(&mut m, &[dma(Op::LoadW, src, 0, 1, 1, 6, 1)]),
            ErrorCode::None,
            "one row: the stride is never used"
        );
        assert_eq!(
            run(&mut m, &[dma(Op::LoadW, src + 2, 0, 1, 1, 0, 0)]),
            ErrorCode::BadCommand,
            "DRAM_ADDR off the beat"
        );
    }

    #[test]
    fn on_chip_extent_is_addr_plus_rows_minus_1_strides_plus_count() {
        // WMEM has 256 words: rows at 200, 220, 240 of 16 words end exactly at 256.
        let mut m = tiny();
        let src = base() + 0x1000;
        assert_eq!(
            run(&mut m, &[dma(Op::LoadW, src, 200, 16, 3, 128, 20)]),
            ErrorCode::None
        );
        assert_eq!(
            run(&mut m, &[dma(Op::LoadW, src, 201, 16, 3, 128, 20)]),
            ErrorCode::BadCommand,
            "one word too far"
        );
        assert_eq!(
            counter(&mut m, regs::PB_OVERFLOWS_LO),
            0,
            "WMEM is not the PB"
        );
    }

    #[test]
    fn load_pb_past_the_pb_end_is_a_pb_overflow_and_leaves_the_pb_unchanged() {
        let mut m = tiny();
        let src = base() + 0x1000;
        fill(&mut m, src, 0x400);
        // Fill the last 24 PB words (1000..1024), so "unchanged" is not just zeros.
        assert_eq!(
            run(&mut m, &[dma(Op::LoadPb, src, 1000, 24, 1, 0, 0)]),
            ErrorCode::None
        );
        let filled = m.pb.clone();
        m.write_reg(regs::CTRL, regs::CTRL_COUNTERS_CLEAR.mask())
            .expect("CTRL");
        // Rows at 1020, 1022 fit; the third (1024, 1025) does not.
        let code = run(&mut m, &[dma(Op::LoadPb, src + 0x200, 1020, 2, 3, 16, 2)]);
        assert_eq!(code, ErrorCode::PbOverflow);
        assert_eq!(m.pb, filled, "not even the rows that fit were written");
        assert_eq!(counter(&mut m, regs::PB_OVERFLOWS_LO), 1);
        assert_eq!(counter(&mut m, regs::PB_FILL_BYTES_LO), 0);
        assert_eq!(counter(&mut m, regs::DMA_WINDOW_VIOLATIONS_LO), 0);
        // The same rows one stride shorter end exactly at the PB's end.
        let code = run(&mut m, &[dma(Op::LoadPb, src + 0x200, 1020, 2, 2, 16, 2)]);
        assert_eq!(code, ErrorCode::None);
        assert_eq!(counter(&mut m, regs::PB_OVERFLOWS_LO), 1);
    }

    #[test]
    fn copy_pb_beyond_the_pb_is_a_pb_overflow_and_beyond_wmem_a_bad_command() {
        let mut m = tiny();
        m.pb.iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = i as u8 | 1);
        // PB rows 1000, 1012, 1024: the last starts at the PB's end.
        assert_eq!(
            run(&mut m, &[copy_pb(1000, 0, 4, 3, 12, 4)]),
            ErrorCode::PbOverflow
        );
        assert_eq!(counter(&mut m, regs::PB_OVERFLOWS_LO), 1);
        // WMEM rows 250, 254: the second ends at 258 > 256.
        assert_eq!(
            run(&mut m, &[copy_pb(0, 250, 4, 2, 4, 4)]),
            ErrorCode::BadCommand
        );
        assert_eq!(
            counter(&mut m, regs::PB_OVERFLOWS_LO),
            1,
            "WMEM is not the PB"
        );
        assert!(m.wmem.iter().all(|&b| b == 0), "nothing was copied");
        assert_eq!(counter(&mut m, regs::PB_READ_BYTES_LO), 0);
    }

    #[test]
    fn the_dma_window_registers_reset_to_everything_and_read_back() {
        let mut m = tiny();
        assert_eq!(m.read_reg(regs::DMA_BASE).expect("reg"), 0);
        assert_eq!(m.read_reg(regs::DMA_LAST).expect("reg"), u32::MAX);
        m.write_reg(regs::DMA_BASE, 0x1000_0040).expect("reg");
        m.write_reg(regs::DMA_LAST, 0x1000_ffff).expect("reg");
        assert_eq!(m.read_reg(regs::DMA_BASE).expect("reg"), 0x1000_0040);
        assert_eq!(m.read_reg(regs::DMA_LAST).expect("reg"), 0x1000_ffff);
    }

    #[test]
    fn a_load_w_whose_second_row_leaves_the_window_moves_nothing_then_the_next_job_runs() {
        let mut m = tiny();
        let last = base() + 0x3000 - 1;
        m.write_reg(regs::DMA_BASE, base() as u32).expect("reg");
        m.write_reg(regs::DMA_LAST, last as u32).expect("reg");
        let data = fill(&mut m, base() + 0x2000, 0x1000);
        m.write_dram(last + 1, &[GUARD; 0x100])
            .expect("inside DRAM");
        m.wmem.fill(GUARD);
        let dram_before = m.dram.clone();
        // Row 0: the last 16 bytes of the window; row 1: 64 bytes later, outside.
        let row0 = last + 1 - 16;
        let code = run(&mut m, &[dma(Op::LoadW, row0, 0, 2, 2, 64, 2)]);
        assert_eq!(code, ErrorCode::DmaWindow);
        assert_eq!(counter(&mut m, regs::DMA_WINDOW_VIOLATIONS_LO), 1);
        assert_eq!(counter(&mut m, regs::DRAM_READ_WEIGHT_BYTES_LO), 0);
        assert!(m.wmem.iter().all(|&b| b == GUARD), "not even row 0 moved");
        // (Past the command stream at offset 0, which the run wrote.)
        assert!(m.dram[0x100..] == dram_before[0x100..], "DRAM untouched");

        // A soft reset clears STATUS; the next job (inside the window) runs.
        m.write_reg(regs::CTRL, regs::CTRL_SOFT_RESET.mask())
            .expect("CTRL");
        assert_eq!(m.read_reg(regs::STATUS).expect("reg"), 0);
        let code = run(&mut m, &[dma(Op::LoadW, base() + 0x2000, 0, 2, 2, 64, 2)]);
        assert_eq!(code, ErrorCode::None);
        assert_eq!(&m.wmem[..2 * WORD], &data[..2 * WORD]);
        assert_eq!(&m.wmem[2 * WORD..4 * WORD], &data[64..64 + 2 * WORD]);
        assert!(m.wmem[4 * WORD..].iter().all(|&b| b == GUARD));
        assert_eq!(
            counter(&mut m, regs::DMA_WINDOW_VIOLATIONS_LO),
            1,
            "no new violation"
        );
    }

    #[test]
    fn a_store_act_straddling_the_window_writes_no_byte() {
        let mut m = tiny();
        let last = base() + 0x3000 - 1;
        m.write_reg(regs::DMA_LAST, last as u32).expect("reg");
        m.act
            .iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b = i as u8 | 1);
        m.write_dram(last + 1 - 8, &[GUARD; 0x20])
            .expect("inside DRAM");
        // 8 vectors of 2 bytes from 8 bytes before the window's end: half outside.
        let code = run(&mut m, &[dma(Op::StoreAct, last + 1 - 8, 0, 8, 1, 0, 0)]);
        assert_eq!(code, ErrorCode::DmaWindow);
        assert_eq!(dram_at(&mut m, last + 1 - 8, 0x20), vec![GUARD; 0x20]);
        assert_eq!(counter(&mut m, regs::DMA_WINDOW_VIOLATIONS_LO), 1);
        assert_eq!(counter(&mut m, regs::DRAM_WRITE_BYTES_LO), 0);
        // Cleared through STATUS (W1C) this time.
        m.write_reg(
            regs::STATUS,
            regs::STATUS_DONE.mask() | regs::STATUS_ERROR.mask(),
        )
        .expect("STATUS");
        assert_eq!(m.read_reg(regs::STATUS).expect("reg"), 0);
        let code = run(&mut m, &[dma(Op::StoreAct, last + 1 - 16, 0, 8, 1, 0, 0)]);
        assert_eq!(code, ErrorCode::None);
        assert_eq!(dram_at(&mut m, last + 1 - 16, 16), m.act[..16].to_vec());
        assert_eq!(dram_at(&mut m, last + 1, 0x18), vec![GUARD; 0x18]);
    }

    #[test]
    fn a_command_fetch_outside_the_window_is_a_window_error() {
        // The stream below the window.
        let mut m = tiny();
        m.write_reg(regs::DMA_BASE, (base() + 0x1000) as u32)
            .expect("reg");
        assert_eq!(run_at(&mut m, base(), &[]), ErrorCode::DmaWindow);
        assert_eq!(counter(&mut m, regs::DMA_WINDOW_VIOLATIONS_LO), 1);
        assert_eq!(counter(&mut m, regs::DRAM_READ_CMD_BYTES_LO), 0);

        // The window ends in the middle of the second command (the END).
        let mut m = tiny();
        let at = base() + 0x4000;
        m.write_reg(regs::DMA_LAST, (at + 32 + 15) as u32)
            .expect("reg");
        let load = dma(Op::LoadW, base() + 0x1000, 0, 1, 1, 0, 0);
        assert_eq!(run_at(&mut m, at, &[load]), ErrorCode::DmaWindow);
        assert_eq!(counter(&mut m, regs::DMA_WINDOW_VIOLATIONS_LO), 1);
        assert_eq!(counter(&mut m, regs::DRAM_READ_CMD_BYTES_LO), 32);

        // One byte more and the same stream runs.
        let mut m = tiny();
        m.write_reg(regs::DMA_LAST, (at + 64 - 1) as u32)
            .expect("reg");
        assert_eq!(run_at(&mut m, at, &[load]), ErrorCode::None);
    }

    #[test]
    fn a_memcpy_leaving_the_window_copies_nothing() {
        let mut m = tiny();
        let last = base() + 0x8000 - 1;
        m.write_reg(regs::DMA_LAST, last as u32).expect("reg");
        fill(&mut m, base() + 0x1000, 0x100);
        m.write_dram(last + 1 - 0x40, &[GUARD; 0x80])
            .expect("inside DRAM");
        for (src, dst) in [
            (base() + 0x1000, last + 1 - 0x40), // destination leaves
            (last + 1 - 0x40, base() + 0x1000), // source leaves
        ] {
            let before = m.dram.clone();
            m.write_reg(regs::COPY_SRC, src as u32).expect("reg");
            m.write_reg(regs::COPY_DST, dst as u32).expect("reg");
            m.write_reg(regs::COPY_LEN, 0x41).expect("reg");
            m.write_reg(regs::CTRL, regs::CTRL_COPY_START.mask())
                .expect("reg");
            let status = m.read_reg(regs::STATUS).expect("reg");
            assert_eq!(
                ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(status)),
                ErrorCode::DmaWindow
            );
            assert!(m.dram == before, "{src:#x} -> {dst:#x}: nothing copied");
        }
        assert_eq!(counter(&mut m, regs::DMA_WINDOW_VIOLATIONS_LO), 2);
    }

    #[test]
    fn multi_row_accesses_cover_the_rows_not_the_gaps() {
        let ranges = |v: Vec<Access>| v.iter().map(|a| (a.lo, a.hi)).collect::<Vec<_>>();
        assert_eq!(
            ranges(row_accesses(Mem::Wmem, 0, 2, 3, 4, true)),
            [(0, 2), (4, 6), (8, 10)]
        );
        assert_eq!(
            ranges(row_accesses(Mem::Wmem, 5, 2, 3, 2, true)),
            [(5, 11)],
            "rows that touch merge"
        );
        assert_eq!(ranges(row_accesses(Mem::Wmem, 5, 2, 3, 0, true)), [(5, 7)]);
        assert!(row_accesses(Mem::Wmem, 5, 0, 3, 1, true).is_empty());
    }

    #[test]
    fn a_copy_pb_races_a_compute_only_on_the_wmem_words_it_writes() {
        // COPY_PB writes WMEM words [0, 2) and [4, 6); an unordered compute reads [2, 4): no race.
        let copy = || Executed {
            engine: Engine::Dma,
            index: 1,
            effective_wait: 0,
            accesses: {
                let mut a = row_accesses(Mem::Pb, 0, 2, 2, 2, false);
                a.extend(row_accesses(Mem::Wmem, 0, 2, 2, 4, true));
                a
            },
            position: 0,
        };
        let reader = |lo, hi| Executed {
            engine: Engine::Compute,
            index: 1,
            effective_wait: 0,
            accesses: vec![Access {
                mem: Mem::Wmem,
                lo,
                hi,
                write: false,
            }],
            position: 1,
        };
        assert!(check_races(&[copy(), reader(2, 4)]).is_ok());
        let err = check_races(&[copy(), reader(5, 6)]).expect_err("overlaps row 1");
        assert!(err.contains("race"), "{err}");
    }
}
