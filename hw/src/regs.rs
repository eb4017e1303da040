//! The register map of `sushi_top`'s AXI4-Lite slave: written once here, generated into
//! `hw/gen/sushi_regs.vh` for the RTL and `hw/gen/registers.md` for people.
//!
//! Every register is 32 bits at a byte offset in a 4 KiB window. 64-bit counters are LO/HI pairs:
//! reading LO latches HI, so a host reads LO first (see [`read_counter`](crate::bus::read_counter)).

/// Who may do what to a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read-only; a write gets SLVERR.
    Ro,
    /// Read-write.
    Rw,
    /// Read-only bits and write-1-to-clear bits.
    RoW1c,
}

impl Access {
    /// Short form used in generated files.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Ro => "RO",
            Access::Rw => "RW",
            Access::RoW1c => "RO/W1C",
        }
    }
}

/// One register of the map.
#[derive(Debug, Clone, Copy)]
pub struct Register {
    /// Name without prefix; `REG_<name>` in Verilog.
    pub name: &'static str,
    /// Byte offset.
    pub offset: u32,
    /// Access rule.
    pub access: Access,
    /// What it holds.
    pub doc: &'static str,
}

macro_rules! register_map {
    ($($name:ident = $offset:literal, $access:ident, $doc:literal;)*) => {
        $(#[doc = $doc] pub const $name: u32 = $offset;)*
        /// Every register, in offset order.
        pub const REGISTERS: &[Register] = &[
            $(Register { name: stringify!($name), offset: $offset, access: Access::$access, doc: $doc },)*
        ];
    };
}

register_map! {
    ID = 0x000, Ro, "magic 0x53555348 (\"SUSH\")";
    VERSION = 0x004, Ro, "register map version";
    CONFIG_HASH = 0x008, Ro, "FNV-1a 32 of the RTL parameters of the hw config";
    CTRL = 0x010, Rw, "control bits (CTRL_*)";
    STATUS = 0x014, RoW1c, "status bits (STATUS_*)";
    SCRATCH = 0x018, Rw, "free for bus tests";
    COPY_SRC = 0x020, Rw, "memcpy source byte address";
    COPY_DST = 0x024, Rw, "memcpy destination byte address";
    COPY_LEN = 0x028, Rw, "memcpy length in bytes";
    CMD_BASE = 0x030, Rw, "DRAM byte address of the first command (a multiple of 32)";
    CMD_LIMIT = 0x034, Rw, "commands the fetcher may read before it must have met END";
    DMA_BASE = 0x038, Rw, "first byte address of the DMA window (reset 0): no AXI access below it";
    DMA_LAST = 0x03c, Rw, "last byte address of the DMA window (reset 0xffffffff): no AXI access above it";
    CYCLES_LO = 0x040, Ro, "cycles since reset";
    CYCLES_HI = 0x044, Ro, "high word of CYCLES_LO, latched when LO is read";
    BUSY_CYCLES_LO = 0x048, Ro, "cycles with STATUS.BUSY set";
    BUSY_CYCLES_HI = 0x04c, Ro, "high word of BUSY_CYCLES_LO, latched when LO is read";
    DRAM_READ_BYTES_LO = 0x050, Ro, "bytes moved on the AXI R channel (beats x bus bytes)";
    DRAM_READ_BYTES_HI = 0x054, Ro, "high word of DRAM_READ_BYTES_LO, latched when LO is read";
    DRAM_WRITE_BYTES_LO = 0x058, Ro, "bytes moved on the AXI W channel (beats x bus bytes)";
    DRAM_WRITE_BYTES_HI = 0x05c, Ro, "high word of DRAM_WRITE_BYTES_LO, latched when LO is read";
    READ_WAIT_CYCLES_LO = 0x060, Ro, "busy cycles with reads outstanding and no R beat accepted";
    READ_WAIT_CYCLES_HI = 0x064, Ro, "high word of READ_WAIT_CYCLES_LO, latched when LO is read";
    WRITE_WAIT_CYCLES_LO = 0x068, Ro, "busy cycles with AW or W valid and not ready";
    WRITE_WAIT_CYCLES_HI = 0x06c, Ro, "high word of WRITE_WAIT_CYCLES_LO, latched when LO is read";
    MACS_LO = 0x070, Ro, "multiply-accumulates on real (not padding) operands";
    MACS_HI = 0x074, Ro, "high word of MACS_LO, latched when LO is read";
    COMPUTE_BUSY_CYCLES_LO = 0x078, Ro, "cycles the compute engine executed a command";
    COMPUTE_BUSY_CYCLES_HI = 0x07c, Ro, "high word of COMPUTE_BUSY_CYCLES_LO, latched when LO is read";
    DMA_BUSY_CYCLES_LO = 0x080, Ro, "cycles the DMA engine executed a command";
    DMA_BUSY_CYCLES_HI = 0x084, Ro, "high word of DMA_BUSY_CYCLES_LO, latched when LO is read";
    COMPUTE_WAIT_DMA_CYCLES_LO = 0x088, Ro, "cycles a compute command waited for the DMA engine's count";
    COMPUTE_WAIT_DMA_CYCLES_HI = 0x08c, Ro, "high word of COMPUTE_WAIT_DMA_CYCLES_LO, latched when LO is read";
    DMA_WAIT_COMPUTE_CYCLES_LO = 0x090, Ro, "cycles a DMA command waited for the compute engine's count";
    DMA_WAIT_COMPUTE_CYCLES_HI = 0x094, Ro, "high word of DMA_WAIT_COMPUTE_CYCLES_LO, latched when LO is read";
    DRAM_READ_WEIGHT_BYTES_LO = 0x098, Ro, "DRAM bytes read by LOAD_W and LOAD_W_PB (weights a query streams)";
    DRAM_READ_WEIGHT_BYTES_HI = 0x09c, Ro, "high word of DRAM_READ_WEIGHT_BYTES_LO, latched when LO is read";
    DRAM_READ_ACT_BYTES_LO = 0x0a0, Ro, "DRAM bytes read by LOAD_ACT";
    DRAM_READ_ACT_BYTES_HI = 0x0a4, Ro, "high word of DRAM_READ_ACT_BYTES_LO, latched when LO is read";
    DRAM_WRITE_ACT_BYTES_LO = 0x0a8, Ro, "DRAM bytes written by STORE_ACT";
    DRAM_WRITE_ACT_BYTES_HI = 0x0ac, Ro, "high word of DRAM_WRITE_ACT_BYTES_LO, latched when LO is read";
    DRAM_READ_CMD_BYTES_LO = 0x0b0, Ro, "DRAM bytes read by the command fetcher";
    DRAM_READ_CMD_BYTES_HI = 0x0b4, Ro, "high word of DRAM_READ_CMD_BYTES_LO, latched when LO is read";
    DRAM_READ_EPI_BYTES_LO = 0x0b8, Ro, "DRAM bytes read by LOAD_EPI";
    DRAM_READ_EPI_BYTES_HI = 0x0bc, Ro, "high word of DRAM_READ_EPI_BYTES_LO, latched when LO is read";
    PB_FILL_BYTES_LO = 0x0c0, Ro, "DRAM bytes read by LOAD_PB (Persistent Buffer fills)";
    PB_FILL_BYTES_HI = 0x0c4, Ro, "high word of PB_FILL_BYTES_LO, latched when LO is read";
    PB_READ_BYTES_LO = 0x0c8, Ro, "Persistent Buffer bytes read by COPY_PB";
    PB_READ_BYTES_HI = 0x0cc, Ro, "high word of PB_READ_BYTES_LO, latched when LO is read";
    DMA_WINDOW_VIOLATIONS_LO = 0x0d0, Ro, "bursts refused because they would leave the DMA window";
    DMA_WINDOW_VIOLATIONS_HI = 0x0d4, Ro, "high word of DMA_WINDOW_VIOLATIONS_LO, latched when LO is read";
    PB_OVERFLOWS_LO = 0x0d8, Ro, "LOAD_PB or COPY_PB commands refused because they reach beyond the Persistent Buffer";
    PB_OVERFLOWS_HI = 0x0dc, Ro, "high word of PB_OVERFLOWS_LO, latched when LO is read";
}

/// Value of the `ID` register.
pub const ID_MAGIC: u32 = 0x5355_5348;
/// Value of the `VERSION` register; bumped whenever the map changes incompatibly.
pub const REGMAP_VERSION: u32 = 2;

/// A named bit or bit field of a register.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Verilog constant name (`<REGISTER>_<FIELD>`), which holds the field's lowest bit index.
    pub name: &'static str,
    /// Lowest bit.
    pub lsb: u32,
    /// Width in bits.
    pub bits: u32,
    /// What it does.
    pub doc: &'static str,
}

impl Field {
    /// The field's bits in place.
    pub const fn mask(self) -> u32 {
        (((1u64 << self.bits) - 1) as u32) << self.lsb
    }
    /// Extracts the field from a register value.
    pub const fn get(self, value: u32) -> u32 {
        (value & self.mask()) >> self.lsb
    }
}

/// CTRL: start a memcpy of COPY_LEN bytes; reads 0; ignored while busy.
pub const CTRL_COPY_START: Field = Field {
    name: "CTRL_COPY_START",
    lsb: 0,
    bits: 1,
    doc: "W: start a memcpy of COPY_LEN bytes; reads 0; ignored while busy",
};
/// CTRL: drive `irq` while STATUS.DONE is set.
pub const CTRL_IRQ_ENABLE: Field = Field {
    name: "CTRL_IRQ_ENABLE",
    lsb: 1,
    bits: 1,
    doc: "RW: drive irq while STATUS.DONE is set",
};
/// CTRL: zero every counter but CYCLES.
pub const CTRL_COUNTERS_CLEAR: Field = Field {
    name: "CTRL_COUNTERS_CLEAR",
    lsb: 2,
    bits: 1,
    doc: "W: zero every counter but CYCLES; reads 0",
};
/// CTRL: start the command stream at CMD_BASE.
pub const CTRL_RUN: Field = Field {
    name: "CTRL_RUN",
    lsb: 3,
    bits: 1,
    doc: "W: start the command stream at CMD_BASE; reads 0; ignored while busy",
};
/// CTRL: abort a running job, or clear STATUS when idle.
pub const CTRL_SOFT_RESET: Field = Field {
    name: "CTRL_SOFT_RESET",
    lsb: 4,
    bits: 1,
    doc: "W: abort a running job (it ends, once its AXI transfers in flight complete, with ERR_ABORTED); when idle, clear STATUS.DONE, STATUS.ERROR and ERROR_CODE; reads 0",
};
/// STATUS: a job is running.
pub const STATUS_BUSY: Field = Field {
    name: "STATUS_BUSY",
    lsb: 0,
    bits: 1,
    doc: "RO: a job is running",
};
/// STATUS: the last job finished.
pub const STATUS_DONE: Field = Field {
    name: "STATUS_DONE",
    lsb: 1,
    bits: 1,
    doc: "W1C: the last job finished (with or without error)",
};
/// STATUS: the last job failed.
pub const STATUS_ERROR: Field = Field {
    name: "STATUS_ERROR",
    lsb: 2,
    bits: 1,
    doc: "W1C: the last job failed; clearing it also clears ERROR_CODE",
};
/// STATUS: the [`ErrorCode`] of the first failure.
pub const STATUS_ERROR_CODE: Field = Field {
    name: "STATUS_ERROR_CODE",
    lsb: 8,
    bits: 4,
    doc: "RO: ERR_* code of the first failure",
};

/// Every field, grouped by register.
pub const FIELDS: &[(&str, &[Field])] = &[
    (
        "CTRL",
        &[
            CTRL_COPY_START,
            CTRL_IRQ_ENABLE,
            CTRL_COUNTERS_CLEAR,
            CTRL_RUN,
            CTRL_SOFT_RESET,
        ],
    ),
    (
        "STATUS",
        &[STATUS_BUSY, STATUS_DONE, STATUS_ERROR, STATUS_ERROR_CODE],
    ),
];

/// Why a job failed, as reported in STATUS.ERROR_CODE. Faults of the modelled hardware are
/// values, not host errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ErrorCode {
    /// No error.
    None,
    /// An R beat carried SLVERR or DECERR.
    AxiRead,
    /// A B response carried SLVERR or DECERR.
    AxiWrite,
    /// A command's opcode is not one of `OP_*`.
    BadOpcode,
    /// A command's fields are out of range (an on-chip address beyond its memory, kernel 2, ...).
    BadCommand,
    /// CMD_LIMIT commands were fetched without an END.
    NoEnd,
    /// A burst would have left the DMA window (DMA_BASE..=DMA_LAST); it was not issued.
    DmaWindow,
    /// LOAD_PB or COPY_PB reached beyond the Persistent Buffer; nothing was moved.
    PbOverflow,
    /// CTRL.SOFT_RESET aborted the job.
    Aborted,
    /// A code this host does not know (a newer design?).
    Unknown(u32),
}

/// Every error code: (Verilog name, value, meaning).
pub const ERROR_CODES: &[(&str, u32, &str)] = &[
    ("ERR_NONE", 0, "no error"),
    ("ERR_AXI_READ", 1, "an R beat carried SLVERR or DECERR"),
    ("ERR_AXI_WRITE", 2, "a B response carried SLVERR or DECERR"),
    ("ERR_BAD_OPCODE", 3, "a command's opcode is not one of OP_*"),
    (
        "ERR_BAD_COMMAND",
        4,
        "a command's fields are out of range (on-chip address beyond its memory, bad kernel or stride)",
    ),
    (
        "ERR_NO_END",
        5,
        "CMD_LIMIT commands were fetched without an END",
    ),
    (
        "ERR_DMA_WINDOW",
        6,
        "a burst would have left the DMA window (DMA_BASE..=DMA_LAST); it was not issued",
    ),
    (
        "ERR_PB_OVERFLOW",
        7,
        "LOAD_PB or COPY_PB reached beyond the Persistent Buffer; nothing was moved",
    ),
    ("ERR_ABORTED", 8, "CTRL.SOFT_RESET aborted the job"),
];

impl ErrorCode {
    /// Decodes STATUS.ERROR_CODE.
    pub fn from_bits(code: u32) -> Self {
        match code {
            0 => ErrorCode::None,
            1 => ErrorCode::AxiRead,
            2 => ErrorCode::AxiWrite,
            3 => ErrorCode::BadOpcode,
            4 => ErrorCode::BadCommand,
            5 => ErrorCode::NoEnd,
            6 => ErrorCode::DmaWindow,
            7 => ErrorCode::PbOverflow,
            8 => ErrorCode::Aborted,
            other => ErrorCode::Unknown(other),
        }
    }
}

/// AXI response codes (RRESP/BRESP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum AxiResp {
    /// Normal access success.
    Okay,
    /// Exclusive access success (never used by SUSHI).
    ExOkay,
    /// Slave error: the slave was reached but refused the access.
    SlvErr,
    /// Decode error: no slave at that address.
    DecErr,
}

impl AxiResp {
    /// Decodes the 2-bit response.
    pub fn from_bits(bits: u8) -> Self {
        match bits & 3 {
            0 => AxiResp::Okay,
            1 => AxiResp::ExOkay,
            2 => AxiResp::SlvErr,
            _ => AxiResp::DecErr,
        }
    }
}

/// Looks a register up by offset.
pub fn by_offset(offset: u32) -> Option<&'static Register> {
    REGISTERS.iter().find(|r| r.offset == offset)
}
