//! SushiAbs: a fast cycle model of the accelerator at command granularity.
//!
//! It replays a compiled [`Program`] the way `sushi_top` executes it (`rtl/README.md`, "Job"):
//! commands dispatched in order, one per cycle, into a queue of two per engine; each engine runs
//! its commands in order, a command starting when its engine is free and the other engine has
//! completed `WAIT_COUNT` commands. A command's duration comes from its fields:
//!
//! - compute: the loop nest of `rtl/README.md` ("Compute"), one step per cycle, a position taking
//!   at least `Pmin` cycles (CONV `R/C`, DWCONV `C`), plus a fixed pipeline fill and drain;
//! - DMA: the memory model's read or write latency plus the beats at the rate the port, the DRAM
//!   bandwidth and the reads in flight allow, plus a fixed cost per command and per row;
//! - `LOAD_W_PB` (a deposit) as `LOAD_W`: the PB write of each word shares the cycle of its WMEM
//!   write;
//! - `COPY_PB`: one word per cycle.
//!
//! The fixed costs are measured constants of the RTL ([`Timing`]); `host/tests` and
//! `tests/tests/abs.rs` hold the model to the RTL on whole SubNets under several cache states.
//! It sees no stalls: it predicts the RTL with an ideal memory (as the latency table wants).

use serde::Serialize;
use sushi_hw::HwConfig;
use sushi_hw::commands::{self, Command, Engine, Fields, Op};

use crate::compile::layout;
use crate::compile::program::Program;

/// Constants of the RTL's timing that the loop nests do not give, in cycles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Timing {
    /// From CTRL.RUN to the first command's dispatch, beyond the fetch's read latency and beats.
    pub start: u64,
    /// Per CONV command beyond its steps (pipeline fill and drain, final write).
    pub conv_overhead: u64,
    /// Per DWCONV command beyond its steps.
    pub dwconv_overhead: u64,
    /// Per GAP command beyond its steps.
    pub compute_overhead: u64,
    /// From a position's last step to its outputs written (when its parameter bank frees), beyond
    /// the epilogue's cycles per position (CONV `R/C` writes, DWCONV `C` columns, GAP 1).
    pub writeout: u64,
    /// Per ADD command beyond its blocks (R vectors each, a block every `C + 1` cycles).
    pub add_overhead: u64,
    /// Per DMA load beyond latency and beats.
    pub load_overhead: u64,
    /// Per extra row of a 2-D load.
    pub row_overhead: u64,
    /// Per store beyond its beats and the write latency.
    pub store_overhead: u64,
    /// Per COPY_PB beyond its words.
    pub copy_overhead: u64,
    /// From a command's completion to a waiting command's start on the other engine.
    pub wake: u64,
    /// From the last completion to STATUS.DONE.
    pub finish: u64,
}

impl Timing {
    /// The constants measured on the RTL (see `tests/tests/abs.rs`).
    pub const RTL: Timing = Timing {
        start: 6,
        conv_overhead: 15,
        dwconv_overhead: 21,
        compute_overhead: 14,
        writeout: 13,
        add_overhead: 8,
        load_overhead: 4,
        row_overhead: 1,
        store_overhead: 4,
        copy_overhead: 3,
        wake: 2,
        finish: 2,
    };
}

/// One command's predicted interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CommandTiming {
    /// Index in the program's command list.
    pub index: usize,
    /// Cycle it starts (relative to CTRL.RUN).
    pub start: u64,
    /// Cycle it completes.
    pub end: u64,
}

/// What the model predicts for a program.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Cycles from CTRL.RUN to STATUS.DONE (the RTL's BUSY_CYCLES).
    pub cycles: u64,
    /// Per command (END excluded).
    pub commands: Vec<CommandTiming>,
    /// Busy cycles of the compute engine.
    pub compute_busy_cycles: u64,
    /// Busy cycles of the DMA engine.
    pub dma_busy_cycles: u64,
    /// DRAM bytes the program moves (whole beats, read and written, command fetches included),
    /// as the RTL's DRAM_READ_BYTES + DRAM_WRITE_BYTES count them.
    pub dram_bytes: u64,
}

/// The memory-side rates of a config.
#[derive(Debug, Clone)]
struct Port {
    data_bytes: u64,
    read_latency: u64,
    write_latency: u64,
    /// Beats per cycle a long read sustains.
    read_rate: f64,
    /// Beats per cycle reads sustain when every burst is this short (index: beats, 1..=max burst).
    short_read_rate: Vec<f64>,
    /// Beats per cycle a long write sustains.
    write_rate: f64,
    /// Cycles a command-fetch beat takes from a long read running beside it: the memory's time per
    /// beat when reads are bandwidth-bound; 0 when they are bound by the bursts in flight (the
    /// channel then idles between bursts and the fetch's beats fill the gaps).
    fetch_cycles_per_beat: f64,
}

impl Port {
    fn of(config: &HwConfig) -> Self {
        let s = &config.spec;
        let d = u64::from(s.axi.data_bytes);
        let bw_beats = config.derived().dram_bytes_per_cycle / d as f64;
        let burst = f64::from(s.axi.max_burst_beats);
        // Beats per cycle with `inflight` bursts in flight: one burst's period is the AR
        // handshake, the latency, and its beats at the bandwidth, less the beats the memory
        // model's credit bucket (two beats and a cycle's worth) had saved while it waited.
        let rate_of = |inflight: u32, latency: u32, burst: f64| {
            let per_beat = 1.0 / bw_beats.min(1.0);
            let banked = if bw_beats < 1.0 {
                (2.0 + bw_beats).min(burst)
            } else {
                0.0
            };
            let period = f64::from(latency) + 1.0 + (burst - banked) * per_beat;
            1f64.min(bw_beats).min(f64::from(inflight) * burst / period)
        };
        let rate = |inflight: u32, latency: u32| rate_of(inflight, latency, burst);
        let lat = u64::from(s.dram.read_latency_cycles);
        let w_lat = u64::from(s.dram.write_latency_cycles);
        let read_rate = rate(
            s.axi.max_outstanding_reads.min(s.dram.read_acceptance),
            s.dram.read_latency_cycles,
        );
        let write_rate = rate(
            s.axi.max_outstanding_writes.min(s.dram.write_acceptance),
            s.dram.write_latency_cycles,
        );
        let read_inflight = s.axi.max_outstanding_reads.min(s.dram.read_acceptance);
        let short_read_rate = (0..=s.axi.max_burst_beats)
            .map(|b| {
                rate_of(
                    read_inflight,
                    s.dram.read_latency_cycles,
                    f64::from(b.max(1)),
                )
            })
            .collect();
        let bandwidth_bound = read_rate >= bw_beats.min(1.0) - 1e-9;
        Port {
            data_bytes: d,
            read_latency: lat,
            write_latency: w_lat,
            read_rate,
            short_read_rate,
            write_rate,
            fetch_cycles_per_beat: if bandwidth_bound {
                1.0 / bw_beats.min(1.0)
            } else {
                0.0
            },
        }
    }
    /// Reads of `rows` rows of `row_beats` beats each: a row shorter than the longest burst is
    /// one short burst, and short bursts leave the port idle for their latency more often.
    fn row_read_cycles(&self, row_beats: u64, rows: u64) -> u64 {
        let rate = match self.short_read_rate.get(row_beats as usize) {
            Some(&short) if rows > 1 => short,
            _ => self.read_rate,
        };
        ((row_beats * rows) as f64 / rate).ceil() as u64
    }
    fn write_cycles(&self, beats: u64) -> u64 {
        (beats as f64 / self.write_rate).ceil() as u64
    }
}

/// DRAM beats a DMA command moves (0 for compute commands and COPY_PB).
fn dram_beats(c: &Command, config: &HwConfig, port: &Port) -> u64 {
    let (op, fields) = c.decode().expect("a known opcode");
    let dma = match fields {
        Fields::Dma(dma) => dma,
        Fields::Deposit(deposit) => deposit.load(),
        _ => return 0,
    };
    let (r, col) = (
        u64::from(config.spec.array.rows),
        u64::from(config.spec.array.cols),
    );
    let unit = match op {
        Op::LoadAct | Op::StoreAct => col,
        Op::LoadEpi => commands::EPI_ENTRY_BYTES as u64,
        _ => r * col,
    };
    (u64::from(dma.count) * unit).div_ceil(port.data_bytes) * u64::from(dma.rows).max(1)
}

/// Cycles from a windowed command's first step to one past its last, group by group (an output
/// group of CONV, a channel vector of DWCONV and GAP), each of `positions` positions of `steps`
/// steps. A group's epilogue parameters (`entries`, one per cycle) load while the group before it
/// runs, one group at a time, into the bank of the group two back once that group's outputs are
/// written; a group's first last step waits for them (rtl/README.md "Epilogue parameters").
fn window_steps(
    groups: u64,
    positions: u64,
    steps: u64,
    entries: u64,
    epilogue: u64,
    t: &Timing,
) -> u64 {
    if groups == 0 || positions == 0 || steps == 0 {
        return 0;
    }
    let (mut next, mut loader_free) = (0u64, 0u64);
    let (mut start_prev, mut last_prev, mut last_prev2) = (0u64, None, None::<u64>);
    for n in 0..groups {
        let mut load = loader_free;
        if n >= 1 {
            load = load.max(start_prev);
        }
        if let Some(l2) = last_prev2 {
            load = load.max(l2 + t.writeout + epilogue);
        }
        // The loader issues one read a cycle from the cycle after it starts; the group counts as
        // loaded two cycles after the last read, and loading the next may start then.
        let ready = load + entries + 3;
        loader_free = ready;
        let last = (next + steps - 1).max(ready) + (positions - 1) * steps;
        start_prev = next;
        last_prev2 = last_prev;
        last_prev = Some(last);
        next = last + 1;
    }
    next
}

/// Cycles one command keeps its engine busy.
fn duration(c: &Command, config: &HwConfig, port: &Port, t: &Timing) -> u64 {
    let r = u64::from(config.spec.array.rows);
    let col = u64::from(config.spec.array.cols);
    let (op, fields) = c.decode().expect("a known opcode");
    match fields {
        Fields::Window(win) => {
            let k = u64::from(win.kernel);
            let s = u64::from(win.stride);
            let in_w = u64::from(win.in_w);
            let in_h = u64::from(win.in_h);
            let in_vectors = u64::from(win.in_vectors);
            let rows = u64::from(win.out_rows);
            let groups = u64::from(win.groups);
            let ow = if in_w == 0 { 0 } else { (in_w - 1) / s + 1 };
            let taps = k * k;
            // The first position's last step waits for its group's epilogue parameters, which
            // load one entry per cycle (CONV: R entries; DWCONV, GAP: C).
            match op {
                Op::Conv => {
                    let position = (taps * in_vectors).max(r / col);
                    window_steps(groups, rows * ow, position, r, r / col, t) + t.conv_overhead
                }
                Op::Dwconv => {
                    // Folded (one input row per bank word, outputs in half a block): the two
                    // halves of the rows take a run of up to two taps a step. Otherwise stride 2
                    // needs its second phase only for outputs in a block's upper half.
                    let fold = in_w >= 1 && in_w <= r && ow <= r / 2;
                    let steps = if fold {
                        layout::dw_fold_steps(k as usize, 2, r as usize) as u64
                    } else if s == 2 && ow > r / 2 {
                        2 * taps
                    } else {
                        taps
                    };
                    let block = steps.max(col);
                    window_steps(groups, rows * ow.div_ceil(r), block, col, col, t)
                        + t.dwconv_overhead
                }
                _ => window_steps(groups, 1, in_h * in_w, col, 1, t) + t.compute_overhead,
            }
        }
        Fields::Add(add) => u64::from(add.vectors).div_ceil(r) * (col + 1) + t.add_overhead,
        Fields::Copy(copy) => u64::from(copy.count) * u64::from(copy.rows) + t.copy_overhead,
        Fields::Deposit(deposit) => duration(
            &deposit.load().encode(Op::LoadW, c.wait_count()),
            config,
            port,
            t,
        ),
        Fields::Dma(dma) => {
            let count = u64::from(dma.count);
            let rows = u64::from(dma.rows).max(1);
            let unit = match op {
                Op::LoadAct | Op::StoreAct => col,
                Op::LoadEpi => commands::EPI_ENTRY_BYTES as u64,
                _ => r * col,
            };
            let row_beats = (count * unit).div_ceil(port.data_bytes);
            let beats = row_beats * rows;
            if op == Op::StoreAct {
                port.write_cycles(beats) + port.write_latency + t.store_overhead
            } else if beats == 0 {
                t.load_overhead
            } else {
                port.read_latency
                    + port.row_read_cycles(row_beats, rows)
                    + t.load_overhead
                    + (rows - 1) * t.row_overhead
            }
        }
        // END occupies no engine: the replay stops at it.
        Fields::Control(_) => 0,
    }
}

/// Predicts the cycles of `program` on `config` with the RTL's constants.
pub fn predict(program: &Program, config: &HwConfig) -> Prediction {
    predict_with(program, config, &Timing::RTL)
}

/// Commands the RTL's fetcher holds fetched and not yet dispatched (`rtl/sushi_cmd_seq.v`).
const FETCH_DEPTH: usize = 4;

/// Predicts with explicit constants (for calibration).
///
/// Two replays: the first gives every command's dispatch, hence when the fetcher reads the
/// commands behind it (`FETCH_DEPTH` ahead of dispatch, one burst each); the second charges each
/// DRAM load the command-fetch bursts whose beats arrive while its own beats are still to come
/// (R beats return in order: a fetch granted in a load's last read latency lands after it). The
/// fetcher has priority on the shared read channel: on a bandwidth-bound port (`zynq7020`,
/// `tangnano9k`) each fetch beat costs the load the memory's time for a beat; on a port bound by
/// the bursts in flight (`tiny`) the channel idles between bursts and fetches cost nothing
/// measurable. Without this, small SubNets of many commands were underestimated by up to 1.9% on
/// `zynq7020`; with it, 0.3%.
pub fn predict_with(program: &Program, config: &HwConfig, t: &Timing) -> Prediction {
    let (first, dispatches) = replay(program, config, t, &[]);
    let extra = fetch_contention(program, config, &first, &dispatches);
    replay(program, config, t, &extra).0
}

/// Extra cycles per command from command fetches that share the read channel with it.
fn fetch_contention(
    program: &Program,
    config: &HwConfig,
    replayed: &Prediction,
    dispatches: &[u64],
) -> Vec<u64> {
    let port = Port::of(config);
    let fetch_beats = (commands::COMMAND_BYTES as u64).div_ceil(port.data_bytes);
    // Fetches issue back to back until FETCH_DEPTH commands wait, then one per dispatch (END's
    // fetch included); their beats arrive a read latency later.
    let fetches = dispatches.len() + 1;
    let mut arrivals = Vec::with_capacity(fetches);
    let mut issued = 0u64;
    for i in 0..fetches {
        issued = if i < FETCH_DEPTH {
            i as u64 * fetch_beats
        } else {
            (issued + fetch_beats).max(dispatches[i - FETCH_DEPTH] + 1)
        };
        arrivals.push(issued + port.read_latency);
    }
    let mut extra = vec![0; program.commands.len()];
    for ct in &replayed.commands {
        let op = program.commands[ct.index].op();
        if matches!(
            op,
            Some(Op::LoadAct | Op::LoadW | Op::LoadWPb | Op::LoadPb | Op::LoadEpi)
        ) {
            // Only while the load's own beats stream: after its first read latency.
            let during = arrivals
                .iter()
                .filter(|&&a| a >= ct.start + port.read_latency && a + port.read_latency < ct.end)
                .count() as u64;
            extra[ct.index] =
                (during as f64 * fetch_beats as f64 * port.fetch_cycles_per_beat).round() as u64;
        }
    }
    extra
}

/// Replays `program` on the engines' timelines, each command taking its duration plus `extra`
/// (when given); returns the prediction and every replayed command's dispatch cycle.
fn replay(
    program: &Program,
    config: &HwConfig,
    t: &Timing,
    extra: &[u64],
) -> (Prediction, Vec<u64>) {
    let port = Port::of(config);
    let fetch_beats = (commands::COMMAND_BYTES as u64).div_ceil(port.data_bytes);
    let first = port.read_latency + fetch_beats + t.start;
    // Per engine: completion times, start times (for the queue of two), free time.
    let mut done: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    let mut started: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    let mut free = [first; 2];
    let mut busy = [0u64; 2];
    let mut last_dispatch = first.saturating_sub(1);
    let mut out = Vec::new();
    let mut dispatches = Vec::new();
    let mut dram_bytes = 0u64;
    for (i, c) in program.commands.iter().enumerate() {
        let Some(op) = c.op() else {
            break;
        };
        let e = match op.engine() {
            Engine::Dma => 0,
            Engine::Compute => 1,
            Engine::Control => break,
        };
        // In-order dispatch, one per cycle, into a queue of two: the engine's command two
        // before this one must have left the queue.
        let mut dispatch = last_dispatch + 1;
        if started[e].len() >= 2 {
            dispatch = dispatch.max(started[e][started[e].len() - 2]);
        }
        last_dispatch = dispatch;
        dispatches.push(dispatch);
        let wait = c.wait_count() as usize;
        let other = &done[1 - e];
        let ready = if wait == 0 {
            0
        } else {
            other.get(wait - 1).map_or(u64::MAX / 4, |&d| d + t.wake)
        };
        dram_bytes +=
            fetch_beats * port.data_bytes + dram_beats(c, config, &port) * port.data_bytes;
        let start = free[e].max(dispatch + 1).max(ready);
        let end = start + duration(c, config, &port, t) + extra.get(i).copied().unwrap_or(0);
        started[e].push(start);
        done[e].push(end);
        free[e] = end;
        busy[e] += end - start;
        out.push(CommandTiming {
            index: i,
            start,
            end,
        });
    }
    let last = free[0].max(free[1]).max(first);
    let prediction = Prediction {
        cycles: last + t.finish,
        commands: out,
        compute_busy_cycles: busy[1],
        dma_busy_cycles: busy[0],
        // END's own fetch.
        dram_bytes: dram_bytes + fetch_beats * port.data_bytes,
    };
    (prediction, dispatches)
}
