//! Command checks before a stream reaches the device (DESIGN.md section 11, the first line of
//! defence; the RTL's dispatch checks are the second).
//!
//! [`check_stream`] refuses any command that would address DRAM outside the DMA window, reach
//! beyond the Persistent Buffer or another on-chip memory, or break a rule the RTL enforces at
//! dispatch (`rtl/README.md`, "Errors"), with the error code the RTL would raise and the reason in
//! words. The golden model runs the DMA and `COPY_PB` checks through the same functions, so host,
//! model and RTL agree on what a legal transfer is (the RTL independently: the differential tests
//! compare them). Window commands are checked for kernel, stride, alignment, weights and EPI
//! extents; their activation extents depend on the tensor walk and are left to the RTL.

use sushi_hw::HwConfig;
use sushi_hw::commands::{
    self, Add, COMMAND_BYTES, Command, CopyPb, Dma, Engine, Fields, Header, LoadWPb, Op,
};
use sushi_hw::regs::ErrorCode;

/// The on-chip capacities and bus width a command is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// AXI data width in bytes: DRAM addresses and strides are multiples of it.
    pub data_bytes: u64,
    /// Array rows `R`.
    pub rows: u64,
    /// Array cols `C` (bytes per activation vector).
    pub cols: u64,
    /// ACT capacity in vectors.
    pub act_vectors: u64,
    /// WMEM capacity in `R * C`-byte words.
    pub wmem_words: u64,
    /// PB capacity in words.
    pub pb_words: u64,
    /// EPI capacity in entries.
    pub epi_entries: u64,
}

impl Limits {
    /// The limits of a hw config.
    pub fn of(config: &HwConfig) -> Self {
        let (b, a) = (&config.spec.buffers, &config.spec.array);
        let (rows, cols) = (u64::from(a.rows), u64::from(a.cols));
        let word = rows * cols;
        Limits {
            data_bytes: u64::from(config.spec.axi.data_bytes),
            rows,
            cols,
            act_vectors: b.activation_bytes / cols,
            wmem_words: b.weight_staging_bytes / word,
            pb_words: b.pb_bytes / word,
            epi_entries: u64::from(b.epilogue_entries),
        }
    }
}

/// The DMA window: bytes `base..=last` (the DMA_BASE and DMA_LAST registers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First byte.
    pub base: u64,
    /// Last byte (inclusive).
    pub last: u64,
}

impl Window {
    /// True when every byte of `[addr, addr + len)` lies in the window; an empty range touches
    /// nothing and always passes.
    pub fn contains(&self, addr: u64, len: u64) -> bool {
        len == 0
            || (addr >= self.base
                && addr
                    .checked_add(len - 1)
                    .is_some_and(|last| last <= self.last))
    }
}

/// Why a command is refused: the error code the RTL raises for it, and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{why}")]
pub struct Rejection {
    /// `ERR_BAD_COMMAND`, `ERR_PB_OVERFLOW`, `ERR_DMA_WINDOW`, `ERR_BAD_OPCODE` or `ERR_NO_END`.
    pub code: ErrorCode,
    /// What is wrong, naming the command and its fields.
    pub why: String,
}

/// A refused command of a stream: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("command {index} ({op}) was refused before reaching the device ({code:?}): {}", .rejection.why, code = .rejection.code)]
pub struct StreamRejection {
    /// Position in the stream.
    pub index: usize,
    /// Opcode name (`?` when the opcode is unknown).
    pub op: &'static str,
    /// Why.
    pub rejection: Rejection,
}

fn reject(code: ErrorCode, why: String) -> Rejection {
    Rejection { code, why }
}

/// Checks every command of `stream` (as the device would fetch it: up to and including the first
/// `END`, which must come).
pub fn check_stream(
    stream: &[Command],
    limits: &Limits,
    window: Window,
) -> Result<(), StreamRejection> {
    for (index, cmd) in stream.iter().enumerate() {
        let op = cmd.op().ok_or_else(|| StreamRejection {
            index,
            op: "?",
            rejection: reject(
                ErrorCode::BadOpcode,
                format!(
                    "opcode {:#04x} is not one of OP_*",
                    Header::decode(cmd).opcode
                ),
            ),
        })?;
        if op.engine() == Engine::Control {
            return Ok(());
        }
        check_command(op, cmd, limits, window).map_err(|rejection| StreamRejection {
            index,
            op: op.name(),
            rejection,
        })?;
    }
    Err(StreamRejection {
        index: stream.len(),
        op: Op::End.name(),
        rejection: reject(
            ErrorCode::NoEnd,
            format!("{} commands without an END", stream.len()),
        ),
    })
}

/// Checks one command `cmd` of opcode `op` (not `END`).
pub fn check_command(
    op: Op,
    cmd: &Command,
    limits: &Limits,
    window: Window,
) -> Result<(), Rejection> {
    match Fields::decode(op.format(), cmd) {
        Fields::Dma(dma) => check_dma(op, &dma, limits, window),
        Fields::Copy(copy) => check_copy_pb(&copy, limits),
        Fields::Deposit(deposit) => check_load_w_pb(&deposit, limits, window),
        Fields::Window(win) => check_window_op(op, &win, limits),
        Fields::Add(add) => check_add(&add, limits),
        Fields::Control(_) => Ok(()),
    }
}

/// `LOAD_ACT`, `STORE_ACT`, `LOAD_W`, `LOAD_PB`, `LOAD_EPI`, in the RTL's order: `ROWS` (at least
/// 1, exactly 1 for `LOAD_ACT`, `STORE_ACT`, `LOAD_EPI`), alignment of `DRAM_ADDR` (and of
/// `DRAM_STRIDE` when `ROWS > 1`), the on-chip extent (`ERR_PB_OVERFLOW` for `LOAD_PB`), then every
/// row's whole AXI beats inside the DMA window.
pub fn check_dma(op: Op, dma: &Dma, limits: &Limits, window: Window) -> Result<(), Rejection> {
    check_rows_and_alignment(op, dma, limits)?;
    check_extent_and_window(op, dma, limits, window)
}

/// `LOAD_W_PB`, in the RTL's order: `ROWS` and DRAM alignment as [`check_dma`], then the PB
/// extent `PB_ADDR + (ROWS - 1) * PB_STRIDE + COUNT` (`ERR_PB_OVERFLOW`, reported ahead of a bad
/// WMEM extent as for `COPY_PB`), then the WMEM extent and the DMA window as `LOAD_W`'s. A deposit
/// that fails any check moves nothing: neither WMEM nor the PB is written.
pub fn check_load_w_pb(
    deposit: &LoadWPb,
    limits: &Limits,
    window: Window,
) -> Result<(), Rejection> {
    let load = deposit.load();
    check_rows_and_alignment(Op::LoadWPb, &load, limits)?;
    let (pb_addr, pb_stride) = (u64::from(deposit.pb_addr), u64::from(deposit.pb_stride));
    let (rows, count) = (u64::from(deposit.rows), u64::from(deposit.count));
    // Fields of at most 24 bits and ROWS of 16: every sum stays far below u64::MAX.
    let pb_end = pb_addr + (rows - 1) * pb_stride + count;
    if pb_end > limits.pb_words {
        return Err(reject(
            ErrorCode::PbOverflow,
            format!(
                "LOAD_W_PB: rows end at PB word {pb_end}, beyond its {} (PB_ADDR {pb_addr}, ROWS {rows}, PB_STRIDE {pb_stride}, COUNT {count})",
                limits.pb_words
            ),
        ));
    }
    check_extent_and_window(Op::LoadWPb, &load, limits, window)
}

/// The checks every DRAM transfer starts with: `ROWS` at least 1 (exactly 1 for `LOAD_ACT`,
/// `STORE_ACT`, `LOAD_EPI`), `DRAM_ADDR` (and `DRAM_STRIDE` when `ROWS > 1`) a multiple of the
/// AXI data width.
fn check_rows_and_alignment(op: Op, dma: &Dma, limits: &Limits) -> Result<(), Rejection> {
    let (dram_addr, rows, dram_stride) = (
        u64::from(dma.dram_addr),
        u64::from(dma.rows),
        u64::from(dma.dram_stride),
    );
    let name = op.name();
    let bad = |why: String| reject(ErrorCode::BadCommand, format!("{name}: {why}"));
    let d = limits.data_bytes;
    if rows == 0 {
        return Err(bad("ROWS is 0; a command moves at least one row".into()));
    }
    if rows != 1 && matches!(op, Op::LoadAct | Op::StoreAct | Op::LoadEpi) {
        return Err(bad(format!("ROWS is {rows}; this command takes exactly 1")));
    }
    if dram_addr % d != 0 {
        return Err(bad(format!(
            "DRAM_ADDR {dram_addr:#x} is not a multiple of the AXI data width ({d} bytes)"
        )));
    }
    if rows > 1 && dram_stride % d != 0 {
        return Err(bad(format!(
            "DRAM_STRIDE {dram_stride} is not a multiple of the AXI data width ({d} bytes)"
        )));
    }
    Ok(())
}

/// The on-chip extent of a transfer that passed [`check_rows_and_alignment`] (`ERR_PB_OVERFLOW`
/// for `LOAD_PB`, `ERR_BAD_COMMAND` otherwise), then every row's whole AXI beats inside the DMA
/// window.
fn check_extent_and_window(
    op: Op,
    dma: &Dma,
    limits: &Limits,
    window: Window,
) -> Result<(), Rejection> {
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
    let name = op.name();
    let d = limits.data_bytes;
    let (memory, unit, capacity) = match op {
        Op::LoadAct | Op::StoreAct => ("ACT", limits.cols, limits.act_vectors),
        Op::LoadW | Op::LoadWPb => ("WMEM", limits.rows * limits.cols, limits.wmem_words),
        Op::LoadPb => ("PB", limits.rows * limits.cols, limits.pb_words),
        _ => ("EPI", commands::EPI_ENTRY_BYTES as u64, limits.epi_entries),
    };
    let end = sram + (rows - 1) * sram_stride + count;
    if end > capacity {
        let why = format!(
            "{name}: rows end at {memory} unit {end}, beyond its {capacity} (SRAM_ADDR {sram}, ROWS {rows}, SRAM_STRIDE {sram_stride}, COUNT {count})"
        );
        let code = if memory == "PB" {
            ErrorCode::PbOverflow
        } else {
            ErrorCode::BadCommand
        };
        return Err(reject(code, why));
    }
    // Each row is its own transfer of whole beats from an aligned address.
    let row_beat_bytes = (count * unit).div_ceil(d) * d;
    for i in 0..rows {
        let addr = dram_addr + i * dram_stride;
        if !window.contains(addr, row_beat_bytes) {
            return Err(reject(
                ErrorCode::DmaWindow,
                format!(
                    "{name} row {i} [{addr:#x}, +{row_beat_bytes}) leaves the DMA window [{:#x}, {:#x}]",
                    window.base, window.last
                ),
            ));
        }
    }
    Ok(())
}

/// `COPY_PB`: `ROWS` at least 1, the PB extent (`ERR_PB_OVERFLOW`), then the WMEM extent
/// (`ERR_BAD_COMMAND`).
pub fn check_copy_pb(copy: &CopyPb, limits: &Limits) -> Result<(), Rejection> {
    let (pb_addr, wmem_addr, count) = (
        u64::from(copy.pb_addr),
        u64::from(copy.wmem_addr),
        u64::from(copy.count),
    );
    let (rows, pb_stride, wmem_stride) = (
        u64::from(copy.rows),
        u64::from(copy.pb_stride),
        u64::from(copy.wmem_stride),
    );
    let bad = |why: String| reject(ErrorCode::BadCommand, format!("COPY_PB: {why}"));
    if rows == 0 {
        return Err(bad("ROWS is 0; a command copies at least one row".into()));
    }
    // The PB first: the RTL reports an overflow of the PB ahead of a bad WMEM extent.
    let pb_end = pb_addr + (rows - 1) * pb_stride + count;
    if pb_end > limits.pb_words {
        return Err(reject(
            ErrorCode::PbOverflow,
            format!(
                "COPY_PB: rows end at PB word {pb_end}, beyond its {}",
                limits.pb_words
            ),
        ));
    }
    let wmem_end = wmem_addr + (rows - 1) * wmem_stride + count;
    if wmem_end > limits.wmem_words {
        return Err(bad(format!(
            "rows end at WMEM word {wmem_end}, beyond its {}",
            limits.wmem_words
        )));
    }
    Ok(())
}

/// `CONV`, `DWCONV`, `GAP`: kernel 1/3/5/7, stride 1/2, `IN_ADDR` and `OUT_ADDR` multiples of `R`,
/// weights inside WMEM, epilogue entries inside EPI.
pub fn check_window_op(op: Op, win: &commands::Window, limits: &Limits) -> Result<(), Rejection> {
    let bad = |why: String| reject(ErrorCode::BadCommand, format!("{op}: {why}"));
    let (k, stride) = (u64::from(win.kernel), u64::from(win.stride));
    if ![1, 3, 5, 7].contains(&k) {
        return Err(bad(format!("KERNEL {k}; the array takes 1, 3, 5 or 7")));
    }
    if ![1, 2].contains(&stride) {
        return Err(bad(format!("STRIDE {stride}; the array takes 1 or 2")));
    }
    for (field, addr) in [("IN_ADDR", win.in_addr), ("OUT_ADDR", win.out_addr)] {
        if !u64::from(addr).is_multiple_of(limits.rows) {
            return Err(bad(format!(
                "{field} {addr} is not a multiple of R = {}",
                limits.rows
            )));
        }
    }
    if op == Op::Conv && win.in_vectors > win.in_cv {
        return Err(bad(format!(
            "IN_VECTORS {} exceeds IN_CV {}; a tap reduces at most its IN_CV vectors",
            win.in_vectors, win.in_cv
        )));
    }
    let groups = u64::from(win.groups);
    let taps = k * k;
    let w_addr = u64::from(win.w_addr);
    let weights_end = match op {
        Op::Conv => Some(w_addr + groups * taps * u64::from(win.in_cv)),
        Op::Dwconv => Some(w_addr + groups * taps.div_ceil(limits.rows)),
        _ => None,
    };
    if let Some(end) = weights_end
        && end > limits.wmem_words
    {
        return Err(bad(format!(
            "weights end at WMEM word {end}, beyond its {}",
            limits.wmem_words
        )));
    }
    let per_group = if op == Op::Conv {
        limits.rows
    } else {
        limits.cols
    };
    let epi_end = u64::from(win.epi_addr) + groups * per_group;
    if epi_end > limits.epi_entries {
        return Err(bad(format!(
            "epilogue entries end at {epi_end}, beyond EPI's {}",
            limits.epi_entries
        )));
    }
    Ok(())
}

/// `ADD`: both inputs and the output multiples of `R` and inside ACT, `SHIFT` in 1..=62.
pub fn check_add(add: &Add, limits: &Limits) -> Result<(), Rejection> {
    let n = u64::from(add.vectors);
    for (field, addr) in [
        ("A_ADDR", add.a_addr),
        ("B_ADDR", add.b_addr),
        ("OUT_ADDR", add.out_addr),
    ] {
        let addr = u64::from(addr);
        // The array adds blocks of R vectors, one word of every bank.
        if !addr.is_multiple_of(limits.rows) {
            return Err(reject(
                ErrorCode::BadCommand,
                format!(
                    "ADD: {field} {addr} is not a multiple of R = {}",
                    limits.rows
                ),
            ));
        }
        if addr + n > limits.act_vectors {
            return Err(reject(
                ErrorCode::BadCommand,
                format!(
                    "ADD: {field} {addr} + VECTORS {n} reaches beyond ACT's {} vectors",
                    limits.act_vectors
                ),
            ));
        }
    }
    let shift = add.shift;
    if !(1..=62).contains(&shift) {
        return Err(reject(
            ErrorCode::BadCommand,
            format!("ADD: SHIFT {shift}; the adder takes 1..=62"),
        ));
    }
    Ok(())
}

/// The commands at the start of an image: `count` commands of [`COMMAND_BYTES`] each.
pub fn decode_stream(image: &[u8], count: usize) -> Vec<Command> {
    image
        .chunks_exact(COMMAND_BYTES)
        .take(count)
        .map(|c| Command::from_bytes(c.try_into().expect("COMMAND_BYTES")))
        .collect()
}
