//! The command compiler: a quantised [`Network`] to a command stream and a DRAM image.
//!
//! Version 1 keeps every tensor in ACT (a network whose live tensors do not fit is refused with a
//! clear error; row bands through DRAM come next), streams weights and epilogue parameters through
//! the two halves of WMEM and EPI (double buffering: a load into one half overlaps compute on the
//! other), and orders the two engines with completion-count waits only where a hazard exists.

use sushi_hw::HwConfig;
use sushi_hw::commands::{self, Command, Format};

use crate::int8::{self, Act};
use crate::layout::{self, Array, TensorPlace};
use crate::network::{Layer, Network, Shape, TensorId};

/// Alignment of every section of the DRAM image (covers every AXI width).
const ALIGN: usize = 64;

/// What to store back to DRAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outputs {
    /// The last tensor only.
    Last,
    /// Every layer's output (for per-layer comparison).
    All,
}

/// A tensor stored to DRAM by the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTensor {
    /// Which tensor.
    pub tensor: TensorId,
    /// Byte offset in the image.
    pub offset: usize,
    /// Shape.
    pub shape: Shape,
}

/// A compiled network: commands and a DRAM image to place at some base address.
#[derive(Debug, Clone)]
pub struct Program {
    /// The whole image; commands start at offset 0.
    pub image: Vec<u8>,
    /// Commands (also encoded at the start of `image`).
    pub commands: Vec<Command>,
    /// Byte offset of the input tensor.
    pub input_offset: usize,
    /// Shape of the input.
    pub input_shape: Shape,
    /// Tensors the program stores, in order.
    pub outputs: Vec<StoredTensor>,
    /// The array the program was compiled for.
    pub array: Array,
    /// DRAM bytes of weights (LOAD_W) the program reads.
    pub weight_bytes: usize,
}

impl Program {
    /// The image with the commands (from `commands`, the source of truth) encoded and every DRAM
    /// address made absolute for an image placed at `base`.
    pub fn relocated_image(&self, base: u64) -> Vec<u8> {
        let mut image = self.image.clone();
        let dram_addr = commands::field(Format::Dma, "DRAM_ADDR").expect("field");
        for (i, c) in self.commands.iter().enumerate() {
            let mut c = *c;
            let op = commands::OPCODES
                .iter()
                .find(|o| u32::from(o.code) == c.0[0] & 0xff);
            if op.is_some_and(|o| o.format == Format::Dma) {
                c.set(dram_addr, (u64::from(c.get(dram_addr)) + base) as u32);
            }
            image[i * commands::COMMAND_BYTES..(i + 1) * commands::COMMAND_BYTES]
                .copy_from_slice(&c.to_bytes());
        }
        image
    }

    /// Writes `input` into the image (packed in the banked layout).
    pub fn set_input(&mut self, input: &Act) {
        assert_eq!((input.h, input.w, input.c), self.input_shape, "input shape");
        let packed = layout::pack_act(input, self.array);
        self.image[self.input_offset..self.input_offset + packed.len()].copy_from_slice(&packed);
    }

    /// Reads a stored tensor out of a DRAM image that the accelerator has written.
    pub fn read_output(&self, image: &[u8], stored: &StoredTensor) -> Act {
        let (h, w, c) = stored.shape;
        let n = TensorPlace::vectors_for_rows(w, self.array.vectors(c), h, self.array)
            * self.array.cols;
        layout::unpack_act(
            &image[stored.offset..stored.offset + n],
            h,
            w,
            c,
            self.array,
        )
    }
}

/// Why a network cannot be compiled for a config.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// The network is malformed.
    #[error(transparent)]
    Network(#[from] crate::network::NetworkError),
    /// Live tensors do not fit in ACT.
    #[error(
        "layer {layer}: the live tensors need {need} bytes of activation buffer, config `{config}` has {have}; row-band tiling through DRAM is not implemented yet, so use a larger config or a smaller input"
    )]
    ActOverflow {
        /// Layer.
        layer: usize,
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        have: usize,
        /// Config.
        config: String,
    },
    /// A shape exceeds a command field.
    #[error("layer {layer}: {what} is {value}, above the command field's limit {limit}")]
    FieldOverflow {
        /// Layer.
        layer: usize,
        /// Which value.
        what: &'static str,
        /// Its value.
        value: usize,
        /// The limit.
        limit: usize,
    },
    /// One output group's (or channel vector's) weights do not fit in WMEM.
    #[error(
        "layer {layer}: one output group needs {need} weight words, WMEM holds {have}; splitting a group across input channels is not implemented yet"
    )]
    WeightChunk {
        /// Layer.
        layer: usize,
        /// Words needed.
        need: usize,
        /// Words available.
        have: usize,
    },
}

struct Emitter {
    commands: Vec<Command>,
    dma_done: u32,
    compute_done: u32,
}

impl Emitter {
    fn push(&mut self, op: &str, wait: u32, fields: &[(&str, u32)]) -> u32 {
        let op = commands::opcode(op).expect("known opcode");
        let mut c = Command::new(op);
        c.set(
            commands::field(op.format, "WAIT_COUNT").expect("header"),
            wait,
        );
        for (name, value) in fields {
            c.set(
                commands::field(op.format, name).expect("field of this format"),
                *value,
            );
        }
        self.commands.push(c);
        match op.engine {
            commands::Engine::Dma => {
                self.dma_done += 1;
                self.dma_done
            }
            commands::Engine::Compute => {
                self.compute_done += 1;
                self.compute_done
            }
            commands::Engine::Control => 0,
        }
    }
}

/// A first-fit allocator of ACT vectors, in units aligned to the bank count.
struct ActAlloc {
    free: Vec<(usize, usize)>,
}

impl ActAlloc {
    fn alloc(&mut self, n: usize, align: usize) -> Option<usize> {
        let n = n.div_ceil(align) * align;
        let i = self.free.iter().position(|&(_, len)| len >= n)?;
        let (start, len) = self.free[i];
        if len == n {
            self.free.remove(i);
        } else {
            self.free[i] = (start + n, len - n);
        }
        Some(start)
    }
    fn release(&mut self, start: usize, n: usize, align: usize) {
        let n = n.div_ceil(align) * align;
        self.free.push((start, n));
        self.free.sort();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, l) in self.free.drain(..) {
            match merged.last_mut() {
                Some(last) if last.0 + last.1 == s => last.1 += l,
                _ => merged.push((s, l)),
            }
        }
        self.free = merged;
    }
}

/// The image section a DRAM address points into.
#[derive(Debug, Clone, Copy)]
enum Section {
    Params,
    Outputs,
}

fn align_up(v: usize) -> usize {
    v.div_ceil(ALIGN) * ALIGN
}

fn field_limit(
    layer: usize,
    what: &'static str,
    value: usize,
    bits: u32,
) -> Result<u32, CompileError> {
    let limit = (1usize << bits) - 1;
    if value > limit {
        return Err(CompileError::FieldOverflow {
            layer,
            what,
            value,
            limit,
        });
    }
    Ok(value as u32)
}

/// Compiles `net` for `config`.
pub fn compile(
    net: &Network,
    config: &HwConfig,
    outputs: Outputs,
) -> Result<Program, CompileError> {
    let shapes = net.shapes()?;
    let array = Array::of(config);
    let (r_n, c_n) = (array.rows, array.cols);
    let act_vectors = config.spec.buffers.activation_bytes as usize / c_n;
    let wmem_half = config.spec.buffers.weight_staging_bytes as usize / array.word_bytes() / 2;
    let epi_half = config.spec.buffers.epilogue_entries as usize / 2;
    let n_tensors = shapes.len();

    // Last reader of every tensor (the final tensor is read by its store).
    let mut last_use = vec![0usize; n_tensors];
    for (i, layer) in net.layers.iter().enumerate() {
        for t in layer.inputs() {
            last_use[t] = last_use[t].max(i);
        }
    }

    // Sections of the image: commands first (sized after emission), then parameters, input, outputs.
    let mut params: Vec<u8> = Vec::new();
    let vectors_of = |s: Shape| TensorPlace::vectors_for_rows(s.1, array.vectors(s.2), s.0, array);
    let mut e = Emitter {
        commands: Vec::new(),
        dma_done: 0,
        compute_done: 0,
    };
    let mut alloc = ActAlloc {
        free: vec![(0, act_vectors)],
    };
    let mut place: Vec<Option<TensorPlace>> = vec![None; n_tensors];
    // Per WMEM/EPI half: the compute count that must be reached before it may be overwritten.
    let mut half_reader = [0u32; 2];
    let mut next_half = 0usize;
    // Stores issued: (first vector, vectors, DMA count once done).
    let mut stores: Vec<(usize, usize, u32)> = Vec::new();
    // DRAM addresses to patch once the command section's size is known.
    let mut dram_refs: Vec<(usize, Section, usize)> = Vec::new();
    let mut stored: Vec<(TensorId, usize)> = Vec::new(); // tensor, offset in the output section
    let mut out_section = 0usize;
    let mut weight_bytes = 0usize;

    let allocate =
        |alloc: &mut ActAlloc, layer: usize, shape: Shape| -> Result<TensorPlace, CompileError> {
            let n = vectors_of(shape);
            let base = alloc
                .alloc(n, r_n)
                .ok_or_else(|| CompileError::ActOverflow {
                    layer,
                    need: n * c_n,
                    have: act_vectors * c_n,
                    config: config.name.clone(),
                })?;
            Ok(TensorPlace {
                base,
                w: shape.1,
                cv: array.vectors(shape.2),
                row0: 0,
            })
        };
    let wait_for_stores = |stores: &[(usize, usize, u32)], p: &TensorPlace, n: usize| -> u32 {
        stores
            .iter()
            .filter(|(s, len, _)| *s < p.base + n && p.base < s + len)
            .map(|(_, _, done)| *done)
            .max()
            .unwrap_or(0)
    };

    // The input.
    let in_place = allocate(&mut alloc, 0, shapes[0])?;
    let in_vectors = vectors_of(shapes[0]);
    let load_input = e.push(
        "LOAD_ACT",
        0,
        &[
            ("SRAM_ADDR", in_place.base as u32),
            ("COUNT", in_vectors as u32),
        ],
    );
    let input_cmd = e.commands.len() - 1;
    place[0] = Some(in_place);
    let mut act_ready = vec![0u32; n_tensors]; // DMA count a reader of this tensor waits for
    act_ready[0] = load_input;

    for (li, layer) in net.layers.iter().enumerate() {
        let out_shape = shapes[li + 1];
        let out_place = allocate(&mut alloc, li, out_shape)?;
        let out_vectors = vectors_of(out_shape);
        let mut dma_wait = wait_for_stores(&stores, &out_place, out_vectors);
        for t in layer.inputs() {
            dma_wait = dma_wait.max(act_ready[t]);
        }
        let in_place_of = |t: TensorId| place[t].expect("inputs are placed before use");

        // Weights and epilogue in chunks through alternating halves.
        let window = |e: &mut Emitter,
                      params: &mut Vec<u8>,
                      dram_refs: &mut Vec<(usize, Section, usize)>,
                      half_reader: &mut [u32; 2],
                      next_half: &mut usize,
                      weight_bytes: &mut usize,
                      op: &str,
                      input: TensorId,
                      k: usize,
                      stride: usize,
                      chunks: Vec<(usize, usize, Vec<u8>, Vec<u8>)>, // (first group/vector, count, weights, epi)
                      clamp: int8::Clamp|
         -> Result<(), CompileError> {
            let ip = in_place_of(input);
            let (ih, iw, _) = shapes[input];
            for (first, count, w, epi) in chunks {
                // A chunk that fits half of WMEM alternates halves (its load overlaps compute on
                // the other half); a larger one takes the whole buffer and waits for both.
                let words = w.len() / array.word_bytes();
                if words > 2 * wmem_half {
                    return Err(CompileError::WeightChunk {
                        layer: li,
                        need: words,
                        have: 2 * wmem_half,
                    });
                }
                let whole = words > wmem_half;
                let half = if whole { 0 } else { *next_half };
                *next_half = if whole { 0 } else { half ^ 1 };
                let free_after = if whole {
                    half_reader[0].max(half_reader[1])
                } else {
                    half_reader[half]
                };
                let mut need = dma_wait;
                if !w.is_empty() {
                    let off = align_up(params.len());
                    params.resize(off, 0);
                    params.extend_from_slice(&w);
                    *weight_bytes += w.len();
                    let idx = e.push(
                        "LOAD_W",
                        free_after,
                        &[
                            ("SRAM_ADDR", (half * wmem_half) as u32),
                            ("COUNT", words as u32),
                        ],
                    );
                    dram_refs.push((e.commands.len() - 1, Section::Params, off));
                    need = need.max(idx);
                }
                let entries = epi.len() / commands::EPI_ENTRY_BYTES;
                let off = align_up(params.len());
                params.resize(off, 0);
                params.extend_from_slice(&epi);
                let idx = e.push(
                    "LOAD_EPI",
                    free_after,
                    &[
                        ("SRAM_ADDR", (half * epi_half) as u32),
                        ("COUNT", entries as u32),
                    ],
                );
                dram_refs.push((e.commands.len() - 1, Section::Params, off));
                need = need.max(idx);
                // CONV chunks split output groups and read every input vector; DWCONV and GAP
                // chunks split channel vectors, on both sides.
                let (out_vec, in_vec, groups) = match op {
                    "CONV" => (first * r_n / c_n, 0, count),
                    _ => (first, first, count),
                };
                let oh = int8::out_size(ih, k, stride);
                let done = e.push(
                    op,
                    need,
                    &[
                        ("IN_ADDR", (ip.base + in_vec * r_n) as u32),
                        ("KERNEL", k as u32),
                        ("STRIDE", stride as u32),
                        ("WSRC", 0),
                        ("IN_H", field_limit(li, "input height", ih, 8)?),
                        ("IN_W", field_limit(li, "input width", iw, 8)?),
                        ("IN_CV", field_limit(li, "input channel vectors", ip.cv, 8)?),
                        ("IN_ROW0", 0),
                        ("OUT_ADDR", (out_place.base + out_vec * r_n) as u32),
                        (
                            "OUT_CV",
                            field_limit(li, "output channel vectors", out_place.cv, 8)?,
                        ),
                        ("OUT_ROW0", 0),
                        ("OUT_ROWS", field_limit(li, "output rows", oh, 8)?),
                        ("GROUPS", field_limit(li, "groups", groups, 8)?),
                        ("W_ADDR", (half * wmem_half) as u32),
                        ("EPI_ADDR", (half * epi_half) as u32),
                        ("CLAMP_LO", clamp.lo as u8 as u32),
                        ("CLAMP_HI", clamp.hi as u8 as u32),
                    ],
                );
                half_reader[half] = done;
                if whole {
                    half_reader[1] = done;
                }
            }
            Ok(())
        };

        match layer {
            Layer::Conv {
                input,
                k,
                stride,
                out_c,
                weights,
                epi,
            } => {
                let in_c = shapes[*input].2;
                let packed = layout::pack_conv_weights(weights, *out_c, in_c, *k, array);
                let groups = out_c.div_ceil(r_n);
                let words_per_group = packed.len() / array.word_bytes() / groups;
                let per_chunk = (wmem_half / words_per_group.max(1))
                    .min(epi_half / r_n)
                    .max(1);
                // (A single group larger than half of WMEM still compiles: it takes the whole buffer.)
                let epi_bytes = layout::pack_epilogue(epi, groups * r_n);
                let chunks = (0..groups)
                    .step_by(per_chunk)
                    .map(|g0| {
                        let n = per_chunk.min(groups - g0);
                        let wb = array.word_bytes() * words_per_group;
                        let eb = commands::EPI_ENTRY_BYTES * r_n;
                        (
                            g0,
                            n,
                            packed[g0 * wb..(g0 + n) * wb].to_vec(),
                            epi_bytes[g0 * eb..(g0 + n) * eb].to_vec(),
                        )
                    })
                    .collect();
                window(
                    &mut e,
                    &mut params,
                    &mut dram_refs,
                    &mut half_reader,
                    &mut next_half,
                    &mut weight_bytes,
                    "CONV",
                    *input,
                    *k,
                    *stride,
                    chunks,
                    epi.clamp,
                )?;
            }
            Layer::DwConv {
                input,
                k,
                stride,
                weights,
                epi,
            } => {
                let c = shapes[*input].2;
                let packed = layout::pack_dw_weights(weights, c, *k, array);
                let cv = array.vectors(c);
                let words_per_vector = packed.len() / array.word_bytes() / cv;
                let per_chunk = (wmem_half / words_per_vector.max(1))
                    .min(epi_half / c_n)
                    .max(1);
                let epi_bytes = layout::pack_epilogue(epi, cv * c_n);
                let chunks = (0..cv)
                    .step_by(per_chunk)
                    .map(|v0| {
                        let n = per_chunk.min(cv - v0);
                        let wb = array.word_bytes() * words_per_vector;
                        let eb = commands::EPI_ENTRY_BYTES * c_n;
                        (
                            v0,
                            n,
                            packed[v0 * wb..(v0 + n) * wb].to_vec(),
                            epi_bytes[v0 * eb..(v0 + n) * eb].to_vec(),
                        )
                    })
                    .collect();
                window(
                    &mut e,
                    &mut params,
                    &mut dram_refs,
                    &mut half_reader,
                    &mut next_half,
                    &mut weight_bytes,
                    "DWCONV",
                    *input,
                    *k,
                    *stride,
                    chunks,
                    epi.clamp,
                )?;
            }
            Layer::Gap {
                input,
                requant,
                clamp,
            } => {
                let c = shapes[*input].2;
                let cv = array.vectors(c);
                let epi = int8::Epilogue {
                    bias: vec![0; c],
                    requant: requant.clone(),
                    clamp: *clamp,
                };
                let epi_bytes = layout::pack_epilogue(&epi, cv * c_n);
                let per_chunk = (epi_half / c_n).max(1);
                let chunks = (0..cv)
                    .step_by(per_chunk)
                    .map(|v0| {
                        let n = per_chunk.min(cv - v0);
                        let eb = commands::EPI_ENTRY_BYTES * c_n;
                        (
                            v0,
                            n,
                            Vec::new(),
                            epi_bytes[v0 * eb..(v0 + n) * eb].to_vec(),
                        )
                    })
                    .collect();
                window(
                    &mut e,
                    &mut params,
                    &mut dram_refs,
                    &mut half_reader,
                    &mut next_half,
                    &mut weight_bytes,
                    "GAP",
                    *input,
                    1,
                    1,
                    chunks,
                    *clamp,
                )?;
            }
            Layer::Add {
                a,
                b,
                ma,
                mb,
                s,
                clamp,
            } => {
                e.push(
                    "ADD",
                    dma_wait,
                    &[
                        ("A_ADDR", in_place_of(*a).base as u32),
                        ("B_ADDR", in_place_of(*b).base as u32),
                        ("OUT_ADDR", out_place.base as u32),
                        ("VECTORS", out_vectors as u32),
                        ("MA", *ma as u32),
                        ("MB", *mb as u32),
                        ("SHIFT", u32::from(*s)),
                        ("CLAMP_LO", clamp.lo as u8 as u32),
                        ("CLAMP_HI", clamp.hi as u8 as u32),
                    ],
                );
            }
        }
        place[li + 1] = Some(out_place);
        let produced_by = e.compute_done;

        // Store what is asked for, after the compute that produced it.
        let is_last = li + 1 == n_tensors - 1;
        if outputs == Outputs::All || is_last {
            let idx = e.push(
                "STORE_ACT",
                produced_by,
                &[
                    ("SRAM_ADDR", out_place.base as u32),
                    ("COUNT", out_vectors as u32),
                ],
            );
            stores.push((out_place.base, out_vectors, idx));
            stored.push((li + 1, out_section));
            dram_refs.push((e.commands.len() - 1, Section::Outputs, out_section));
            out_section = align_up(out_section + out_vectors * c_n);
        }
        // Free the inputs whose last reader this was (the final tensor stays).
        for t in layer.inputs() {
            if last_use[t] == li {
                let p = place[t].expect("placed");
                alloc.release(p.base, vectors_of(shapes[t]), r_n);
            }
        }
        if last_use[li + 1] == 0 && !is_last {
            // Produced but never read (a dangling output): free it at once.
            alloc.release(out_place.base, out_vectors, r_n);
        }
    }
    e.push("END", 0, &[]);

    // Lay out the image: commands | params | input | outputs.
    let cmd_bytes = align_up(e.commands.len() * commands::COMMAND_BYTES);
    let params_off = cmd_bytes;
    let input_off = align_up(params_off + params.len());
    let out_off = align_up(input_off + in_vectors * c_n);
    let dram_addr = commands::field(Format::Dma, "DRAM_ADDR").expect("field");
    for (ci, section, off) in dram_refs {
        let base = match section {
            Section::Params => params_off,
            Section::Outputs => out_off,
        };
        e.commands[ci].set(dram_addr, (base + off) as u32);
    }
    e.commands[input_cmd].set(dram_addr, input_off as u32);
    let mut image = vec![0u8; out_off + out_section];
    for (i, c) in e.commands.iter().enumerate() {
        image[i * commands::COMMAND_BYTES..(i + 1) * commands::COMMAND_BYTES]
            .copy_from_slice(&c.to_bytes());
    }
    image[params_off..params_off + params.len()].copy_from_slice(&params);
    let outputs = stored
        .into_iter()
        .map(|(tensor, off)| StoredTensor {
            tensor,
            offset: out_off + off,
            shape: shapes[tensor],
        })
        .collect();
    Ok(Program {
        image,
        commands: e.commands,
        input_offset: input_off,
        input_shape: shapes[0],
        outputs,
        array,
        weight_bytes,
    })
}
