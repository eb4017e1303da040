//! The command compiler: a quantised [`Network`] to a command stream and a DRAM image.
//!
//! Two residency modes. When the live tensors fit in ACT, every tensor stays on chip from the
//! layer that produces it to its last reader (only the input is loaded and the requested outputs
//! stored). When they do not, every tensor lives in DRAM and each layer runs in row bands: load
//! the input rows a band needs (with its halo), compute the band, store it; bands alternate
//! between the two halves of ACT so that one band's loads and stores overlap the other's compute.
//! Weights and epilogue parameters stream through the two halves of WMEM and EPI the same way.
//! The two engines are ordered with completion-count waits exactly where a hazard exists (the
//! golden model checks that no two commands race).

use sushi_hw::HwConfig;
use sushi_hw::commands::{
    self, Add, Command, Control, CopyPb, Dma, Engine, Fields, Format, LoadWPb, Op, Window,
};

use crate::compile::layout::{self, Array, TensorPlace};
use crate::compile::pb_map::{Deposit, PbMap, Refill};
use crate::compile::runs::{DEPOSIT_PB_STRIDE_MAX, RunLimits, merge_deposit_runs, merge_runs};
use crate::compile::tiles::{PbError, TileBox, TileId, TileLayout};
use crate::compile::unroll::{Unroll, unroll_first_layer};
use crate::net::int8::{self, Act};
use crate::net::network::{Layer, Network, Shape, TensorId};
use crate::net::supernet::SuperNet;

/// Alignment of every section of the DRAM image (covers every AXI width).
const ALIGN: usize = 64;

/// What to store back to DRAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outputs {
    /// The last tensor only.
    Last,
    /// Every layer's output (for per-layer comparison).
    All,
    /// Nothing (for timing: the result stays on chip when it fits).
    None,
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

/// What a command's `DRAM_ADDR` is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reloc {
    /// Not a DRAM address (compute, `COPY_PB`, `END`).
    None,
    /// An offset in the program's own image.
    Image,
    /// An offset in the SuperNet tile image (`pb::TileImage`), which lives elsewhere in DRAM.
    TileImage,
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
    /// Shape of the input (the network's, before any unrolling).
    pub input_shape: Shape,
    /// How the input is unrolled for a first layer compiled as pointwise ([`crate::compile::unroll`]).
    pub input_unroll: Option<Unroll>,
    /// Tensors the program stores, in order.
    pub outputs: Vec<StoredTensor>,
    /// The array the program was compiled for.
    pub array: Array,
    /// DRAM bytes of weights (LOAD_W) the program reads.
    pub weight_bytes: usize,
    /// Bytes of weights copied from the PB to WMEM (COPY_PB words x `R * C`).
    pub pb_bytes: usize,
    /// Bytes of weights the program's deposits (`LOAD_W_PB`) also write to the PB, a tile
    /// streamed twice counted twice; they are part of `weight_bytes`, which counts the DRAM read.
    pub deposited_bytes: usize,
    /// Per command: what its DRAM address is relative to.
    pub relocs: Vec<Reloc>,
    /// Id of the tile layout (`pb::TileLayout::id`) the program's tile-image addresses and PB
    /// words refer to; None when it reads no tile image.
    pub tile_image: Option<u64>,
}

impl Program {
    /// The image with the commands (from `commands`, the source of truth) encoded and every DRAM
    /// address made absolute for an image placed at `base`.
    ///
    /// Panics when the program reads the tile image ([`Program::uses_tile_image`]): use
    /// [`Program::relocated_image_with`].
    pub fn relocated_image(&self, base: u64) -> Vec<u8> {
        assert!(
            !self.uses_tile_image(),
            "the program reads the SuperNet tile image: relocate it with relocated_image_with"
        );
        self.relocate(base, 0)
    }

    /// Like [`Program::relocated_image`], with the tile-image addresses made absolute for a
    /// tile image placed at `tile_image_base`.
    pub fn relocated_image_with(&self, base: u64, tile_image_base: u64) -> Vec<u8> {
        self.relocate(base, tile_image_base)
    }

    /// Whether some command reads the tile image.
    pub fn uses_tile_image(&self) -> bool {
        self.relocs.contains(&Reloc::TileImage)
    }

    fn relocate(&self, base: u64, tile_image_base: u64) -> Vec<u8> {
        let mut image = self.image.clone();
        for (i, c) in self.commands.iter().enumerate() {
            let mut c = *c;
            let add = match self.relocs.get(i).copied().unwrap_or(Reloc::None) {
                Reloc::None => None,
                Reloc::Image => Some(base),
                Reloc::TileImage => Some(tile_image_base),
            };
            if let Some(add) = add {
                let dram_addr = (u64::from(Dma::decode(&c).dram_addr) + add) as u32;
                set_dram_addr(&mut c, dram_addr);
            }
            image[i * commands::COMMAND_BYTES..(i + 1) * commands::COMMAND_BYTES]
                .copy_from_slice(&c.to_bytes());
        }
        image
    }

    /// Writes `input` into the image (unrolled when the program says so, packed in the banked
    /// layout).
    pub fn set_input(&mut self, input: &Act) {
        assert_eq!((input.h, input.w, input.c), self.input_shape, "input shape");
        let packed = match &self.input_unroll {
            Some(u) => layout::pack_act(&u.apply(input), self.array),
            None => layout::pack_act(input, self.array),
        };
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
    Network(#[from] crate::net::network::NetworkError),
    /// Even one row band of a layer does not fit in half of ACT.
    #[error(
        "layer {layer}: one row band needs {need} bytes of activation buffer, half of config `{config}`'s ACT holds {have}; use a larger config or narrower tensors (column tiling is not implemented)"
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
    /// A global average pool's whole input does not fit in half of ACT.
    #[error(
        "layer {layer}: global average pool needs its whole {need}-byte input on chip at once, half of ACT holds {have}; pool a smaller feature map"
    )]
    GapTooLarge {
        /// Layer.
        layer: usize,
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        have: usize,
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
    /// The SuperNet does not give SubNet `index` as a network.
    #[error("SubNet {index}: {message}")]
    SubNet {
        /// SubNet index.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A tile, SubGraph or PB map question failed.
    #[error(transparent)]
    Pb(#[from] PbError),
    /// The tile image or the PB map do not belong to this SuperNet, config or layer.
    #[error("tile image: {0}")]
    TileImage(String),
    /// A deposit list does not fit the SubNet and the PB map it is compiled against.
    #[error(transparent)]
    Deposit(#[from] DepositError),
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

/// Why a deposit list is refused ([`compile_subnet_depositing`]). Each would leave the PB holding
/// something else than the host's map says after the job.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DepositError {
    /// The SubNet does not stream the tile: it does not use it, or copies it from the PB.
    #[error(
        "tile {tile} is not streamed by SubNet {subnet} (it {}), so no load of the program deposits it",
        if *.cached { "is cached already" } else { "does not use it" }
    )]
    NotStreamed {
        /// The tile.
        tile: TileId,
        /// The SubNet.
        subnet: usize,
        /// True when the map caches it (the program copies it), false when the SubNet does not
        /// read it.
        cached: bool,
    },
    /// The program reads the word with `COPY_PB`: depositing there would change what it reads.
    #[error(
        "PB word {word} holds tile {holds}, which the program copies from it; depositing tile {tile} there would overwrite it"
    )]
    Hazard {
        /// The word.
        word: u32,
        /// The tile the map says it holds.
        holds: TileId,
        /// The tile that would be deposited.
        tile: TileId,
    },
    /// The word is beyond the PB the map describes.
    #[error("PB word {word} is beyond the PB's {pb_words} words")]
    OutsidePb {
        /// The word.
        word: u32,
        /// Words of the PB map (at most the config's PB, `check_tiles`).
        pb_words: u32,
    },
    /// Two deposits name the same word, or the same tile.
    #[error("the deposit list names {what} {value} twice")]
    Repeated {
        /// `"PB word"` or `"tile"`.
        what: &'static str,
        /// Which.
        value: u32,
    },
}

struct Emitter {
    commands: Vec<Command>,
    dma_done: u32,
    compute_done: u32,
}

impl Emitter {
    /// Appends `op` with `fields` (of its format), waiting for `wait` commands of the other engine;
    /// returns the count of its engine's commands once it completes.
    fn push(&mut self, op: Op, wait: u32, fields: impl Into<Fields>) -> u32 {
        self.commands.push(fields.into().encode(op, wait));
        match op.engine() {
            Engine::Dma => {
                self.dma_done += 1;
                self.dma_done
            }
            Engine::Compute => {
                self.compute_done += 1;
                self.compute_done
            }
            Engine::Control => 0,
        }
    }
}

/// A one-row DMA transfer of `count` units at `sram_addr`; its `DRAM_ADDR` is set when the image
/// is laid out. Every transfer moves at least one row (`ROWS` = 0 is a bad command).
fn one_row(sram_addr: usize, count: usize) -> Dma {
    Dma {
        sram_addr: narrow(sram_addr),
        count: narrow(count),
        rows: 1,
        ..Dma::default()
    }
}

/// `value` as the integer type of its field. A value that does not fit is a compiler bug, like a
/// value wider than its field (which `encode` refuses): neither is ever truncated.
fn narrow<T: TryFrom<V>, V: Copy + std::fmt::Display>(value: V) -> T {
    T::try_from(value).unwrap_or_else(|_| panic!("command field value {value} does not fit"))
}

/// Sets `DRAM_ADDR` of `c`, a DMA- or deposit-format command (the deposit format repeats the DMA
/// format's words 1-6, so `Dma` reads and writes them in both).
fn set_dram_addr(c: &mut Command, dram_addr: u32) {
    Dma {
        dram_addr,
        ..Dma::decode(c)
    }
    .write(c)
    .expect("DRAM_ADDR is a whole word");
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
    Input,
    Tensors,
    /// The SuperNet tile image, outside the program's image.
    TileImage,
}

/// Where a SubNet's weights come from when it is compiled against a tile image: the box of each
/// layer, the PB map saying which of its tiles are cached, and the streamed tiles its loads also
/// deposit into the PB.
struct TileSource<'a> {
    layout: &'a TileLayout,
    pb: &'a PbMap,
    boxes: Vec<Option<TileBox>>,
    deposit: Option<&'a Deposit>,
}

fn align_up(v: usize) -> usize {
    v.div_ceil(ALIGN) * ALIGN
}

/// `value` for an 8-bit field of the window format, or the error naming the layer and `what`.
fn field_limit(layer: usize, what: &'static str, value: usize) -> Result<u8, CompileError> {
    u8::try_from(value).map_err(|_| CompileError::FieldOverflow {
        layer,
        what,
        value,
        limit: u8::MAX.into(),
    })
}

/// The chunks of a windowed layer: output groups (CONV) or channel vectors (DWCONV, GAP).
struct Chunk {
    first: usize,
    count: usize,
    weights: Vec<u8>,
    epi: Vec<u8>,
}

/// Everything about one windowed layer the emitter needs.
struct WindowLayer {
    op: Op,
    input: TensorId,
    k: usize,
    stride: usize,
    clamp: int8::Clamp,
    chunks: Vec<Chunk>,
}

/// Where a band of a tensor sits in ACT: its place and the rows it holds.
#[derive(Debug, Clone, Copy)]
struct Band {
    place: TensorPlace,
    rows: usize,
}

struct Ctx<'a> {
    net: &'a Network,
    shapes: Vec<Shape>,
    config: &'a HwConfig,
    array: Array,
    act_vectors: usize,
    wmem_half: usize,
    epi_half: usize,
    e: Emitter,
    params: Vec<u8>,
    dram_refs: Vec<(usize, Section, usize)>,
    /// Per WMEM/EPI half: the compute count to reach before the half may be overwritten.
    half_reader: [u32; 2],
    next_half: usize,
    weight_bytes: usize,
    /// With a tile image: chunks assemble their WMEM words from the PB and the tile image.
    tiles: Option<&'a TileSource<'a>>,
    pb_bytes: usize,
    deposited_bytes: usize,
}

impl Ctx<'_> {
    fn vectors_of(&self, s: Shape) -> usize {
        TensorPlace::vectors_for_rows(s.1, self.array.vectors(s.2), s.0, self.array)
    }

    fn row_vectors(&self, s: Shape) -> usize {
        TensorPlace::vectors_for_rows(s.1, self.array.vectors(s.2), 1, self.array)
    }

    /// Splits a windowed layer into chunks that fit half of WMEM and EPI (or, for one group too
    /// large for a half, the whole WMEM).
    fn window_layer(&self, li: usize) -> Option<WindowLayer> {
        let (r_n, c_n) = (self.array.rows, self.array.cols);
        let word = self.array.word_bytes();
        let eb = commands::EPI_ENTRY_BYTES;
        let split =
            |units: usize, unit_words: usize, unit_entries: usize, packed: &[u8], epi: &[u8]| {
                let per = (self.wmem_half / unit_words.max(1))
                    .min(self.epi_half / unit_entries)
                    .max(1);
                (0..units)
                    .step_by(per)
                    .map(|f| {
                        let n = per.min(units - f);
                        let wb = word * unit_words;
                        Chunk {
                            first: f,
                            count: n,
                            weights: if packed.is_empty() {
                                Vec::new()
                            } else {
                                packed[f * wb..(f + n) * wb].to_vec()
                            },
                            epi: epi[f * unit_entries * eb..(f + n) * unit_entries * eb].to_vec(),
                        }
                    })
                    .collect::<Vec<_>>()
            };
        Some(match &self.net.layers[li] {
            Layer::Conv {
                input,
                k,
                stride,
                out_c,
                weights,
                epi,
            } => {
                let in_c = self.shapes[*input].2;
                // With a tile image the weights come from it: only their size matters here.
                let packed = if self.tiles.is_some() {
                    vec![0; layout::conv_words(*out_c, in_c, *k, self.array) * word]
                } else {
                    layout::pack_conv_weights(weights, *out_c, in_c, *k, self.array)
                };
                let groups = out_c.div_ceil(r_n);
                let unit_words = packed.len() / word / groups;
                let epi_bytes = layout::pack_epilogue(epi, groups * r_n);
                let chunks = split(groups, unit_words, r_n, &packed, &epi_bytes);
                WindowLayer {
                    op: Op::Conv,
                    input: *input,
                    k: *k,
                    stride: *stride,
                    clamp: epi.clamp,
                    chunks,
                }
            }
            Layer::DwConv {
                input,
                k,
                stride,
                weights,
                epi,
            } => {
                let c = self.shapes[*input].2;
                let cv = self.array.vectors(c);
                let packed = if self.tiles.is_some() {
                    vec![0; layout::dw_words(c, *k, self.array) * word]
                } else {
                    layout::pack_dw_weights(weights, c, *k, self.array)
                };
                let epi_bytes = layout::pack_epilogue(epi, cv * c_n);
                let chunks = split(cv, packed.len() / word / cv, c_n, &packed, &epi_bytes);
                WindowLayer {
                    op: Op::Dwconv,
                    input: *input,
                    k: *k,
                    stride: *stride,
                    clamp: epi.clamp,
                    chunks,
                }
            }
            Layer::Gap {
                input,
                requant,
                clamp,
            } => {
                let c = self.shapes[*input].2;
                let cv = self.array.vectors(c);
                let epi = int8::Epilogue {
                    bias: vec![0; c],
                    requant: requant.clone(),
                    clamp: *clamp,
                };
                let epi_bytes = layout::pack_epilogue(&epi, cv * c_n);
                let chunks = split(cv, 0, c_n, &[], &epi_bytes);
                WindowLayer {
                    op: Op::Gap,
                    input: *input,
                    k: 1,
                    stride: 1,
                    clamp: *clamp,
                    chunks,
                }
            }
            Layer::Add { .. } => return None,
        })
    }

    /// Loads a chunk's weights and epilogue entries into the next half (or the whole WMEM);
    /// returns the half and the DMA count the compute must wait for.
    fn load_chunk(&mut self, li: usize, chunk: &Chunk) -> Result<(usize, u32), CompileError> {
        let words = chunk.weights.len() / self.array.word_bytes();
        if words > 2 * self.wmem_half {
            return Err(CompileError::WeightChunk {
                layer: li,
                need: words,
                have: 2 * self.wmem_half,
            });
        }
        let whole = words > self.wmem_half;
        let half = if whole { 0 } else { self.next_half };
        self.next_half = if whole { 0 } else { half ^ 1 };
        let free_after = if whole {
            self.half_reader[0].max(self.half_reader[1])
        } else {
            self.half_reader[half]
        };
        if words > 0 && self.tiles.is_some() {
            self.load_chunk_tiles(li, chunk, half * self.wmem_half, words, free_after)?;
        } else if words > 0 {
            let off = align_up(self.params.len());
            self.params.resize(off, 0);
            self.params.extend_from_slice(&chunk.weights);
            self.weight_bytes += chunk.weights.len();
            self.e
                .push(Op::LoadW, free_after, one_row(half * self.wmem_half, words));
            self.dram_refs
                .push((self.e.commands.len() - 1, Section::Params, off));
        }
        let off = align_up(self.params.len());
        self.params.resize(off, 0);
        self.params.extend_from_slice(&chunk.epi);
        let entries = chunk.epi.len() / commands::EPI_ENTRY_BYTES;
        // The DMA engine runs in order, so waiting for the EPI load covers the weight load too.
        let need = self.e.push(
            Op::LoadEpi,
            free_after,
            one_row(half * self.epi_half, entries),
        );
        self.dram_refs
            .push((self.e.commands.len() - 1, Section::Params, off));
        Ok((half, need))
    }

    /// Fills WMEM words `wmem0 .. wmem0 + words` with a chunk's tiles, in the order the compute
    /// engine reads them (the compact packed order): each word from its PB word when the tile is
    /// cached (`COPY_PB`), else from the tile image (`LOAD_W`, or `LOAD_W_PB` when the deposit
    /// list keeps the tile in the PB too). Every command waits for the half's
    /// last reader like the plain load; the DMA engine runs in order, so the chunk's `LOAD_EPI`,
    /// emitted after these, still marks the whole chunk as loaded.
    fn load_chunk_tiles(
        &mut self,
        li: usize,
        chunk: &Chunk,
        wmem0: usize,
        words: usize,
        free_after: u32,
    ) -> Result<(), CompileError> {
        let src = self.tiles.expect("called with a tile source");
        let tbox = src.boxes.get(li).copied().flatten().ok_or_else(|| {
            CompileError::TileImage(format!("layer {li} has weights but no tile box"))
        })?;
        let tiles: Vec<TileId> = tbox
            .tiles_of(chunk.first..chunk.first + chunk.count)
            .collect();
        if tiles.len() != words {
            return Err(CompileError::TileImage(format!(
                "layer {li}: the chunk packs {words} words, its box gives {} tiles",
                tiles.len()
            )));
        }
        let (mut from_pb, mut from_dram, mut deposited) = (Vec::new(), Vec::new(), Vec::new());
        for (i, &t) in tiles.iter().enumerate() {
            let dst = (wmem0 + i) as u64;
            match (src.pb.word_of(t), src.deposit.and_then(|d| d.word_of(t))) {
                (Some(w), _) => from_pb.push((u64::from(w), dst)),
                (None, Some(w)) => deposited.push((u64::from(t), dst, u64::from(w))),
                (None, None) => from_dram.push((u64::from(t), dst)),
            }
        }
        let wb = self.array.word_bytes() as u64;
        let limits = RunLimits::load(wb as usize);
        for d in merge_deposit_runs(&deposited, limits, DEPOSIT_PB_STRIDE_MAX) {
            let r = d.run;
            let load = Dma {
                dram_addr: 0,
                sram_addr: narrow(r.dst),
                count: narrow(r.count),
                rows: narrow(r.rows),
                dram_stride: narrow(r.src_stride * wb),
                sram_stride: narrow(r.dst_stride),
            };
            let deposit = LoadWPb::from_load(&load, narrow(d.pb), narrow(d.pb_stride));
            self.e.push(Op::LoadWPb, free_after, deposit);
            self.dram_refs.push((
                self.e.commands.len() - 1,
                Section::TileImage,
                (r.src * wb) as usize,
            ));
            self.weight_bytes += (r.units() * wb) as usize;
            self.deposited_bytes += (r.units() * wb) as usize;
        }
        for r in merge_runs(&from_dram, limits) {
            let load = Dma {
                dram_addr: 0,
                sram_addr: narrow(r.dst),
                count: narrow(r.count),
                rows: narrow(r.rows),
                dram_stride: narrow(r.src_stride * wb),
                sram_stride: narrow(r.dst_stride),
            };
            self.e.push(Op::LoadW, free_after, load);
            self.dram_refs.push((
                self.e.commands.len() - 1,
                Section::TileImage,
                (r.src * wb) as usize,
            ));
            self.weight_bytes += (r.units() * wb) as usize;
        }
        for r in merge_runs(&from_pb, RunLimits::copy()) {
            let copy = CopyPb {
                pb_addr: narrow(r.src),
                wmem_addr: narrow(r.dst),
                count: narrow(r.count),
                rows: narrow(r.rows),
                pb_stride: narrow(r.src_stride),
                wmem_stride: narrow(r.dst_stride),
            };
            self.e.push(Op::CopyPb, free_after, copy);
            self.pb_bytes += (r.units() * wb) as usize;
        }
        Ok(())
    }

    /// Emits one windowed compute over output rows `[row0, row0 + rows)`.
    #[allow(clippy::too_many_arguments)]
    fn compute(
        &mut self,
        li: usize,
        w: &WindowLayer,
        chunk: &Chunk,
        half: usize,
        wait: u32,
        input: Band,
        output: Band,
        row0: usize,
    ) -> Result<u32, CompileError> {
        let (r_n, c_n) = (self.array.rows, self.array.cols);
        let (ih, iw, _) = self.shapes[w.input];
        // CONV chunks split output groups and read every input vector; DWCONV and GAP chunks
        // split channel vectors on both sides.
        let (out_vec, in_vec) = if w.op == Op::Conv {
            (chunk.first * r_n / c_n, 0)
        } else {
            (chunk.first, chunk.first)
        };
        let fields = Window {
            in_addr: narrow(input.place.base + in_vec * r_n),
            kernel: narrow(w.k),
            stride: narrow(w.stride),
            in_h: field_limit(li, "input height", ih)?,
            in_w: field_limit(li, "input width", iw)?,
            in_cv: field_limit(li, "input channel vectors", input.place.cv)?,
            in_row0: field_limit(li, "input band row", input.place.row0)?,
            out_addr: narrow(output.place.base + out_vec * r_n),
            out_cv: field_limit(li, "output channel vectors", output.place.cv)?,
            out_row0: field_limit(li, "output band row", row0)?,
            out_rows: field_limit(li, "output rows", output.rows)?,
            groups: field_limit(li, "groups", chunk.count)?,
            // Vectors past the input's real channels hold only padding: CONV skips them.
            in_vectors: if w.op == Op::Conv {
                narrow(self.shapes[w.input].2.div_ceil(c_n).min(input.place.cv))
            } else {
                0
            },
            w_addr: narrow(half * self.wmem_half),
            epi_addr: narrow(half * self.epi_half),
            clamp_lo: w.clamp.lo,
            clamp_hi: w.clamp.hi,
        };
        let done = self.e.push(w.op, wait, fields);
        self.half_reader[half] = done;
        if chunk.weights.len() / self.array.word_bytes() > self.wmem_half {
            self.half_reader[half ^ 1] = done;
        }
        Ok(done)
    }

    fn add_fields(&self, a: usize, b: usize, out: usize, vectors: usize, layer: &Layer) -> Add {
        let Layer::Add {
            ma, mb, s, clamp, ..
        } = layer
        else {
            unreachable!("add_fields of an ADD")
        };
        Add {
            a_addr: narrow(a),
            b_addr: narrow(b),
            out_addr: narrow(out),
            vectors: narrow(vectors),
            ma: *ma,
            mb: *mb,
            shift: *s,
            clamp_lo: clamp.lo,
            clamp_hi: clamp.hi,
        }
    }
}

/// Compiles `net` for `config`: every tensor on chip when the live ones fit in ACT, row bands
/// through DRAM otherwise.
pub fn compile(
    net: &Network,
    config: &HwConfig,
    outputs: Outputs,
) -> Result<Program, CompileError> {
    compile_any(net, config, outputs, None)
}

fn compile_any(
    net: &Network,
    config: &HwConfig,
    outputs: Outputs,
    tiles: Option<&TileSource<'_>>,
) -> Result<Program, CompileError> {
    // A first convolution on a thin input runs as a pointwise one on the unrolled input; a tile
    // image lays that layer's weights out unrolled under the same rule (`TileLayout::unrolled`).
    let unrolled = unroll_first_layer(net, Array::of(config));
    if let Some(src) = tiles
        && src.layout.first_layer_unrolled() != unrolled.is_some()
    {
        return Err(CompileError::TileImage(
            "the tile image and the compiler disagree on unrolling the first layer".into(),
        ));
    }
    let (lowered, unroll) = match &unrolled {
        Some((n, u)) => (n, Some(*u)),
        None => (net, None),
    };
    let mut program = match compile_mode(lowered, config, outputs, false, tiles) {
        Err(CompileError::ActOverflow { .. }) => {
            compile_mode(lowered, config, outputs, true, tiles)
        }
        other => other,
    }?;
    if let Some(u) = unroll {
        program.input_shape = u.input;
        program.input_unroll = Some(u);
    }
    Ok(program)
}

/// Checks that a tile layout and a PB map can serve programs for `config`.
fn check_tiles(layout: &TileLayout, pb: &PbMap, config: &HwConfig) -> Result<(), CompileError> {
    let array = Array::of(config);
    if layout.array() != array {
        return Err(CompileError::TileImage(format!(
            "built for a {}x{} array, config `{}` has {}x{}",
            layout.array().rows,
            layout.array().cols,
            config.name,
            array.rows,
            array.cols
        )));
    }
    if pb.layout_id().is_some_and(|id| id != layout.id()) {
        return Err(CompileError::TileImage(
            "the PB map holds tiles of another tile image; invalidate it and refill".into(),
        ));
    }
    let pb_words = config.spec.buffers.pb_bytes / array.word_bytes() as u64;
    if u64::from(pb.words()) > pb_words {
        return Err(CompileError::TileImage(format!(
            "the PB map has {} words, config `{}`'s PB {pb_words}",
            pb.words(),
            config.name
        )));
    }
    Ok(())
}

/// Compiles SubNet `index` of `net` against its tile image and the current PB map: the same
/// network, chunks, ACT allocation and waits as [`compile`] of `net.network(index)`, but each
/// chunk's WMEM words come from the PB where `pb` caches their tile and from the tile image in
/// DRAM otherwise (`COPY_PB` and 2-D `LOAD_W`, contract `hw/docs/persistent-buffer.md` section 1).
/// The program's image holds no weights; its tile-image addresses are relocated separately
/// ([`Program::relocated_image_with`]). The PB must hold what `pb` says when the program runs.
pub fn compile_subnet(
    net: &SuperNet,
    index: usize,
    image: &impl AsRef<TileLayout>,
    pb: &PbMap,
    config: &HwConfig,
    outputs: Outputs,
) -> Result<Program, CompileError> {
    compile_subnet_prefix(net, index, usize::MAX, image, pb, config, outputs)
}

/// [`compile_subnet`] of the SubNet's first `layers` layers (all of them when `layers` is larger):
/// per-layer measurements charge each layer the difference between two prefixes.
pub fn compile_subnet_prefix(
    net: &SuperNet,
    index: usize,
    layers: usize,
    image: &impl AsRef<TileLayout>,
    pb: &PbMap,
    config: &HwConfig,
    outputs: Outputs,
) -> Result<Program, CompileError> {
    let (network, source) = subnet_source(net, index, layers, image.as_ref(), pb, config)?;
    compile_any(&network, config, outputs, Some(&source))
}

/// SubNet `index`'s network (its first `layers` layers) and where its weights come from.
fn subnet_source<'a>(
    net: &SuperNet,
    index: usize,
    layers: usize,
    layout: &'a TileLayout,
    pb: &'a PbMap,
    config: &HwConfig,
) -> Result<(Network, TileSource<'a>), CompileError> {
    check_tiles(layout, pb, config)?;
    let mut network = net
        .network(index)
        .map_err(|message| CompileError::SubNet { index, message })?;
    let mut boxes = layout.layer_boxes(net, index)?;
    if layers < network.layers.len() {
        network = network.prefix(layers);
        boxes.truncate(layers);
    }
    let source = TileSource {
        layout,
        pb,
        boxes,
        deposit: None,
    };
    if source.boxes.len() != network.layers.len() {
        return Err(CompileError::TileImage(format!(
            "SubNet {index} has {} layers, its tile boxes {}",
            network.layers.len(),
            source.boxes.len()
        )));
    }
    Ok((network, source))
}

/// [`compile_subnet`], whose weight loads also deposit the tiles listed in `deposit` into their PB
/// words (`LOAD_W_PB`, contract `hw/docs/persistent-buffer.md` section 4): a chunk's streamed tiles
/// that `deposit` lists load in `LOAD_W_PB` runs, the others in plain `LOAD_W` runs, and the cached
/// ones still come from the PB (`COPY_PB`). After the program has run, the PB holds `pb` with each
/// deposited tile in its word ([`PbMap::plan_deposits`] plans a list and the map afterwards).
///
/// The list is refused ([`DepositError`]) unless every entry is a tile the SubNet streams (it
/// uses it and `pb` does not cache it), into a word inside the PB that the program does not copy
/// from (a word holding a tile the SubNet uses), each tile and each word named once: so the
/// program reads exactly what `pb` says, and no deposit goes unwritten.
pub fn compile_subnet_depositing(
    net: &SuperNet,
    index: usize,
    image: &impl AsRef<TileLayout>,
    pb: &PbMap,
    deposit: &Deposit,
    config: &HwConfig,
    outputs: Outputs,
) -> Result<Program, CompileError> {
    let (network, mut source) = subnet_source(net, index, usize::MAX, image.as_ref(), pb, config)?;
    let used: std::collections::HashSet<TileId> = source
        .boxes
        .iter()
        .flatten()
        .flat_map(TileBox::tiles)
        .collect();
    let pb_words = pb.words();
    let (mut tiles, mut words) = (
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    );
    for &(tile, word) in &deposit.moves {
        if word >= pb_words {
            return Err(DepositError::OutsidePb { word, pb_words }.into());
        }
        if !tiles.insert(tile) {
            return Err(DepositError::Repeated {
                what: "tile",
                value: tile,
            }
            .into());
        }
        if !words.insert(word) {
            return Err(DepositError::Repeated {
                what: "PB word",
                value: word,
            }
            .into());
        }
        let cached = pb.word_of(tile).is_some();
        if cached || !used.contains(&tile) {
            return Err(DepositError::NotStreamed {
                tile,
                subnet: index,
                cached,
            }
            .into());
        }
        if let Some(holds) = pb.tile_at(word)
            && used.contains(&holds)
        {
            return Err(DepositError::Hazard { word, holds, tile }.into());
        }
    }
    // `Deposit::word_of` searches by tile: a list built by hand may come in any order.
    let sorted = Deposit::new(deposit.moves.clone());
    source.deposit = Some(&sorted);
    compile_any(&network, config, outputs, Some(&source))
}

/// Compiles a refill into a small program: its `LOAD_PB` commands (2-D, merged runs) and `END`.
/// Its addresses are all in the tile image ([`Program::relocated_image_with`]).
pub fn compile_refill(
    refill: &Refill,
    image: &impl AsRef<TileLayout>,
    config: &HwConfig,
) -> Result<Program, CompileError> {
    let layout = image.as_ref();
    let array = Array::of(config);
    check_tiles(layout, &PbMap::new(0), config)?;
    let pb_words = config.spec.buffers.pb_bytes / array.word_bytes() as u64;
    let wb = array.word_bytes() as u64;
    if refill.word_bytes as u64 != wb {
        return Err(CompileError::TileImage(format!(
            "the refill moves {}-byte words, config `{}` has {wb}",
            refill.word_bytes, config.name
        )));
    }
    let mut e = Emitter {
        commands: Vec::new(),
        dma_done: 0,
        compute_done: 0,
    };
    let mut relocs = Vec::new();
    for r in refill.runs() {
        let last = r.dst + (r.rows - 1) * r.dst_stride + r.count;
        let end = r.src + (r.rows - 1) * r.src_stride + r.count;
        if last > pb_words || end > layout.len() as u64 {
            return Err(CompileError::TileImage(format!(
                "a refill run reaches PB word {last} of {pb_words} or tile {end} of {}",
                layout.len()
            )));
        }
        let fill = Dma {
            dram_addr: narrow(r.src * wb),
            sram_addr: narrow(r.dst),
            count: narrow(r.count),
            rows: narrow(r.rows),
            dram_stride: narrow(r.src_stride * wb),
            sram_stride: narrow(r.dst_stride),
        };
        e.push(Op::LoadPb, 0, fill);
        relocs.push(Reloc::TileImage);
    }
    e.push(Op::End, 0, Control);
    relocs.push(Reloc::None);
    let mut image = vec![0u8; align_up(e.commands.len() * commands::COMMAND_BYTES)];
    for (i, c) in e.commands.iter().enumerate() {
        image[i * commands::COMMAND_BYTES..(i + 1) * commands::COMMAND_BYTES]
            .copy_from_slice(&c.to_bytes());
    }
    Ok(Program {
        image,
        commands: e.commands,
        input_offset: 0,
        input_shape: (0, 0, 0),
        input_unroll: None,
        outputs: Vec::new(),
        array,
        weight_bytes: 0,
        pb_bytes: 0,
        deposited_bytes: 0,
        relocs,
        tile_image: Some(layout.id()),
    })
}

fn compile_mode(
    net: &Network,
    config: &HwConfig,
    outputs: Outputs,
    banded: bool,
    tiles: Option<&TileSource<'_>>,
) -> Result<Program, CompileError> {
    let shapes = net.shapes()?;
    let array = Array::of(config);
    let c_n = array.cols;
    let mut cx = Ctx {
        net,
        shapes: shapes.clone(),
        config,
        array,
        act_vectors: config.spec.buffers.activation_bytes as usize / c_n,
        wmem_half: config.spec.buffers.weight_staging_bytes as usize / array.word_bytes() / 2,
        epi_half: config.spec.buffers.epilogue_entries as usize / 2,
        e: Emitter {
            commands: Vec::new(),
            dma_done: 0,
            compute_done: 0,
        },
        params: Vec::new(),
        dram_refs: Vec::new(),
        half_reader: [0; 2],
        next_half: 0,
        weight_bytes: 0,
        tiles,
        pb_bytes: 0,
        deposited_bytes: 0,
    };
    let n_tensors = shapes.len();
    let last = n_tensors - 1;
    let stored_ids: Vec<TensorId> = match outputs {
        Outputs::All => (1..n_tensors).collect(),
        Outputs::Last => vec![last],
        Outputs::None => vec![],
    };
    // DRAM homes of tensors (offsets in the Tensors section); the input has its own section.
    let mut home = vec![0usize; n_tensors];
    let mut tensor_section = 0usize;
    for t in 1..n_tensors {
        if banded || stored_ids.contains(&t) {
            home[t] = tensor_section;
            tensor_section = align_up(tensor_section + cx.vectors_of(shapes[t]) * c_n);
        }
    }
    let in_vectors = cx.vectors_of(shapes[0]);

    if banded {
        emit_banded(&mut cx, &home)?;
    } else {
        emit_resident(&mut cx, &home, &stored_ids)?;
    }
    cx.e.push(Op::End, 0, Control);

    // Lay out the image: commands | params | input | tensors.
    let cmd_bytes = align_up(cx.e.commands.len() * commands::COMMAND_BYTES);
    let params_off = cmd_bytes;
    let input_off = align_up(params_off + cx.params.len());
    let tensors_off = align_up(input_off + in_vectors * c_n);
    let mut relocs: Vec<Reloc> =
        cx.e.commands
            .iter()
            .map(|c| {
                let dma = c
                    .op()
                    .is_some_and(|o| matches!(o.format(), Format::Dma | Format::Deposit));
                if dma { Reloc::Image } else { Reloc::None }
            })
            .collect();
    for &(ci, section, off) in &cx.dram_refs {
        let base = match section {
            Section::Params => params_off,
            Section::Input => input_off,
            Section::Tensors => tensors_off,
            Section::TileImage => {
                relocs[ci] = Reloc::TileImage;
                0
            }
        };
        set_dram_addr(&mut cx.e.commands[ci], narrow(base + off));
    }
    let mut image = vec![0u8; tensors_off + tensor_section];
    for (i, c) in cx.e.commands.iter().enumerate() {
        image[i * commands::COMMAND_BYTES..(i + 1) * commands::COMMAND_BYTES]
            .copy_from_slice(&c.to_bytes());
    }
    image[params_off..params_off + cx.params.len()].copy_from_slice(&cx.params);
    Ok(Program {
        image,
        commands: cx.e.commands,
        input_offset: input_off,
        input_shape: shapes[0],
        input_unroll: None,
        outputs: stored_ids
            .into_iter()
            .map(|t| StoredTensor {
                tensor: t,
                offset: tensors_off + home[t],
                shape: shapes[t],
            })
            .collect(),
        array,
        weight_bytes: cx.weight_bytes,
        pb_bytes: cx.pb_bytes,
        deposited_bytes: cx.deposited_bytes,
        relocs,
        tile_image: tiles.map(|t| t.layout.id()),
    })
}

/// Every tensor on chip: allocate by liveness, load the input once, store what is asked for.
fn emit_resident(
    cx: &mut Ctx<'_>,
    home: &[usize],
    stored_ids: &[TensorId],
) -> Result<(), CompileError> {
    let shapes = cx.shapes.clone();
    let (r_n, c_n) = (cx.array.rows, cx.array.cols);
    let n_tensors = shapes.len();
    let mut last_use = vec![0usize; n_tensors];
    for (i, layer) in cx.net.layers.iter().enumerate() {
        for t in layer.inputs() {
            last_use[t] = last_use[t].max(i);
        }
    }
    let mut alloc = ActAlloc {
        free: vec![(0, cx.act_vectors)],
    };
    let mut place: Vec<Option<TensorPlace>> = vec![None; n_tensors];
    let mut stores: Vec<(usize, usize, u32)> = Vec::new(); // (first vector, vectors, DMA count when done)
    let mut ready = vec![0u32; n_tensors]; // DMA count a reader of the tensor waits for
    let allocate = |cx: &Ctx<'_>,
                    alloc: &mut ActAlloc,
                    layer: usize,
                    t: TensorId|
     -> Result<TensorPlace, CompileError> {
        let n = cx.vectors_of(shapes[t]);
        let base = alloc
            .alloc(n, r_n)
            .ok_or_else(|| CompileError::ActOverflow {
                layer,
                need: n * c_n,
                have: cx.act_vectors * c_n,
                config: cx.config.name.clone(),
            })?;
        Ok(TensorPlace {
            base,
            w: shapes[t].1,
            cv: cx.array.vectors(shapes[t].2),
            row0: 0,
        })
    };
    let p0 = allocate(cx, &mut alloc, 0, 0)?;
    ready[0] =
        cx.e.push(Op::LoadAct, 0, one_row(p0.base, cx.vectors_of(shapes[0])));
    cx.dram_refs
        .push((cx.e.commands.len() - 1, Section::Input, 0));
    place[0] = Some(p0);

    for li in 0..cx.net.layers.len() {
        let out = li + 1;
        let op = allocate(cx, &mut alloc, li, out)?;
        let out_vectors = cx.vectors_of(shapes[out]);
        // Wait for loads of the inputs and for stores still reading the region being written.
        let mut wait = stores
            .iter()
            .filter(|(s, len, _)| *s < op.base + out_vectors && op.base < s + len)
            .map(|&(_, _, d)| d)
            .max()
            .unwrap_or(0);
        let layer = &cx.net.layers[li];
        for t in layer.inputs() {
            wait = wait.max(ready[t]);
        }
        let band = |p: TensorPlace, t: TensorId| Band {
            place: p,
            rows: shapes[t].0,
        };
        match cx.window_layer(li) {
            Some(w) => {
                let ip = place[w.input].expect("inputs are placed before use");
                for chunk in &w.chunks {
                    let (half, need) = cx.load_chunk(li, chunk)?;
                    cx.compute(
                        li,
                        &w,
                        chunk,
                        half,
                        wait.max(need),
                        band(ip, w.input),
                        band(op, out),
                        0,
                    )?;
                }
            }
            None => {
                let (a, b) = match layer {
                    Layer::Add { a, b, .. } => (*a, *b),
                    _ => unreachable!("only ADD is not windowed"),
                };
                let (pa, pb) = (place[a].expect("placed"), place[b].expect("placed"));
                let fields = cx.add_fields(pa.base, pb.base, op.base, out_vectors, layer);
                cx.e.push(Op::Add, wait, fields);
            }
        }
        place[out] = Some(op);
        if stored_ids.contains(&out) {
            let produced_by = cx.e.compute_done;
            let idx =
                cx.e.push(Op::StoreAct, produced_by, one_row(op.base, out_vectors));
            cx.dram_refs
                .push((cx.e.commands.len() - 1, Section::Tensors, home[out]));
            stores.push((op.base, out_vectors, idx));
        }
        for t in cx.net.layers[li].inputs() {
            if last_use[t] == li {
                let p = place[t].expect("placed");
                alloc.release(p.base, cx.vectors_of(shapes[t]), r_n);
            }
        }
        if last_use[out] == 0 && out != n_tensors - 1 {
            alloc.release(op.base, out_vectors, r_n);
        }
    }
    Ok(())
}

/// Every tensor in DRAM; each layer in row bands through alternating halves of ACT.
fn emit_banded(cx: &mut Ctx<'_>, home: &[usize]) -> Result<(), CompileError> {
    let shapes = cx.shapes.clone();
    let r_n = cx.array.rows;
    let c_n = cx.array.cols;
    let half_vectors = (cx.act_vectors / 2) / r_n * r_n;
    let mut band_reader = [0u32; 2]; // per ACT half: the compute count to reach before reloading it
    let mut next_band_half = 0usize;
    // DRAM location of tensor rows: (section, offset of row 0).
    let loc = |t: TensorId| {
        if t == 0 {
            (Section::Input, 0)
        } else {
            (Section::Tensors, home[t])
        }
    };

    for li in 0..cx.net.layers.len() {
        let out = li + 1;
        let (oh, ow, oc) = shapes[out];
        let out_rowv = cx.row_vectors(shapes[out]);
        let out_cv = cx.array.vectors(oc);
        let out_place = |base: usize, row0: usize| TensorPlace {
            base,
            w: ow,
            cv: out_cv,
            row0,
        };
        let layer = cx.net.layers[li].clone();
        match cx.window_layer(li) {
            Some(w) => {
                let (ih, iw, ic) = shapes[w.input];
                let in_rowv = cx.row_vectors(shapes[w.input]);
                let pad = w.k / 2;
                let gap = w.op == Op::Gap; // one output row from every input row: never split
                let in_rows_for = |y0: usize, n: usize| {
                    if gap {
                        return (0, ih);
                    }
                    let lo = (y0 * w.stride).saturating_sub(pad);
                    let hi = ((y0 + n - 1) * w.stride + w.k - pad).min(ih);
                    (lo, hi)
                };
                // The most output rows whose input band (with its halo) and output band fit half of ACT.
                let band_need = |n: usize| {
                    let in_rows = if gap {
                        ih
                    } else {
                        ((n - 1) * w.stride + w.k).min(ih)
                    };
                    in_rows * in_rowv + n * out_rowv
                };
                let rows = (1..=oh)
                    .take_while(|&n| band_need(n) <= half_vectors)
                    .last()
                    .unwrap_or(0);
                if rows == 0 && gap {
                    return Err(CompileError::GapTooLarge {
                        layer: li,
                        need: band_need(1) * c_n,
                        have: half_vectors * c_n,
                    });
                }
                if rows == 0 {
                    return Err(CompileError::ActOverflow {
                        layer: li,
                        need: band_need(1) * c_n,
                        have: half_vectors * c_n,
                        config: cx.config.name.clone(),
                    });
                }
                // Bands outside, chunks inside: a band's store writes every channel vector of its
                // rows, so all chunks of the band must be computed first. A single chunk's
                // weights are loaded once for all bands; several chunks are reloaded per band.
                let single = if w.chunks.len() == 1 {
                    Some(cx.load_chunk(li, &w.chunks[0])?)
                } else {
                    None
                };
                let mut y0 = 0;
                while y0 < oh {
                    let n = rows.min(oh - y0);
                    let (lo, hi) = in_rows_for(y0, n);
                    let hb = next_band_half;
                    next_band_half ^= 1;
                    let base = hb * half_vectors;
                    let (section, off) = loc(w.input);
                    let load = cx.e.push(
                        Op::LoadAct,
                        band_reader[hb],
                        one_row(base, (hi - lo) * in_rowv),
                    );
                    cx.dram_refs
                        .push((cx.e.commands.len() - 1, section, off + lo * in_rowv * c_n));
                    let in_band = Band {
                        place: TensorPlace {
                            base,
                            w: iw,
                            cv: cx.array.vectors(ic),
                            row0: lo,
                        },
                        rows: hi - lo,
                    };
                    let out_base = base + (hi - lo) * in_rowv;
                    let out_band = Band {
                        place: out_place(out_base, y0),
                        rows: n,
                    };
                    let mut done = 0;
                    for chunk in &w.chunks {
                        let (half, need) = match single {
                            Some(loaded) => loaded,
                            None => cx.load_chunk(li, chunk)?,
                        };
                        done =
                            cx.compute(li, &w, chunk, half, need.max(load), in_band, out_band, y0)?;
                    }
                    band_reader[hb] = done;
                    cx.e.push(Op::StoreAct, done, one_row(out_base, n * out_rowv));
                    cx.dram_refs.push((
                        cx.e.commands.len() - 1,
                        Section::Tensors,
                        home[out] + y0 * out_rowv * c_n,
                    ));
                    y0 += n;
                }
            }
            None => {
                let Layer::Add { a, b, .. } = layer else {
                    unreachable!("only ADD is not windowed")
                };
                let rows = (half_vectors / (3 * out_rowv)).min(oh);
                if rows == 0 {
                    return Err(CompileError::ActOverflow {
                        layer: li,
                        need: 3 * out_rowv * c_n,
                        have: half_vectors * c_n,
                        config: cx.config.name.clone(),
                    });
                }
                let mut y0 = 0;
                while y0 < oh {
                    let n = rows.min(oh - y0);
                    let hb = next_band_half;
                    next_band_half ^= 1;
                    let base = hb * half_vectors;
                    let v = n * out_rowv;
                    let mut need = 0;
                    for (i, t) in [a, b].into_iter().enumerate() {
                        let (section, off) = loc(t);
                        need =
                            cx.e.push(Op::LoadAct, band_reader[hb], one_row(base + i * v, v));
                        cx.dram_refs.push((
                            cx.e.commands.len() - 1,
                            section,
                            off + y0 * out_rowv * c_n,
                        ));
                    }
                    let fields = cx.add_fields(base, base + v, base + 2 * v, v, &layer);
                    let done = cx.e.push(Op::Add, need, fields);
                    band_reader[hb] = done;
                    cx.e.push(Op::StoreAct, done, one_row(base + 2 * v, v));
                    cx.dram_refs.push((
                        cx.e.commands.len() - 1,
                        Section::Tensors,
                        home[out] + y0 * out_rowv * c_n,
                    ));
                    y0 += n;
                }
            }
        }
    }
    Ok(())
}
