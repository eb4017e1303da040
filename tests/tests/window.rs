//! The DMA window, Persistent Buffer bounds and soft reset of the RTL (hw/docs/persistent-buffer.md
//! sections 4-6): a command, fetch or memcpy that would leave the window stops the job with
//! ERR_DMA_WINDOW and touches no byte outside it (the memory model records every burst it accepts,
//! and guard bytes around the window are checked); PB overflows (a deposit's too, with nothing
//! written to WMEM or the PB) stop with ERR_PB_OVERFLOW; each
//! counts once; a soft reset aborts a running job; the next job after any of them is exact.

use sushi_host::compile::program::{Outputs, compile};
use sushi_host::device::driver::Accel;
use sushi_host::device::model::ModelAccel;
use sushi_host::net::network::{RandomSpec, random_network};
use sushi_hw::bus::read_counter;
use sushi_hw::commands::{self, COMMAND_BYTES, Command, Control, CopyPb, Dma, LoadWPb, Op};
use sushi_hw::regs::{self, ErrorCode};
use sushi_hw::{Bus, HwConfig};
use sushi_sim::{RtlSim, Stalls};
use sushi_tests::{TestRng, config, read_pb, rtl, seed};

/// A one-row DMA transfer of `count` units between `dram_addr` and `sram_addr`.
fn one_row(dram_addr: u32, sram_addr: u32, count: u32) -> Dma {
    Dma {
        dram_addr,
        sram_addr,
        count,
        rows: 1,
        ..Dma::default()
    }
}

fn end() -> Command {
    Control.encode(Op::End, 0)
}

/// Writes `stream` (END appended) at `at` and runs it; returns STATUS at the end.
fn run_stream(sim: &mut RtlSim, at: u64, stream: &[Command]) -> u32 {
    let mut bytes = Vec::new();
    for c in stream.iter().chain(std::iter::once(&end())) {
        bytes.extend_from_slice(&c.to_bytes());
    }
    sim.write_dram(at, &bytes).unwrap();
    start_stream(sim, at, stream.len() as u32 + 1);
    let wait = sim.wait_idle(2_000_000).unwrap();
    assert!(wait.idle, "the job hung");
    sim.read_reg(regs::STATUS).unwrap()
}

fn start_stream(sim: &mut RtlSim, at: u64, commands: u32) {
    sim.write_reg(regs::CMD_BASE, at as u32).unwrap();
    sim.write_reg(regs::CMD_LIMIT, commands).unwrap();
    sim.write_reg(regs::CTRL, regs::CTRL_RUN.mask()).unwrap();
}

fn error_of(status: u32) -> ErrorCode {
    assert_eq!(regs::STATUS_DONE.get(status), 1, "the job must have ended");
    if regs::STATUS_ERROR.get(status) == 0 {
        return ErrorCode::None;
    }
    ErrorCode::from_bits(regs::STATUS_ERROR_CODE.get(status))
}

fn clear_status(sim: &mut RtlSim) {
    sim.write_reg(
        regs::STATUS,
        regs::STATUS_DONE.mask() | regs::STATUS_ERROR.mask(),
    )
    .unwrap();
}

/// A window of `bytes` at `offset` inside the region, with guard bytes of a known pattern on both
/// sides; returns (first, last) byte of the window.
fn set_window(sim: &mut RtlSim, offset: u64, bytes: u64) -> (u64, u64) {
    let first = sim.dram().base + offset;
    let last = first + bytes - 1;
    sim.write_reg(regs::DMA_BASE, first as u32).unwrap();
    sim.write_reg(regs::DMA_LAST, last as u32).unwrap();
    sim.write_dram(first - 4096, &[0xa5; 4096]).unwrap();
    sim.write_dram(last + 1, &[0x5a; 4096]).unwrap();
    (first, last)
}

fn assert_guards_intact(sim: &mut RtlSim, (first, last): (u64, u64), what: &str) {
    let mut below = vec![0u8; 4096];
    let mut above = vec![0u8; 4096];
    sim.read_dram(first - 4096, &mut below).unwrap();
    sim.read_dram(last + 1, &mut above).unwrap();
    assert!(
        below.iter().all(|&b| b == 0xa5),
        "{what}: bytes below the window changed"
    );
    assert!(
        above.iter().all(|&b| b == 0x5a),
        "{what}: bytes above the window changed"
    );
}

/// Every byte the memory model saw a burst for lies inside [first, last].
fn assert_no_access_outside(sim: &RtlSim, (first, last): (u64, u64), what: &str) {
    let stats = sim.stats();
    if let Some((lo, hi)) = stats.bytes_accessed {
        assert!(
            lo >= first && hi <= last,
            "{what}: the accelerator touched [{lo:#x}, {hi:#x}], outside the window [{first:#x}, {last:#x}]"
        );
    }
    assert_eq!(stats.violations, 0, "{what}: {:?}", stats.first_violation);
}

fn counter(sim: &mut RtlSim, lo: u32) -> u64 {
    read_counter(sim, lo).unwrap()
}

const WINDOW_OFFSET: u64 = 64 * 1024;
const WINDOW_BYTES: u64 = 64 * 1024;

fn tiny_sim(stalls: Stalls, seed: u64) -> (HwConfig, RtlSim) {
    let cfg = config("tiny");
    let sim = rtl(&cfg, stalls, seed);
    (cfg, sim)
}

#[test]
fn a_load_whose_second_row_leaves_the_window_stops_with_err_dma_window_and_touches_nothing_outside()
{
    let seed = seed("window rows", 5);
    for stalls in [Stalls::none(), Stalls::random(seed, 500)] {
        let (cfg, mut sim) = tiny_sim(stalls, seed);
        let window = set_window(&mut sim, WINDOW_OFFSET, WINDOW_BYTES);
        let word = cfg.spec.array.rows * cfg.spec.array.cols;
        // Row 0 ends just inside the window, row 1 starts beyond it.
        let row0 = window.1 + 1 - u64::from(4 * word);
        let status = run_stream(
            &mut sim,
            window.0,
            &[Dma {
                dram_addr: row0 as u32,
                sram_addr: 0,
                count: 4,
                rows: 2,
                dram_stride: 4 * word,
                sram_stride: 4,
            }
            .encode(Op::LoadW, 0)],
        );
        assert_eq!(error_of(status), ErrorCode::DmaWindow);
        assert_eq!(counter(&mut sim, regs::DMA_WINDOW_VIOLATIONS_LO), 1);
        assert_no_access_outside(&sim, window, "2-row LOAD_W");
        assert_guards_intact(&mut sim, window, "2-row LOAD_W");
        // After a soft reset and the window opened to the whole region, a network runs exactly.
        sim.write_reg(regs::CTRL, regs::CTRL_SOFT_RESET.mask())
            .unwrap();
        sim.write_reg(regs::DMA_BASE, sim.dram().base as u32)
            .unwrap();
        sim.write_reg(
            regs::DMA_LAST,
            (sim.dram().base + sim.dram().bytes - 1) as u32,
        )
        .unwrap();
        the_next_network_is_bit_exact(sim, &cfg, seed);
    }
}

/// Runs a random network on `sim` and on the golden model: outputs and traffic agree.
fn the_next_network_is_bit_exact(sim: RtlSim, cfg: &HwConfig, seed: u64) {
    let mut rng = TestRng::new(seed ^ 0x5eed);
    let spec = RandomSpec {
        max_hw: 9,
        max_c: 8,
        body_layers: 3,
    };
    let (net, input) = random_network(&mut rng, spec);
    let mut program = compile(&net, cfg, Outputs::All).expect("compiles");
    program.set_input(&input);
    let got = Accel::open(sim, cfg)
        .expect("opens")
        .run_program(&program, 20_000_000)
        .expect("runs after the error");
    let want = Accel::open(ModelAccel::new(cfg), cfg)
        .expect("opens")
        .run_program(&program, 0)
        .expect("model runs");
    assert_eq!(got.outputs, want.outputs, "outputs after recovery");
    assert_eq!(got.traffic, want.traffic, "traffic after recovery");
}

#[test]
fn a_store_or_a_memcpy_reaching_outside_writes_nothing_outside() {
    let seed = seed("window writes", 6);
    let (_, mut sim) = tiny_sim(Stalls::random(seed, 400), seed);
    let window = set_window(&mut sim, WINDOW_OFFSET, WINDOW_BYTES);
    // STORE_ACT of 64 vectors whose tail lies above the window.
    let status = run_stream(
        &mut sim,
        window.0,
        &[one_row((window.1 + 1 - 64) as u32, 0, 64).encode(Op::StoreAct, 0)],
    );
    assert_eq!(error_of(status), ErrorCode::DmaWindow);
    assert_guards_intact(&mut sim, window, "STORE_ACT");
    clear_status(&mut sim);
    // A memcpy into the bytes below the window.
    sim.write_reg(regs::COPY_SRC, (window.0 + 4096) as u32)
        .unwrap();
    sim.write_reg(regs::COPY_DST, (window.0 - 100) as u32)
        .unwrap();
    sim.write_reg(regs::COPY_LEN, 3000).unwrap();
    sim.write_reg(regs::CTRL, regs::CTRL_COPY_START.mask())
        .unwrap();
    assert!(sim.wait_idle(200_000).unwrap().idle);
    assert_eq!(
        error_of(sim.read_reg(regs::STATUS).unwrap()),
        ErrorCode::DmaWindow
    );
    assert_eq!(counter(&mut sim, regs::DMA_WINDOW_VIOLATIONS_LO), 2);
    assert_no_access_outside(&sim, window, "STORE_ACT and memcpy");
    assert_guards_intact(&mut sim, window, "memcpy");
}

#[test]
fn commands_outside_the_window_are_never_fetched() {
    let (_, mut sim) = tiny_sim(Stalls::none(), 1);
    let window = set_window(&mut sim, WINDOW_OFFSET, WINDOW_BYTES);
    // A valid stream, but placed (and started) just below the window.
    let status = run_stream(&mut sim, window.0 - 4096, &[]);
    assert_eq!(error_of(status), ErrorCode::DmaWindow);
    assert_eq!(sim.stats().bytes_accessed, None, "no burst at all");
    assert_eq!(counter(&mut sim, regs::DMA_WINDOW_VIOLATIONS_LO), 1);
    // The same stream inside the window runs; prefetching up to CMD_LIMIT past END at the top of
    // the window is not a violation because END comes first.
    clear_status(&mut sim);
    let at = window.1 + 1 - 2 * COMMAND_BYTES as u64;
    let mut bytes = one_row(window.0 as u32, 0, 1)
        .encode(Op::LoadEpi, 0)
        .to_bytes()
        .to_vec();
    bytes.extend_from_slice(&end().to_bytes());
    sim.write_dram(at, &bytes).unwrap();
    start_stream(&mut sim, at, 16);
    assert!(sim.wait_idle(100_000).unwrap().idle);
    assert_eq!(
        error_of(sim.read_reg(regs::STATUS).unwrap()),
        ErrorCode::None
    );
    assert_no_access_outside(&sim, window, "stream at the top of the window");
}

/// All or nothing: a `LOAD_W_PB` whose PB rows leave the PB is refused at dispatch, before any
/// beat is read, so the PB words its rows that fit would have written keep their contents.
#[test]
fn a_deposit_beyond_the_pb_is_refused_before_anything_moves_and_the_pb_keeps_its_words() {
    let cfg = config("tiny");
    let mut accel = Accel::open(rtl(&cfg, Stalls::random(5, 300), 5), &cfg).unwrap();
    let word = cfg.spec.array.rows * cfg.spec.array.cols;
    let pb_words = (cfg.spec.buffers.pb_bytes / u64::from(word)) as u32;
    let base = accel.bus().dram().base as u32;
    let (old, new) = (base + 0x1_0000, base + 0x2_0000);
    let at = u64::from(base) + 4096;
    // The PB's last 8 words hold one pattern; DRAM holds another for the deposit.
    let pattern = |seed: u8| -> Vec<u8> {
        (0..8 * word)
            .map(|i| (i as u8).wrapping_mul(seed) | 1)
            .collect()
    };
    accel.bus().write_dram(u64::from(old), &pattern(3)).unwrap();
    accel.bus().write_dram(u64::from(new), &pattern(7)).unwrap();
    let fill = one_row(old, pb_words - 8, 8).encode(Op::LoadPb, 0);
    assert_eq!(
        error_of(run_stream(accel.bus(), at, &[fill])),
        ErrorCode::None
    );
    let before = read_pb(&mut accel, &cfg, pb_words - 8..pb_words);
    assert_eq!(before, pattern(3));
    let deposit = |wmem: u32, rows: u16, pb: u32, pb_stride: u16| {
        let load = Dma {
            rows,
            dram_stride: 2 * word,
            sram_stride: 2,
            ..one_row(new, wmem, 2)
        };
        LoadWPb::from_load(&load, pb, pb_stride).encode(Op::LoadWPb, 0)
    };
    let cases = [
        // PB rows at pb_words-8, -4, 0: the last starts at the PB's end.
        (deposit(0, 3, pb_words - 8, 4), ErrorCode::PbOverflow),
        // Past the PB and past WMEM: the PB is reported.
        (deposit(255, 1, pb_words - 1, 0), ErrorCode::PbOverflow),
        // Inside the PB, past WMEM: a bad command, no overflow.
        (deposit(255, 1, pb_words - 8, 0), ErrorCode::BadCommand),
    ];
    let mut overflows = 0;
    for (i, (c, want)) in cases.iter().enumerate() {
        let sim = accel.bus();
        clear_status(sim);
        sim.write_reg(regs::CTRL, regs::CTRL_COUNTERS_CLEAR.mask())
            .unwrap();
        assert_eq!(
            error_of(run_stream(sim, at, std::slice::from_ref(c))),
            *want,
            "case {i}"
        );
        overflows += u64::from(*want == ErrorCode::PbOverflow);
        assert_eq!(
            counter(sim, regs::PB_OVERFLOWS_LO),
            u64::from(*want == ErrorCode::PbOverflow),
            "case {i}"
        );
        assert_eq!(
            counter(sim, regs::DRAM_READ_WEIGHT_BYTES_LO),
            0,
            "case {i}: no beat was read"
        );
        clear_status(accel.bus());
        assert_eq!(
            read_pb(&mut accel, &cfg, pb_words - 8..pb_words),
            before,
            "case {i}: the PB kept its words"
        );
    }
    assert_eq!(overflows, 2);
    // A stride shorter, the rows end at the PB's last word: -8, -5, -2, two words each.
    clear_status(accel.bus());
    assert_eq!(
        error_of(run_stream(
            accel.bus(),
            at,
            &[deposit(0, 3, pb_words - 8, 3)]
        )),
        ErrorCode::None
    );
    clear_status(accel.bus());
    let after = read_pb(&mut accel, &cfg, pb_words - 8..pb_words);
    let (w, new) = (word as usize, pattern(7));
    let mut want = before.clone();
    for row in 0..3 {
        let (p, d) = (3 * row * w, 2 * row * w);
        want[p..p + 2 * w].copy_from_slice(&new[d..d + 2 * w]);
    }
    assert_eq!(
        after, want,
        "rows at their PB stride, the words between untouched"
    );
    assert_eq!(accel.into_bus().stats().violations, 0);
}

#[test]
fn pb_overflows_are_refused_before_anything_moves_and_counted() {
    let (cfg, mut sim) = tiny_sim(Stalls::none(), 1);
    let pb_words =
        (cfg.spec.buffers.pb_bytes / u64::from(cfg.spec.array.rows * cfg.spec.array.cols)) as u32;
    let base = sim.dram().base as u32;
    let cases = [
        // One word past the end in one row.
        one_row(base, pb_words - 3, 4).encode(Op::LoadPb, 0),
        // The last of three rows past the end.
        Dma {
            rows: 3,
            sram_stride: 4,
            ..one_row(base, pb_words - 9, 2)
        }
        .encode(Op::LoadPb, 0),
        // A copy reading past the PB.
        CopyPb {
            pb_addr: pb_words - 1,
            wmem_addr: 0,
            count: 2,
            rows: 1,
            ..CopyPb::default()
        }
        .encode(Op::CopyPb, 0),
    ];
    for (i, c) in cases.iter().enumerate() {
        clear_status(&mut sim);
        let status = run_stream(&mut sim, u64::from(base) + 4096, std::slice::from_ref(c));
        assert_eq!(error_of(status), ErrorCode::PbOverflow, "case {i}");
        assert_eq!(
            counter(&mut sim, regs::PB_OVERFLOWS_LO),
            i as u64 + 1,
            "case {i}"
        );
        assert_eq!(
            counter(&mut sim, regs::PB_FILL_BYTES_LO),
            0,
            "case {i}: nothing moved"
        );
    }
    // ROWS = 0, and ROWS = 2 where one row is required, are malformed, not overflows.
    for c in [
        Dma {
            rows: 0,
            ..one_row(base, 0, 1)
        }
        .encode(Op::LoadW, 0),
        Dma {
            rows: 2,
            ..one_row(base, 0, 1)
        }
        .encode(Op::LoadAct, 0),
    ] {
        clear_status(&mut sim);
        let status = run_stream(&mut sim, u64::from(base) + 4096, &[c]);
        assert_eq!(error_of(status), ErrorCode::BadCommand);
    }
    assert_eq!(counter(&mut sim, regs::PB_OVERFLOWS_LO), 3);
}

#[test]
fn a_conv_reducing_more_input_vectors_than_a_position_holds_is_a_bad_command() {
    let (cfg, mut sim) = tiny_sim(Stalls::none(), 1);
    let base = sim.dram().base as u32;
    let conv = |in_vectors: u8| {
        commands::Window {
            kernel: 1,
            stride: 1,
            in_h: 2,
            in_w: 2,
            in_cv: 2,
            out_cv: 2,
            out_addr: 64,
            out_rows: 2,
            groups: 1,
            in_vectors,
            ..commands::Window::default()
        }
        .encode(Op::Conv, 0)
    };
    let limits = sushi_host::device::checks::Limits::of(&cfg);
    let op = Op::Conv;
    let window = sushi_host::device::checks::Window {
        base: u64::from(base),
        last: u64::from(base) + (1 << 20),
    };
    for (in_vectors, expected) in [(2, ErrorCode::None), (3, ErrorCode::BadCommand)] {
        clear_status(&mut sim);
        let status = run_stream(&mut sim, u64::from(base) + 4096, &[conv(in_vectors)]);
        assert_eq!(error_of(status), expected, "RTL, IN_VECTORS {in_vectors}");
        let host =
            sushi_host::device::checks::check_command(op, &conv(in_vectors), &limits, window);
        assert_eq!(
            host.err().map_or(ErrorCode::None, |r| r.code),
            expected,
            "host checks, IN_VECTORS {in_vectors}"
        );
    }
}

#[test]
fn a_soft_reset_aborts_a_running_job_and_clears_status_when_idle() {
    let seed = seed("soft reset", 8);
    let mut rng = TestRng::new(seed);
    let (cfg, mut sim) = tiny_sim(Stalls::random(seed, 300), seed);
    let base = sim.dram().base;
    let word = cfg.spec.array.rows * cfg.spec.array.cols;
    // A long job: many PB fills.
    let fill = Dma {
        dram_addr: base as u32,
        sram_addr: 0,
        count: 64,
        rows: 16,
        dram_stride: 64 * word,
        sram_stride: 64,
    }
    .encode(Op::LoadPb, 0);
    let stream: Vec<Command> = std::iter::repeat_n(fill, 8)
        .chain(std::iter::once(end()))
        .collect();
    let mut bytes = Vec::new();
    for c in &stream {
        bytes.extend_from_slice(&c.to_bytes());
    }
    let at = base + 256 * 1024;
    sim.write_dram(at, &bytes).unwrap();
    start_stream(&mut sim, at, stream.len() as u32);
    sim.run(200 + rng.below(2000));
    assert_eq!(
        regs::STATUS_BUSY.get(sim.read_reg(regs::STATUS).unwrap()),
        1,
        "still running"
    );
    sim.write_reg(regs::CTRL, regs::CTRL_SOFT_RESET.mask())
        .unwrap();
    assert!(sim.wait_idle(100_000).unwrap().idle, "the abort completes");
    assert_eq!(
        error_of(sim.read_reg(regs::STATUS).unwrap()),
        ErrorCode::Aborted
    );
    sim.write_reg(regs::CTRL, regs::CTRL_SOFT_RESET.mask())
        .unwrap();
    assert_eq!(
        sim.read_reg(regs::STATUS).unwrap(),
        0,
        "idle soft reset clears STATUS"
    );
    assert_eq!(
        sim.stats().violations,
        0,
        "{:?}",
        sim.stats().first_violation
    );
    // The device works again: the whole stream runs to the end.
    sim.write_reg(regs::CTRL, regs::CTRL_COUNTERS_CLEAR.mask())
        .unwrap();
    let status = run_stream(&mut sim, at, &stream[..stream.len() - 1]);
    assert_eq!(error_of(status), ErrorCode::None);
    assert_eq!(
        counter(&mut sim, regs::PB_FILL_BYTES_LO),
        8 * 16 * 64 * u64::from(word)
    );
    the_next_network_is_bit_exact(sim, &cfg, seed);
}
