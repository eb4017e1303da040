//! The DMA format's rows, `COPY_PB`, the on-chip extent checks, the DMA window and the soft
//! reset, on `tiny` (R = 4, C = 2: 8-byte weight words; 4-byte AXI beats; WMEM 256 words,
//! PB 1024 words), driven through the registers as a host would.

use super::races::{check_races, row_accesses};
use super::*;
use sushi_hw::Bus;
use sushi_hw::bus::read_counter;
use sushi_hw::commands::{self, Command, CopyPb, Dma, LoadWPb, Op};
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
fn copy_pb(pb: u32, wmem: u32, count: u32, rows: u16, pb_stride: u32, wmem_stride: u32) -> Command {
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

/// A LOAD_W_PB: the LOAD_W `dma(Op::LoadW, ...)` gives, each row also to PB words from
/// `pb + i * pb_stride`.
#[allow(clippy::too_many_arguments)]
fn deposit(
    dram: u64,
    wmem: u32,
    count: u32,
    rows: u16,
    dram_stride: u32,
    wmem_stride: u32,
    pb: u32,
    pb_stride: u16,
) -> Command {
    let load = Dma::decode(&dma(
        Op::LoadW,
        dram,
        wmem,
        count,
        rows,
        dram_stride,
        wmem_stride,
    ));
    LoadWPb::from_load(&load, pb, pb_stride).encode(Op::LoadWPb, 0)
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
fn a_2d_load_w_puts_row_i_at_dram_addr_plus_i_dram_strides_into_sram_addr_plus_i_sram_strides() {
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
fn a_deposit_writes_each_row_to_wmem_as_load_w_and_to_the_pb_at_its_own_stride_from_one_read() {
    let mut m = tiny();
    let src = base() + 0x1000;
    let data = fill(&mut m, src, 0x200);
    // 4 rows of 3 words; DRAM rows 40 bytes apart, WMEM rows 7 words apart, PB rows 5 apart.
    let code = run(&mut m, &[deposit(src, 10, 3, 4, 40, 7, 900, 5)]);
    assert_eq!(code, ErrorCode::None);
    let (mut wmem, mut pb) = (vec![0u8; m.wmem.len()], vec![0u8; m.pb.len()]);
    for i in 0..4 {
        let (w, p, d) = ((10 + 7 * i) * WORD, (900 + 5 * i) * WORD, 40 * i);
        wmem[w..w + 3 * WORD].copy_from_slice(&data[d..d + 3 * WORD]);
        pb[p..p + 3 * WORD].copy_from_slice(&data[d..d + 3 * WORD]);
    }
    assert_eq!(m.wmem, wmem, "WMEM as LOAD_W leaves it");
    assert_eq!(m.pb, pb, "the same words at the PB's rows, gaps untouched");
    // One DRAM read: weight bytes once, no PB fill bytes.
    assert_eq!(counter(&mut m, regs::DRAM_READ_WEIGHT_BYTES_LO), 4 * 3 * 8);
    assert_eq!(counter(&mut m, regs::PB_FILL_BYTES_LO), 0);
    // And a later COPY_PB of the deposited words gives WMEM what the load gave it.
    m.wmem.iter_mut().for_each(|b| *b = 0);
    assert_eq!(
        run(&mut m, &[copy_pb(900, 10, 3, 4, 5, 7)]),
        ErrorCode::None
    );
    assert_eq!(m.wmem, wmem);
}

#[test]
fn a_deposit_beyond_the_pb_is_a_pb_overflow_before_a_bad_wmem_extent_and_moves_nothing() {
    let mut m = tiny();
    let src = base() + 0x1000;
    fill(&mut m, src, 0x400);
    m.pb.iter_mut()
        .enumerate()
        .for_each(|(i, b)| *b = i as u8 | 1);
    m.wmem.iter_mut().for_each(|b| *b = 0x5a);
    let (pb, wmem) = (m.pb.clone(), m.wmem.clone());
    // PB rows at 1020, 1022, 1024: the last leaves the 1024-word PB.
    let code = run(&mut m, &[deposit(src, 0, 2, 3, 16, 2, 1020, 2)]);
    assert_eq!(code, ErrorCode::PbOverflow);
    assert_eq!((&m.pb, &m.wmem), (&pb, &wmem), "neither memory was written");
    assert_eq!(counter(&mut m, regs::PB_OVERFLOWS_LO), 1);
    assert_eq!(counter(&mut m, regs::DRAM_READ_WEIGHT_BYTES_LO), 0);
    // Beyond both: the PB's overflow is the one reported (the RTL's order, as for COPY_PB).
    let code = run(&mut m, &[deposit(src, 255, 2, 1, 0, 0, 1023, 0)]);
    assert_eq!(code, ErrorCode::PbOverflow);
    // Inside the PB, beyond WMEM: a bad command, no overflow counted.
    let code = run(&mut m, &[deposit(src, 255, 2, 1, 0, 0, 0, 0)]);
    assert_eq!(code, ErrorCode::BadCommand);
    assert_eq!(counter(&mut m, regs::PB_OVERFLOWS_LO), 2);
    // One stride shorter ends exactly at the PB's end.
    let code = run(&mut m, &[deposit(src, 0, 2, 2, 16, 2, 1020, 2)]);
    assert_eq!(code, ErrorCode::None);
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
