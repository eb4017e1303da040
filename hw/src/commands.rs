//! The command stream the accelerator reads from DRAM: written once here, generated into
//! `hw/gen/sushi_cmds.vh` for the RTL and `hw/gen/commands.md` for people.
//!
//! A command is [`COMMAND_BYTES`] bytes: eight little-endian 32-bit words. Word 0 holds the opcode
//! and the wait count; the other words are laid out per format. A field never straddles two words,
//! so the RTL decodes a command word by word. Design and semantics: `hw/docs/datapath-design.md`.

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
    /// Windowed operators over an activation tensor (conv, depthwise, gap).
    Window,
    /// Element-wise residual add.
    Add,
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
    /// Meaning.
    pub doc: &'static str,
}

const fn f(name: &'static str, word: u32, lsb: u32, bits: u32, doc: &'static str) -> CmdField {
    CmdField {
        name,
        word,
        lsb,
        bits,
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
    f("CLAMP_LO", 7, 0, 8, "activation clamp, lowest value (int8)"),
    f(
        "CLAMP_HI",
        7,
        8,
        8,
        "activation clamp, highest value (int8)",
    ),
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
    f("MA", 5, 0, 32, "multiplier of the first input (int32)"),
    f("MB", 6, 0, 32, "multiplier of the second input (int32)"),
    f("SHIFT", 7, 0, 6, "right shift, 1..62"),
    f("CLAMP_LO", 7, 8, 8, "activation clamp, lowest value (int8)"),
    f(
        "CLAMP_HI",
        7,
        16,
        8,
        "activation clamp, highest value (int8)",
    ),
];

/// Bytes of one EPI entry in DRAM: bias (i32), multiplier m (i32), shift s (u8), 7 bytes zero.
pub const EPI_ENTRY_BYTES: usize = 16;

/// Every format with its name and fields.
pub const FORMATS: &[(&str, Format, &[CmdField])] = &[
    ("DMA", Format::Dma, DMA_FIELDS),
    ("COPY", Format::Copy, COPY_FIELDS),
    ("WIN", Format::Window, WINDOW_FIELDS),
    ("ADD", Format::Add, ADD_FIELDS),
];

/// A command being built: eight words, fields set by name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Command(pub [u32; 8]);

impl Command {
    /// A command with this opcode and no wait.
    pub fn new(op: &Opcode) -> Self {
        let mut c = Command::default();
        c.0[0] = u32::from(op.code);
        c
    }

    /// Sets `field` to `value`; panics when the value does not fit (a compiler bug).
    pub fn set(&mut self, field: &CmdField, value: u32) -> &mut Self {
        let mask = if field.bits == 32 {
            u32::MAX
        } else {
            (1u32 << field.bits) - 1
        };
        assert!(
            value & !mask == 0,
            "command field {} is {} bits; {value:#x} does not fit",
            field.name,
            field.bits
        );
        let w = &mut self.0[field.word as usize];
        *w = (*w & !(mask << field.lsb)) | (value << field.lsb);
        self
    }

    /// Reads a field.
    pub fn get(&self, field: &CmdField) -> u32 {
        let mask = if field.bits == 32 {
            u32::MAX
        } else {
            (1u32 << field.bits) - 1
        };
        (self.0[field.word as usize] >> field.lsb) & mask
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
}

/// Looks a field up by format and name (for encoders that name fields as data).
pub fn field(format: Format, name: &str) -> Option<&'static CmdField> {
    let fields: &[CmdField] = match format {
        Format::Control => HEADER_FIELDS,
        Format::Dma => DMA_FIELDS,
        Format::Window => WINDOW_FIELDS,
        Format::Add => ADD_FIELDS,
        Format::Copy => COPY_FIELDS,
    };
    HEADER_FIELDS.iter().chain(fields).find(|f| f.name == name)
}

/// Looks an opcode up by name.
pub fn opcode(name: &str) -> Option<&'static Opcode> {
    OPCODES.iter().find(|o| o.name == name)
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
    fn opcodes_are_unique() {
        for (i, a) in OPCODES.iter().enumerate() {
            for b in &OPCODES[i + 1..] {
                assert_ne!(a.code, b.code, "{} and {}", a.name, b.name);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn a_command_round_trips_through_its_bytes() {
        let op = opcode("CONV").expect("exists");
        let mut c = Command::new(op);
        c.set(field(Format::Window, "WAIT_COUNT").expect("f"), 0xabcdef)
            .set(field(Format::Window, "KERNEL").expect("f"), 7)
            .set(field(Format::Window, "CLAMP_LO").expect("f"), 0x80);
        let back = Command::from_bytes(&c.to_bytes());
        assert_eq!(back, c);
        assert_eq!(back.get(field(Format::Window, "OPCODE").expect("f")), 0x10);
        assert_eq!(
            back.get(field(Format::Window, "WAIT_COUNT").expect("f")),
            0xabcdef
        );
        assert_eq!(back.get(field(Format::Window, "KERNEL").expect("f")), 7);
    }

    #[test]
    #[should_panic(expected = "does not fit")]
    fn a_value_too_wide_for_its_field_is_a_bug() {
        let mut c = Command::new(opcode("ADD").expect("exists"));
        c.set(field(Format::Add, "SHIFT").expect("f"), 64);
    }
}
