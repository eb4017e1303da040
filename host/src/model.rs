//! The golden model: a bit-exact functional model of `sushi_top` behind the same [`Bus`] as the
//! RTL, so one driver runs either.
//!
//! Registers behave as the RTL's (same map, same responses, W1C, LO/HI latching). A memcpy or a
//! command stream runs to completion when it is started; `wait_idle` then returns at once. The
//! model counts bytes and MACs exactly as the RTL does; it does not count cycles (the cycle model
//! is separate). Two things the RTL cannot see, the model checks and reports as
//! [`BusError::Backend`]: a command stream whose completion-count waits leave two commands of
//! different engines racing on the same on-chip memory, and a wait on a command that comes later
//! in the stream (a deadlock in hardware).

use std::collections::HashMap;

use sushi_hw::commands::{self, Command, Engine, Format};
use sushi_hw::regs::{self, AxiResp};
use sushi_hw::{Bus, BusError, DramRegion, HwConfig, WaitOutcome};

use crate::int8::{self, Clamp, Requant};
use crate::layout::{Array, ring_taps};

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

    /// What the last failed job ran into (the model can say more than STATUS.ERROR_CODE).
    pub fn fault_detail(&self) -> Option<&str> {
        self.fault_detail.as_deref()
    }

    fn finish(&mut self, fault: Option<Fault>) {
        self.done = true;
        self.fault_detail = fault.as_ref().map(|f| f.1.clone());
        if let Some(Fault(code, _)) = fault {
            self.error = true;
            self.error_code = match code {
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
            };
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
            let Some(range) = self.dram_range(addr, commands::COMMAND_BYTES as u64) else {
                return self.finish(Some(Fault(
                    regs::ErrorCode::AxiRead,
                    "command fetch outside DRAM".into(),
                )));
            };
            let bytes: [u8; commands::COMMAND_BYTES] =
                self.dram[range].try_into().expect("32 bytes");
            self.count(regs::DRAM_READ_CMD_BYTES_LO, commands::COMMAND_BYTES as u64);
            let cmd = Command::from_bytes(&bytes);
            let Some(op) = commands::OPCODES
                .iter()
                .find(|o| u32::from(o.code) == cmd.0[0] & 0xff)
            else {
                return self.finish(Some(Fault(
                    regs::ErrorCode::BadOpcode,
                    format!("command {position}"),
                )));
            };
            if op.engine == Engine::Control {
                if let Err(problem) = check_races(&executed) {
                    self.pending = Some(problem);
                }
                return self.finish(None);
            }
            let (me, other) = if op.engine == Engine::Dma {
                (0, 1)
            } else {
                (1, 0)
            };
            let wait = cmd.get(commands::field(op.format, "WAIT_COUNT").expect("header"));
            if wait > done[other] {
                self.pending = Some(format!(
                    "command {position} ({}) waits for {wait} commands of the other engine, but only {} come before it in the stream: the hardware would deadlock",
                    op.name, done[other]
                ));
            }
            max_wait[me] = max_wait[me].max(wait);
            let result = match op.name {
                "LOAD_ACT" | "STORE_ACT" | "LOAD_W" | "LOAD_PB" | "LOAD_EPI" => {
                    self.dma(op.name, &cmd)
                }
                "CONV" | "DWCONV" | "GAP" => self.window(op.name, &cmd),
                "ADD" => self.add(&cmd),
                other => unreachable!("opcode table and model disagree on {other}"),
            };
            match result {
                Ok(accesses) => {
                    done[me] += 1;
                    executed.push(Executed {
                        engine: op.engine,
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

    fn dma(&mut self, name: &str, cmd: &Command) -> Result<Vec<Access>, Fault> {
        let get = |n: &str| cmd.get(commands::field(Format::Dma, n).expect("dma field"));
        let (dram_addr, sram, count) = (
            u64::from(get("DRAM_ADDR")),
            get("SRAM_ADDR") as usize,
            get("COUNT") as usize,
        );
        let (mem, unit, capacity) = match name {
            "LOAD_ACT" | "STORE_ACT" => {
                (Mem::Act, self.array.cols, self.act.len() / self.array.cols)
            }
            "LOAD_W" => (
                Mem::Wmem,
                self.array.word_bytes(),
                self.wmem.len() / self.array.word_bytes(),
            ),
            "LOAD_PB" => (
                Mem::Pb,
                self.array.word_bytes(),
                self.pb.len() / self.array.word_bytes(),
            ),
            _ => (Mem::Epi, commands::EPI_ENTRY_BYTES, self.epi.len()),
        };
        if sram + count > capacity {
            return Err(Fault(
                regs::ErrorCode::BadCommand,
                format!("{name} beyond on-chip memory"),
            ));
        }
        let bytes = (count * unit) as u64;
        let Some(range) = self.dram_range(dram_addr, bytes) else {
            let code = if name == "STORE_ACT" {
                regs::ErrorCode::AxiWrite
            } else {
                regs::ErrorCode::AxiRead
            };
            return Err(Fault(code, format!("{name} DRAM range outside the region")));
        };
        let store = name == "STORE_ACT";
        match mem {
            Mem::Act if store => {
                self.dram[range].copy_from_slice(&self.act[sram * unit..(sram + count) * unit])
            }
            Mem::Act => {
                self.act[sram * unit..(sram + count) * unit].copy_from_slice(&self.dram[range])
            }
            Mem::Wmem => {
                self.wmem[sram * unit..(sram + count) * unit].copy_from_slice(&self.dram[range])
            }
            Mem::Pb => {
                self.pb[sram * unit..(sram + count) * unit].copy_from_slice(&self.dram[range])
            }
            Mem::Epi => {
                for (i, e) in self.dram[range].chunks_exact(unit).enumerate() {
                    let bias = i32::from_le_bytes([e[0], e[1], e[2], e[3]]);
                    let m = i32::from_le_bytes([e[4], e[5], e[6], e[7]]);
                    self.epi[sram + i] = (bias, m, e[8] & 0x3f); // the RTL keeps 6 bits of the shift
                }
            }
        }
        let counter = match name {
            "LOAD_ACT" => regs::DRAM_READ_ACT_BYTES_LO,
            "STORE_ACT" => regs::DRAM_WRITE_ACT_BYTES_LO,
            "LOAD_EPI" => regs::DRAM_READ_EPI_BYTES_LO,
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
        Ok(vec![Access {
            mem,
            lo: sram,
            hi: sram + count,
            write: !store,
        }])
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

    fn window(&mut self, name: &str, cmd: &Command) -> Result<Vec<Access>, Fault> {
        let get =
            |n: &str| cmd.get(commands::field(Format::Window, n).expect("window field")) as usize;
        let (r_n, c_n) = (self.array.rows, self.array.cols);
        let (k, stride) = (get("KERNEL"), get("STRIDE"));
        let bad = |why: &str| Fault(regs::ErrorCode::BadCommand, format!("{name}: {why}"));
        if ![1, 3, 5, 7].contains(&k) || ![1, 2].contains(&stride) {
            return Err(bad("kernel or stride out of range"));
        }
        let (in_h, in_w, in_cv, in_row0) = (get("IN_H"), get("IN_W"), get("IN_CV"), get("IN_ROW0"));
        let (out_cv, out_row0, out_rows, groups) = (
            get("OUT_CV"),
            get("OUT_ROW0"),
            get("OUT_ROWS"),
            get("GROUPS"),
        );
        let (in_addr, out_addr, w_addr, epi_addr) = (
            get("IN_ADDR"),
            get("OUT_ADDR"),
            get("W_ADDR"),
            get("EPI_ADDR"),
        );
        let clamp = Clamp {
            lo: get("CLAMP_LO") as u8 as i8,
            hi: get("CLAMP_HI") as u8 as i8,
        };
        // WSRC is gone from the encoding: compute reads weights from WMEM only.
        let weights: &[u8] = &self.wmem;
        let ow = if name == "GAP" {
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
        match name {
            "CONV" => {
                for g in 0..groups {
                    for oy in out_row0..out_row0 + out_rows {
                        for ox in 0..ow {
                            let mut acc = vec![0i32; r_n];
                            for (r, a) in acc.iter_mut().enumerate() {
                                *a = epi_entry(g * r_n + r)?.0;
                            }
                            espan.add(epi_addr + g * r_n, epi_addr + (g + 1) * r_n);
                            for (t, &(dy, dx)) in taps.iter().enumerate() {
                                let (iy, ix) =
                                    ((oy * stride) as isize + dy, (ox * stride) as isize + dx);
                                for v in 0..in_cv {
                                    let w_index = w_addr + (g * taps.len() + t) * in_cv + v;
                                    wspan.add(w_index, w_index + 1);
                                    if !in_bounds(iy, ix) {
                                        continue;
                                    }
                                    let a = in_at(iy as usize, ix as usize, v);
                                    reads.add(a, a + 1);
                                    let x = self.act_vector(a)?;
                                    let w = weights
                                        .get(w_index * word..(w_index + 1) * word)
                                        .ok_or_else(|| bad("weight address beyond the buffer"))?;
                                    for (r, acc_r) in acc.iter_mut().enumerate() {
                                        for c in 0..c_n {
                                            *acc_r += i32::from(w[r * c_n + c] as i8)
                                                * i32::from(x[c] as i8);
                                        }
                                    }
                                    macs += (r_n * c_n) as u64;
                                }
                            }
                            for (r, &acc_r) in acc.iter().enumerate() {
                                let (_, rq) = epi_entry(g * r_n + r)?;
                                let o = g * r_n + r;
                                let a = out_at(oy, ox, o / c_n);
                                writes.add(a, a + 1);
                                results.push((a, o % c_n, requant_any(acc_r, rq, clamp)));
                            }
                        }
                    }
                }
            }
            "DWCONV" => {
                let blocks = taps.len().div_ceil(r_n);
                for v in 0..groups {
                    for oy in out_row0..out_row0 + out_rows {
                        for ox in 0..ow {
                            for c in 0..c_n {
                                let (bias, rq) = epi_entry(v * c_n + c)?;
                                let mut acc = bias;
                                for (t, &(dy, dx)) in taps.iter().enumerate() {
                                    let w_index = w_addr + v * blocks + t / r_n;
                                    wspan.add(w_index, w_index + 1);
                                    let (iy, ix) =
                                        ((oy * stride) as isize + dy, (ox * stride) as isize + dx);
                                    if !in_bounds(iy, ix) {
                                        continue;
                                    }
                                    let a = in_at(iy as usize, ix as usize, v);
                                    reads.add(a, a + 1);
                                    let x = self.act_vector(a)?[c] as i8;
                                    let w = *weights
                                        .get(w_index * word + (t % r_n) * c_n + c)
                                        .ok_or_else(|| bad("weight address beyond the buffer"))?
                                        as i8;
                                    acc += i32::from(x) * i32::from(w);
                                    macs += 1;
                                }
                                let a = out_at(oy, ox, v);
                                writes.add(a, a + 1);
                                results.push((a, c, requant_any(acc, rq, clamp)));
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
        let wmem = Mem::Wmem;
        let mut accesses = vec![];
        accesses.extend(reads.access(Mem::Act, false));
        accesses.extend(writes.access(Mem::Act, true));
        accesses.extend(wspan.access(wmem, false));
        accesses.extend(espan.access(Mem::Epi, false));
        Ok(accesses)
    }

    fn add(&mut self, cmd: &Command) -> Result<Vec<Access>, Fault> {
        let get = |n: &str| cmd.get(commands::field(Format::Add, n).expect("add field"));
        let c = self.array.cols;
        let (a, b, out, n) = (
            get("A_ADDR") as usize,
            get("B_ADDR") as usize,
            get("OUT_ADDR") as usize,
            get("VECTORS") as usize,
        );
        let (ma, mb, s) = (get("MA") as i32, get("MB") as i32, get("SHIFT") as u8);
        let clamp = Clamp {
            lo: get("CLAMP_LO") as u8 as i8,
            hi: get("CLAMP_HI") as u8 as i8,
        };
        let vectors = self.act.len() / c;
        if a + n > vectors || b + n > vectors || out + n > vectors || !(1..=62).contains(&s) {
            return Err(Fault(
                regs::ErrorCode::BadCommand,
                "ADD beyond ACT or shift out of range".into(),
            ));
        }
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
}
