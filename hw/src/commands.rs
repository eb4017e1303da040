//! The command stream the accelerator reads from DRAM: written once here, generated into
//! `hw/gen/sushi_cmds.vh` for the RTL and `hw/gen/commands.md` for people.
//!
//! A command is [`COMMAND_BYTES`] bytes: eight little-endian 32-bit words. Word 0 holds the opcode
//! and the wait count; the other words are laid out per format. A field never straddles two words,
//! so the RTL decodes a command word by word. Design and semantics: `hw/docs/datapath-design.md`.
//!
//! Rust code reads and writes commands through typed formats generated from the same tables
//! (`formats.rs`, by [`crate::generate`]): one struct per [`Format`] with a named field per
//! table row ([`Dma`], [`CopyPb`], [`Window`], [`Add`], [`Control`], and [`Header`] for word 0),
//! and [`Op`] for the opcodes. So a misspelt field is a compile error, and a value too wide for
//! its field is an [`EncodeError`] (or a panic from `encode`), never silently truncated.
//! Generated code rather than a macro: it reads as plain Rust, with every bit position written
//! out, and it is checked for staleness like the Verilog header.

use std::fmt;

mod formats;

pub use formats::{Add, Control, CopyPb, Dma, Fields, Header, LoadWPb, Op, Window};

/// Bytes per command.
pub const COMMAND_BYTES: usize = 32;

/// Which engine executes an opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Engine {
    /// Loads and stores between DRAM and on-chip memories.
    Dma,
    /// Arithmetic on on-chip memories.
    Compute,
    /// Fetcher-level control.
    Control,
}

/// Field layout shared by a group of opcodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Word 0 only.
    Control,
    /// DRAM <-> on-chip copies, in rows (2-D).
    Dma,
    /// On-chip copy from the Persistent Buffer to WMEM, in rows (2-D).
    Copy,
    /// DRAM -> WMEM and the Persistent Buffer from one read, in rows (2-D): the DMA format's
    /// words 1-6 plus the PB destination.
    Deposit,
    /// Windowed operators over an activation tensor (conv, depthwise, gap).
    Window,
    /// Element-wise residual add.
    Add,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 6] = [
        Format::Control,
        Format::Dma,
        Format::Copy,
        Format::Deposit,
        Format::Window,
        Format::Add,
    ];

    /// The fields after word 0 ([`HEADER_FIELDS`]).
    pub const fn fields(self) -> &'static [CmdField] {
        match self {
            Format::Control => &[],
            Format::Dma => DMA_FIELDS,
            Format::Copy => COPY_FIELDS,
            Format::Deposit => DEPOSIT_FIELDS,
            Format::Window => WINDOW_FIELDS,
            Format::Add => ADD_FIELDS,
        }
    }

    /// The name of the generated struct holding its fields. `Copy` would shadow the prelude's
    /// `Copy` trait wherever it is imported, so the copy format's struct is named after its only
    /// opcode, and so is the deposit format's.
    pub const fn rust_name(self) -> &'static str {
        match self {
            Format::Control => "Control",
            Format::Dma => "Dma",
            Format::Copy => "CopyPb",
            Format::Deposit => "LoadWPb",
            Format::Window => "Window",
            Format::Add => "Add",
        }
    }
}

/// One opcode.
#[derive(Debug, Clone, Copy)]
pub struct Opcode {
    /// Name; `OP_<name>` in Verilog.
    pub name: &'static str,
    /// Encoding in word 0 bits [7:0].
    pub code: u8,
    /// Executing engine.
    pub engine: Engine,
    /// Field layout.
    pub format: Format,
    /// What it does.
    pub doc: &'static str,
}

/// Every opcode.
pub const OPCODES: &[Opcode] = &[
    Opcode {
        name: "END",
        code: 0x00,
        engine: Engine::Control,
        format: Format::Control,
        doc: "finish when both engines are idle; raises STATUS.DONE",
    },
    Opcode {
        name: "LOAD_ACT",
        code: 0x01,
        engine: Engine::Dma,
        format: Format::Dma,
        doc: "DRAM -> ACT, `COUNT` vectors from vector address `SRAM_ADDR` (one row)",
    },
    Opcode {
        name: "STORE_ACT",
        code: 0x02,
        engine: Engine::Dma,
        format: Format::Dma,
        doc: "ACT -> DRAM, `COUNT` vectors from vector address `SRAM_ADDR` (one row)",
    },
    Opcode {
        name: "LOAD_W",
        code: 0x03,
        engine: Engine::Dma,
        format: Format::Dma,
        doc: "DRAM -> WMEM: `ROWS` rows of `COUNT` weight words",
    },
    Opcode {
        name: "LOAD_PB",
        code: 0x04,
        engine: Engine::Dma,
        format: Format::Dma,
        doc: "DRAM -> Persistent Buffer (a fill): `ROWS` rows of `COUNT` weight words; beyond the PB: ERR_PB_OVERFLOW",
    },
    Opcode {
        name: "LOAD_EPI",
        code: 0x05,
        engine: Engine::Dma,
        format: Format::Dma,
        doc: "DRAM -> EPI, `COUNT` 16-byte channel entries from entry `SRAM_ADDR` (one row)",
    },
    Opcode {
        name: "COPY_PB",
        code: 0x06,
        engine: Engine::Dma,
        format: Format::Copy,
        doc: "Persistent Buffer -> WMEM, one word per cycle: `ROWS` rows of `COUNT` weight words; beyond the PB: ERR_PB_OVERFLOW",
    },
    Opcode {
        name: "LOAD_W_PB",
        code: 0x07,
        engine: Engine::Dma,
        format: Format::Deposit,
        doc: "DRAM -> WMEM as LOAD_W, each word also written to the Persistent Buffer (a deposit: one DRAM read, two on-chip writes): row i to PB word `PB_ADDR + i*PB_STRIDE` on; beyond the PB: ERR_PB_OVERFLOW",
    },
    Opcode {
        name: "CONV",
        code: 0x10,
        engine: Engine::Compute,
        format: Format::Window,
        doc: "standard, pointwise (kernel 1) or fully connected (1 x 1 input) convolution",
    },
    Opcode {
        name: "DWCONV",
        code: 0x11,
        engine: Engine::Compute,
        format: Format::Window,
        doc: "depthwise convolution",
    },
    Opcode {
        name: "GAP",
        code: 0x12,
        engine: Engine::Compute,
        format: Format::Window,
        doc: "global average pool (sum, then the EPI entry's requantisation)",
    },
    Opcode {
        name: "ADD",
        code: 0x13,
        engine: Engine::Compute,
        format: Format::Add,
        doc: "residual add of two tensors of the same layout",
    },
];

/// A field of a command: `bits` bits at `lsb` of word `word`.
#[derive(Debug, Clone, Copy)]
pub struct CmdField {
    /// Name; `CMD_<FORMAT>_<NAME>_{WORD,LSB,BITS}` in Verilog.
    pub name: &'static str,
    /// Word index 0..8.
    pub word: u32,
    /// Lowest bit within the word.
    pub lsb: u32,
    /// Width.
    pub bits: u32,
    /// Two's complement: a signed Rust type (8, 16 or 32 bits wide) in the typed formats.
    pub signed: bool,
    /// Meaning.
    pub doc: &'static str,
}

impl CmdField {
    /// The same field, read as two's complement.
    const fn signed(self) -> Self {
        CmdField {
            signed: true,
            ..self
        }
    }
}

const fn f(name: &'static str, word: u32, lsb: u32, bits: u32, doc: &'static str) -> CmdField {
    CmdField {
        name,
        word,
        lsb,
        bits,
        signed: false,
        doc,
    }
}

/// Word 0, common to every command.
pub const HEADER_FIELDS: &[CmdField] = &[
    f("OPCODE", 0, 0, 8, "opcode (OP_*)"),
    f(
        "WAIT_COUNT",
        0,
        8,
        24,
        "start only when the other engine has completed this many commands (0: no wait)",
    ),
];

/// Fields of the DMA format.
pub const DMA_FIELDS: &[CmdField] = &[
    f(
        "DRAM_ADDR",
        1,
        0,
        32,
        "DRAM byte address of row 0, a multiple of the AXI data width",
    ),
    f(
        "SRAM_ADDR",
        2,
        0,
        24,
        "first vector (ACT), word (WMEM, PB) or entry (EPI) of row 0 on chip",
    ),
    f("COUNT", 3, 0, 24, "vectors, words or entries per row"),
    f(
        "ROWS",
        4,
        0,
        16,
        "rows to move, at least 1; LOAD_ACT, STORE_ACT and LOAD_EPI take exactly 1",
    ),
    f(
        "DRAM_STRIDE",
        5,
        0,
        32,
        "bytes from one row's DRAM_ADDR to the next, a multiple of the AXI data width",
    ),
    f(
        "SRAM_STRIDE",
        6,
        0,
        24,
        "words from one row's SRAM_ADDR to the next",
    ),
];

/// Fields of the copy format (COPY_PB): the same words as the DMA format, the PB in place of DRAM.
pub const COPY_FIELDS: &[CmdField] = &[
    f("PB_ADDR", 1, 0, 24, "first PB word of row 0"),
    f("WMEM_ADDR", 2, 0, 24, "first WMEM word of row 0"),
    f("COUNT", 3, 0, 24, "words per row"),
    f("ROWS", 4, 0, 16, "rows to copy, at least 1"),
    f(
        "PB_STRIDE",
        5,
        0,
        24,
        "PB words from one row's start to the next",
    ),
    f(
        "WMEM_STRIDE",
        6,
        0,
        24,
        "WMEM words from one row's start to the next",
    ),
];

/// Fields of the deposit format (LOAD_W_PB): the DMA format's fields at the same positions (so the
/// DMA engine decodes words 1-6 alike for both), and the PB destination in bits the DMA format
/// leaves free. `PB_STRIDE` has the 16 bits beside `ROWS`: it matters only when `ROWS > 1`, and
/// then `(ROWS - 1) * PB_STRIDE` stays inside the PB, which holds fewer than 2^16 words in every
/// built-in config; a longer stride is one command per row.
pub const DEPOSIT_FIELDS: &[CmdField] = &[
    f(
        "DRAM_ADDR",
        1,
        0,
        32,
        "DRAM byte address of row 0, a multiple of the AXI data width",
    ),
    f("SRAM_ADDR", 2, 0, 24, "first WMEM word of row 0"),
    f("COUNT", 3, 0, 24, "words per row"),
    f("ROWS", 4, 0, 16, "rows to move, at least 1"),
    f(
        "PB_STRIDE",
        4,
        16,
        16,
        "PB words from one row's PB_ADDR to the next",
    ),
    f(
        "DRAM_STRIDE",
        5,
        0,
        32,
        "bytes from one row's DRAM_ADDR to the next, a multiple of the AXI data width",
    ),
    f(
        "SRAM_STRIDE",
        6,
        0,
        24,
        "WMEM words from one row's SRAM_ADDR to the next",
    ),
    f(
        "PB_ADDR",
        7,
        0,
        24,
        "first PB word of row 0 (the word SRAM_ADDR's copy goes to)",
    ),
];

/// Fields of the window format (CONV, DWCONV, GAP).
pub const WINDOW_FIELDS: &[CmdField] = &[
    f(
        "IN_ADDR",
        1,
        0,
        24,
        "ACT vector address of (IN_ROW0, x 0, first vector read): DWCONV and GAP chunks start at vector v0",
    ),
    f("KERNEL", 1, 24, 4, "kernel size k: 1, 3, 5 or 7 (GAP: 1)"),
    f("STRIDE", 1, 28, 2, "stride: 1 or 2"),
    f(
        "IN_H",
        2,
        0,
        8,
        "input height of the whole tensor (padding is decided against it)",
    ),
    f("IN_W", 2, 8, 8, "input width"),
    f(
        "IN_CV",
        2,
        16,
        8,
        "input channel vectors (channels / array cols, rounded up)",
    ),
    f(
        "IN_ROW0",
        2,
        24,
        8,
        "tensor row held at IN_ADDR (row bands; 0 when the tensor is whole)",
    ),
    f(
        "OUT_ADDR",
        3,
        0,
        24,
        "ACT vector address of (OUT_ROW0, x 0, first vector written)",
    ),
    f(
        "OUT_CV",
        3,
        24,
        8,
        "output channel vectors per position: the output tensor's stride",
    ),
    f("OUT_ROW0", 4, 0, 8, "first output row to compute"),
    f("OUT_ROWS", 4, 8, 8, "output rows to compute"),
    f(
        "GROUPS",
        4,
        16,
        8,
        "CONV: output channel groups of array rows",
    ),
    f(
        "IN_VECTORS",
        4,
        24,
        8,
        "CONV: input vectors reduced per tap, at most IN_CV (the others hold only channel padding and are skipped); DWCONV, GAP: ignored",
    ),
    f("W_ADDR", 5, 0, 24, "first weight word in WMEM"),
    f("EPI_ADDR", 6, 0, 16, "EPI entry of output channel 0"),
    f("CLAMP_LO", 7, 0, 8, "activation clamp, lowest value (int8)").signed(),
    f(
        "CLAMP_HI",
        7,
        8,
        8,
        "activation clamp, highest value (int8)",
    )
    .signed(),
];

/// Fields of the add format.
pub const ADD_FIELDS: &[CmdField] = &[
    f(
        "A_ADDR",
        1,
        0,
        24,
        "ACT vector address of the first input, a multiple of R",
    ),
    f(
        "B_ADDR",
        2,
        0,
        24,
        "ACT vector address of the second input, a multiple of R",
    ),
    f(
        "OUT_ADDR",
        3,
        0,
        24,
        "ACT vector address of the output, a multiple of R",
    ),
    f(
        "VECTORS",
        4,
        0,
        24,
        "vectors to add (the three tensors share one layout)",
    ),
    f("MA", 5, 0, 32, "multiplier of the first input (int32)").signed(),
    f("MB", 6, 0, 32, "multiplier of the second input (int32)").signed(),
    f("SHIFT", 7, 0, 6, "right shift, 1..62"),
    f("CLAMP_LO", 7, 8, 8, "activation clamp, lowest value (int8)").signed(),
    f(
        "CLAMP_HI",
        7,
        16,
        8,
        "activation clamp, highest value (int8)",
    )
    .signed(),
];

/// Bytes of one EPI entry in DRAM: bias (i32), multiplier m (i32), shift s (u8), 7 bytes zero.
pub const EPI_ENTRY_BYTES: usize = 16;

/// Every format with its name and fields.
pub const FORMATS: &[(&str, Format, &[CmdField])] = &[
    ("DMA", Format::Dma, DMA_FIELDS),
    ("COPY", Format::Copy, COPY_FIELDS),
    ("DEPOSIT", Format::Deposit, DEPOSIT_FIELDS),
    ("WIN", Format::Window, WINDOW_FIELDS),
    ("ADD", Format::Add, ADD_FIELDS),
];

/// Why a command cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A value is wider than its field.
    #[error("{format}.{field} is a {bits}-bit command field; {value:#x} does not fit")]
    DoesNotFit {
        /// The struct the field belongs to (`Dma`, `Header`, ...).
        format: &'static str,
        /// The field's name in the tables.
        field: &'static str,
        /// The field's width.
        bits: u32,
        /// The value, as the bits it would occupy.
        value: u64,
    },
    /// The opcode takes another format than the fields given.
    #[error("{op} takes the {:?} format, not {format:?}", .op.format())]
    WrongFormat {
        /// The opcode.
        op: Op,
        /// The format of the fields given.
        format: Format,
    },
}

/// One command: eight words, read and written through the typed formats ([`Dma`], [`Window`],
/// ...) or [`Command::decode`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Command(pub [u32; 8]);

impl Command {
    /// The opcode, if the command has a known one.
    pub fn op(&self) -> Option<Op> {
        Op::from_code(Header::decode(self).opcode)
    }

    /// `WAIT_COUNT`: the other engine's completed commands it waits for.
    pub fn wait_count(&self) -> u32 {
        Header::decode(self).wait_count
    }

    /// The opcode and the fields in its format; None for an unknown opcode.
    pub fn decode(&self) -> Option<(Op, Fields)> {
        let op = self.op()?;
        Some((op, Fields::decode(op.format(), self)))
    }

    /// The 32 bytes as stored in DRAM.
    pub fn to_bytes(self) -> [u8; COMMAND_BYTES] {
        let mut out = [0u8; COMMAND_BYTES];
        for (i, w) in self.0.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// Decodes 32 bytes.
    pub fn from_bytes(bytes: &[u8; COMMAND_BYTES]) -> Self {
        let mut words = [0u32; 8];
        for (i, w) in words.iter_mut().enumerate() {
            *w = u32::from_le_bytes([
                bytes[4 * i],
                bytes[4 * i + 1],
                bytes[4 * i + 2],
                bytes[4 * i + 3],
            ]);
        }
        Command(words)
    }

    /// A command holding only word 0: opcode `op` and `wait`, once `op` is known to take
    /// `format`. The generated `encode` functions start here.
    fn start(op: Op, format: Format, wait: u32) -> Result<Self, EncodeError> {
        if op.format() != format {
            return Err(EncodeError::WrongFormat { op, format });
        }
        let mut c = Command::default();
        Header {
            opcode: op.code(),
            wait_count: wait,
        }
        .write(&mut c)?;
        Ok(c)
    }

    /// The field at bits `lsb .. lsb + bits` of word `word`.
    fn bits<T: FieldInt>(&self, word: usize, lsb: u32, bits: u32) -> T {
        T::from_bits((self.0[word] >> lsb) & mask(bits))
    }

    /// Sets the field at bits `lsb .. lsb + bits` of word `word` to `value`, leaving the other
    /// bits alone; `format` and `field` name it in the error.
    fn put<T: FieldInt>(
        &mut self,
        format: &'static str,
        field: &'static str,
        word: usize,
        lsb: u32,
        bits: u32,
        value: T,
    ) -> Result<(), EncodeError> {
        let value = value.to_bits();
        if value > u64::from(mask(bits)) {
            return Err(EncodeError::DoesNotFit {
                format,
                field,
                bits,
                value,
            });
        }
        let w = &mut self.0[word];
        // Invariant: value fits in `bits` (checked above), so the cast keeps every bit.
        *w = (*w & !(mask(bits) << lsb)) | ((value as u32) << lsb);
        Ok(())
    }
}

/// The low `bits` bits set.
const fn mask(bits: u32) -> u32 {
    if bits >= 32 {
        u32::MAX
    } else {
        (1u32 << bits) - 1
    }
}

/// The integer types of typed fields, converted to and from the bits they occupy (two's
/// complement for the signed ones).
trait FieldInt: Copy {
    /// The bits of the value, zero-extended.
    fn to_bits(self) -> u64;
    /// The value of bits already masked to the field's width, which the type holds (the
    /// generator picks a type at least as wide as the field), so the narrowing is exact.
    fn from_bits(bits: u32) -> Self;
}

macro_rules! field_int {
    ($($unsigned:ty, $signed:ty);*) => {$(
        impl FieldInt for $unsigned {
            fn to_bits(self) -> u64 {
                u64::from(self)
            }
            fn from_bits(bits: u32) -> Self {
                bits as $unsigned
            }
        }
        impl FieldInt for $signed {
            fn to_bits(self) -> u64 {
                u64::from(self.cast_unsigned())
            }
            fn from_bits(bits: u32) -> Self {
                (bits as $unsigned).cast_signed()
            }
        }
    )*};
}
field_int!(u8, i8; u16, i16; u32, i32);

impl LoadWPb {
    /// The deposit that performs `load` (a `LOAD_W`'s fields) and also writes row `i` to the PB
    /// words from `pb_addr + i * pb_stride`.
    pub fn from_load(load: &Dma, pb_addr: u32, pb_stride: u16) -> Self {
        LoadWPb {
            dram_addr: load.dram_addr,
            sram_addr: load.sram_addr,
            count: load.count,
            rows: load.rows,
            pb_stride,
            dram_stride: load.dram_stride,
            sram_stride: load.sram_stride,
            pb_addr,
        }
    }

    /// Its WMEM side: the `LOAD_W` it performs (words 1-6, which the DMA format reads alike).
    pub fn load(&self) -> Dma {
        Dma {
            dram_addr: self.dram_addr,
            sram_addr: self.sram_addr,
            count: self.count,
            rows: self.rows,
            dram_stride: self.dram_stride,
            sram_stride: self.sram_stride,
        }
    }
}

impl fmt::Display for Op {
    /// The table name (`LOAD_W`), as in messages and the RTL's `OP_*`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_a_format_do_not_overlap_and_stay_in_their_word() {
        for (name, _, fields) in FORMATS {
            let mut used = [0u32; 8];
            for fl in HEADER_FIELDS.iter().chain(fields.iter()) {
                assert!(
                    fl.word < 8 && fl.bits >= 1 && fl.lsb + fl.bits <= 32,
                    "{name}.{}",
                    fl.name
                );
                let mask = if fl.bits == 32 {
                    u32::MAX
                } else {
                    ((1u32 << fl.bits) - 1) << fl.lsb
                };
                assert_eq!(
                    used[fl.word as usize] & mask,
                    0,
                    "{name}.{} overlaps",
                    fl.name
                );
                used[fl.word as usize] |= mask;
            }
        }
    }

    #[test]
    fn signed_fields_fill_a_rust_integer_and_names_are_unique_per_format() {
        for format in Format::ALL {
            let fields: Vec<_> = HEADER_FIELDS.iter().chain(format.fields()).collect();
            for (i, a) in fields.iter().enumerate() {
                assert!(
                    !a.signed || [8, 16, 32].contains(&a.bits),
                    "{format:?}.{}: a signed field is 8, 16 or 32 bits",
                    a.name
                );
                for b in &fields[i + 1..] {
                    assert_ne!(a.name, b.name, "{format:?}");
                }
            }
        }
    }

    #[test]
    fn opcodes_are_unique() {
        for (i, a) in OPCODES.iter().enumerate() {
            for b in &OPCODES[i + 1..] {
                assert_ne!(a.code, b.code, "{} and {}", a.name, b.name);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn every_opcode_of_the_table_is_an_op_with_its_name_engine_and_format() {
        for o in OPCODES {
            let op = Op::from_code(o.code).unwrap_or_else(|| panic!("{} has no Op", o.name));
            assert_eq!(
                (op.code(), op.name(), op.engine(), op.format()),
                (o.code, o.name, o.engine, o.format)
            );
        }
        let codes: Vec<u8> = OPCODES.iter().map(|o| o.code).collect();
        for code in 0..=u8::MAX {
            assert_eq!(
                Op::from_code(code).is_some(),
                codes.contains(&code),
                "{code:#x}"
            );
        }
    }

    /// Every bit the tables give a format survives decode then encode, and no other bit is
    /// written: each table field is one struct field, at its position, at full width.
    #[test]
    fn decode_then_encode_keeps_exactly_the_bits_of_the_tables() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            // xorshift64: any spread of bit patterns will do.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u32
        };
        for format in Format::ALL {
            let op = OPCODES
                .iter()
                .find(|o| o.format == format)
                .expect("every format has an opcode");
            let mut used = [0u32; 8];
            for fl in HEADER_FIELDS.iter().chain(format.fields()) {
                used[fl.word as usize] |= mask(fl.bits) << fl.lsb;
            }
            for _ in 0..200 {
                let mut words = [0u32; 8];
                words.iter_mut().for_each(|w| *w = next());
                words[0] = (words[0] & !0xff) | u32::from(op.code);
                let c = Command(words);
                let (op, fields) = c.decode().expect("a known opcode");
                let back = fields.encode(op, c.wait_count());
                for w in 0..8 {
                    assert_eq!(back.0[w], words[w] & used[w], "{format:?} word {w}");
                }
            }
        }
    }

    #[test]
    fn typed_commands_encode_to_the_words_of_the_tables() {
        let conv = Window {
            in_addr: 0x01_2345,
            kernel: 7,
            stride: 2,
            in_h: 0xa1,
            in_w: 0xb2,
            in_cv: 0xc3,
            in_row0: 0xd4,
            out_addr: 0xfe_dcba,
            out_cv: 0x5e,
            out_row0: 0x11,
            out_rows: 0x22,
            groups: 0x33,
            in_vectors: 0x44,
            w_addr: 0x65_4321,
            epi_addr: 0xbeef,
            clamp_lo: -128,
            clamp_hi: 127,
        };
        let c = conv.encode(Op::Conv, 0xab_cdef);
        assert_eq!(
            c.0,
            [
                0xabcd_ef10,
                0x2701_2345,
                0xd4c3_b2a1,
                0x5efe_dcba,
                0x4433_2211,
                0x0065_4321,
                0x0000_beef,
                0x0000_7f80
            ]
        );
        assert_eq!(c.decode(), Some((Op::Conv, Fields::Window(conv))));

        let add = Add {
            a_addr: 0x10,
            b_addr: 0x20,
            out_addr: 0x30,
            vectors: 0x40,
            ma: -2,
            mb: 0x1234_5678,
            shift: 62,
            clamp_lo: -1,
            clamp_hi: -128,
        };
        let c = add.encode(Op::Add, 1);
        assert_eq!(
            c.0,
            [
                0x0000_0113,
                0x10,
                0x20,
                0x30,
                0x40,
                0xffff_fffe,
                0x1234_5678,
                0x0080_ff3e
            ]
        );
        assert_eq!(Add::decode(&c), add);

        let fill = Dma {
            dram_addr: 0xdead_beef,
            sram_addr: 0xff_ffff,
            count: 0x12_3456,
            rows: 0xffff,
            dram_stride: 0x8000_0000,
            sram_stride: 0x10,
        };
        let c = fill.encode(Op::LoadPb, 0);
        assert_eq!(
            c.0,
            [
                0x04,
                0xdead_beef,
                0x00ff_ffff,
                0x0012_3456,
                0xffff,
                0x8000_0000,
                0x10,
                0
            ]
        );
        let copy = CopyPb {
            pb_addr: 1,
            wmem_addr: 2,
            count: 3,
            rows: 4,
            pb_stride: 5,
            wmem_stride: 6,
        };
        assert_eq!(copy.encode(Op::CopyPb, 2).0, [0x206, 1, 2, 3, 4, 5, 6, 0]);
        assert_eq!(Control.encode(Op::End, 0).0, [0; 8]);
    }

    /// The RTL decodes words 1-6 of LOAD_W_PB as a LOAD_W: the deposit format repeats every DMA
    /// field at its position, and adds its PB fields only in bits the DMA format leaves free.
    #[test]
    fn the_deposit_format_is_the_dma_format_plus_the_pb_destination_in_free_bits() {
        for d in DMA_FIELDS {
            let same = DEPOSIT_FIELDS.iter().find(|x| x.name == d.name);
            assert!(
                same.is_some_and(|x| (x.word, x.lsb, x.bits) == (d.word, d.lsb, d.bits)),
                "DEPOSIT.{} is not where DMA.{} is",
                d.name,
                d.name
            );
        }
        let extra: Vec<&str> = DEPOSIT_FIELDS
            .iter()
            .filter(|x| !DMA_FIELDS.iter().any(|d| d.name == x.name))
            .map(|x| x.name)
            .collect();
        assert_eq!(extra, ["PB_STRIDE", "PB_ADDR"]);
        let deposit = LoadWPb {
            dram_addr: 0xdead_bee0,
            sram_addr: 0x12,
            count: 0x34,
            rows: 0x56,
            pb_stride: 0xfedc,
            dram_stride: 0x80,
            sram_stride: 0x9a,
            pb_addr: 0xab_cdef,
        };
        let c = deposit.encode(Op::LoadWPb, 3);
        assert_eq!(
            c.0,
            [
                0x0307,
                0xdead_bee0,
                0x12,
                0x34,
                0xfedc_0056,
                0x80,
                0x9a,
                0x00ab_cdef
            ]
        );
        assert_eq!(Dma::decode(&c), deposit.load());
        assert_eq!(
            LoadWPb::from_load(&deposit.load(), 0xab_cdef, 0xfedc),
            deposit
        );
        assert_eq!(c.decode(), Some((Op::LoadWPb, Fields::Deposit(deposit))));
    }

    #[test]
    fn a_command_round_trips_through_its_bytes() {
        let c = Window {
            kernel: 7,
            clamp_lo: -128,
            ..Window::default()
        }
        .encode(Op::Conv, 0xab_cdef);
        let back = Command::from_bytes(&c.to_bytes());
        assert_eq!(back, c);
        assert_eq!(back.op(), Some(Op::Conv));
        assert_eq!(back.wait_count(), 0xab_cdef);
        assert_eq!(Window::decode(&back).kernel, 7);
    }

    #[test]
    fn a_value_too_wide_for_its_field_or_an_opcode_of_another_format_is_an_error() {
        let shift = Add {
            shift: 64,
            ..Add::default()
        };
        assert_eq!(
            shift.try_encode(Op::Add, 0),
            Err(EncodeError::DoesNotFit {
                format: "Add",
                field: "SHIFT",
                bits: 6,
                value: 64
            })
        );
        let err = Dma::default().try_encode(Op::Add, 1 << 24).unwrap_err();
        assert_eq!(err.to_string(), "ADD takes the Add format, not Dma");
        let wait = Dma::default().try_encode(Op::LoadW, 1 << 24).unwrap_err();
        assert_eq!(
            wait.to_string(),
            "Header.WAIT_COUNT is a 24-bit command field; 0x1000000 does not fit"
        );
        let rows = Dma {
            count: 1 << 24,
            ..Dma::default()
        };
        assert!(matches!(
            rows.try_encode(Op::LoadW, 0),
            Err(EncodeError::DoesNotFit { field: "COUNT", .. })
        ));
    }

    #[test]
    #[should_panic(expected = "does not fit")]
    fn encode_panics_in_every_profile_on_a_value_too_wide_for_its_field() {
        let _ = Add {
            shift: 64,
            ..Add::default()
        }
        .encode(Op::Add, 0);
    }
}
