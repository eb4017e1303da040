//! Weight tiles (`hw/docs/persistent-buffer.md`, sections 1-2): the SuperNet tile image,
//! SubGraphs as sets of tiles (`shared`, `bytes`), and the best SubGraph for a SubNet at a PB size.
//!
//! A *tile* is one WMEM word (`R * C` int8 weights). The tile image lays every weight slot of the
//! SuperNet out at full size in the tile-major order the compute engine reads, so that the
//! weights of any SubNet's layer are a box at the origin of its slot's tile grid, byte for byte
//! (contract section 2). That is what makes sharing exact: a tile cached in the PB for one
//! SubGraph is the same bytes for every SubNet that uses it.

use std::collections::HashMap;
use std::ops::Range;

use crate::compile::layout::{self, Array};
use crate::net::supernet::{Role, SlotKind, SuperNet, fnv1a64};

/// Index of a tile in a [`TileLayout`]; its bytes sit at `id * R * C` in the tile image.
pub type TileId = u32;

/// Why a SubGraph cannot be used or placed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PbError {
    /// The SubGraph has more tiles than the PB has words.
    #[error(
        "the SubGraph needs {need} PB words ({} bytes), the PB holds {have} words ({} bytes); choose a smaller SubGraph",
        need * word_bytes,
        have * word_bytes
    )]
    TooLarge {
        /// Words (tiles) the SubGraph needs.
        need: usize,
        /// Words the PB has.
        have: usize,
        /// Bytes per word (`R * C`).
        word_bytes: usize,
    },
    /// A config vector does not describe a SubGraph of this SuperNet.
    #[error("config vector {config:?}: {message}")]
    BadConfig {
        /// The vector.
        config: Vec<u16>,
        /// What is wrong.
        message: String,
    },
    /// A SubNet's layers do not match the tile layout (a different artifact or a bug).
    #[error("SubNet {index}: {message}")]
    SubNet {
        /// SubNet index.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A plan against the PB map would be about another tile layout's tiles.
    #[error("the PB map holds tiles of another tile layout; invalidate it before planning")]
    OtherLayout,
}

/// How a slot's tiles are indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridKind {
    /// `CONV`, pointwise and FC slots: tile `(g, t, v)`: output group, ring tap, input vector.
    Conv,
    /// `DWCONV` slots: tile `(v, b, 0)`: channel vector, tap block.
    Dw,
}

/// The tile grid of one weight slot at full size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotGrid {
    /// Layer slot of the SuperNet.
    pub slot: usize,
    /// Indexing.
    pub kind: GridKind,
    /// Extent of `(a, b, c)`: `(groups, taps, vectors)` or `(vectors, tap blocks, 1)`.
    pub dims: [usize; 3],
    /// Tile id of `(0, 0, 0)`; the grid's tiles are `first .. first + len` in `a, b, c` order.
    pub first: TileId,
}

impl SlotGrid {
    /// Tiles in the grid.
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }

    /// Whether the grid has no tiles (never for a weight slot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Tile id of `(a, b, c)`, or None outside the grid.
    pub fn tile(&self, a: usize, b: usize, c: usize) -> Option<TileId> {
        let [da, db, dc] = self.dims;
        (a < da && b < db && c < dc).then(|| self.first + ((a * db + b) * dc + c) as TileId)
    }
}

/// A layer's tiles: the box `[0, dims[0]) x [0, dims[1]) x [0, dims[2])` at the origin of its
/// slot's grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileBox {
    /// The slot's grid.
    pub grid: SlotGrid,
    /// Extent used by the layer, each at most the grid's.
    pub dims: [usize; 3],
}

impl TileBox {
    /// Tiles in the box.
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }

    /// Whether the box is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tiles of rows `a` (output groups of a `CONV`, channel vectors of a `DWCONV`) in the
    /// order the compute engine reads them from WMEM, which is the order the compact packing
    /// (`layout::pack_conv_weights`, `pack_dw_weights`) writes: `a`, then `b`, then `c`.
    pub fn tiles_of(&self, a: Range<usize>) -> impl Iterator<Item = TileId> + '_ {
        let [_, db, dc] = self.dims;
        a.flat_map(move |a| {
            (0..db).flat_map(move |b| {
                (0..dc).map(move |c| self.grid.tile(a, b, c).expect("box inside its grid"))
            })
        })
    }

    /// Every tile of the box, in ascending id order.
    pub fn tiles(&self) -> impl Iterator<Item = TileId> + '_ {
        self.tiles_of(0..self.dims[0])
    }
}

/// Channels and kernel of an executed weighted layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerDims {
    /// Output channels (`DWCONV`: channels).
    pub cout: usize,
    /// Input channels (`DWCONV`: 1).
    pub cin: usize,
    /// Kernel size (1 for pointwise and FC).
    pub k: usize,
}

/// What a config vector needs to know about a slot.
#[derive(Debug, Clone, Copy)]
struct SlotShape {
    kind: SlotKind,
    role: Role,
    kmax: usize,
    cin_max: usize,
    cout_max: usize,
    /// For an expand slot: (stage, block index within the stage).
    block: Option<(usize, usize)>,
    /// The stem, laid out unrolled: one tap of `k*k*cin` channels ([`crate::compile::unroll`]).
    unrolled: bool,
}

/// The tile grids of a SuperNet on an array: where every tile is, and which tiles a config vector
/// (a SubNet or a SubGraph) uses. Cheap to build (no weights); [`TileImage`] adds the bytes.
#[derive(Debug, Clone)]
pub struct TileLayout {
    array: Array,
    grids: Vec<Option<SlotGrid>>,
    slots: Vec<SlotShape>,
    stages: usize,
    block_slots: usize,
    /// Block slots of each stage.
    stage_blocks: Vec<usize>,
    tiles: usize,
    id: u64,
}

impl AsRef<TileLayout> for TileLayout {
    fn as_ref(&self) -> &TileLayout {
        self
    }
}

/// The element-wise minimum of two config vectors: the SubGraph whose tiles both share
/// (contract section 2). Boxes sit at the origin and every width, depth and kernel is monotone in
/// its config entry, so the boxes of the minimum are the intersections of the two boxes.
pub fn shared(s: &[u16], g: &[u16]) -> Vec<u16> {
    assert_eq!(s.len(), g.len(), "config vectors of one SuperNet");
    s.iter().zip(g).map(|(&a, &b)| a.min(b)).collect()
}

impl TileLayout {
    /// The grids of every weight slot of `net`, in slot order, for `array`.
    pub fn new(net: &SuperNet, array: Array) -> Self {
        let (r_n, c_n) = (array.rows, array.cols);
        let mut grids = Vec::with_capacity(net.slots.len());
        let mut slots = Vec::with_capacity(net.slots.len());
        let mut next: usize = 0;
        let mut blocks_in_stage: HashMap<u8, usize> = HashMap::new();
        for (si, s) in net.slots.iter().enumerate() {
            // The compiler unrolls a first convolution of the input under this same rule.
            let unrolled = si == 0
                && s.kind == SlotKind::Conv
                && crate::compile::unroll::pays(s.kmax, s.cin_max, array);
            let grid = match s.kind {
                SlotKind::Conv if unrolled => Some((
                    GridKind::Conv,
                    [
                        s.cout_max.div_ceil(r_n),
                        1,
                        array.vectors(s.kmax * s.kmax * s.cin_max),
                    ],
                )),
                SlotKind::Conv | SlotKind::PwConv | SlotKind::Fc => Some((
                    GridKind::Conv,
                    [
                        s.cout_max.div_ceil(r_n),
                        s.kmax.max(1) * s.kmax.max(1),
                        array.vectors(s.cin_max),
                    ],
                )),
                SlotKind::DwConv => Some((
                    GridKind::Dw,
                    [
                        array.vectors(s.cout_max),
                        (s.kmax * s.kmax).div_ceil(r_n),
                        1,
                    ],
                )),
                SlotKind::Gap | SlotKind::Add => None,
            };
            grids.push(grid.map(|(kind, dims)| {
                let g = SlotGrid {
                    slot: si,
                    kind,
                    dims,
                    first: next as TileId,
                };
                next += g.len();
                g
            }));
            let block = (s.role == Role::Expand).then(|| {
                let stage = s.stage.unwrap_or(u8::MAX);
                let n = blocks_in_stage.entry(stage).or_insert(0);
                *n += 1;
                (usize::from(stage), *n - 1)
            });
            slots.push(SlotShape {
                kind: s.kind,
                role: s.role,
                kmax: s.kmax,
                cin_max: s.cin_max,
                cout_max: s.cout_max,
                block,
                unrolled,
            });
        }
        assert!(
            next <= TileId::MAX as usize,
            "tile ids are 32-bit; {next} tiles"
        );
        debug_assert_eq!(c_n * (r_n / c_n), r_n);
        // The layout's identity: a PB map or a program refers to tiles of exactly this SuperNet
        // on exactly this array.
        let mut key = net.hash.to_le_bytes().to_vec();
        key.extend_from_slice(&(r_n as u64).to_le_bytes());
        key.extend_from_slice(&(c_n as u64).to_le_bytes());
        let mut stage_blocks = vec![0; net.stages];
        for s in &slots {
            if let Some((stage, index)) = s.block
                && stage < net.stages
            {
                stage_blocks[stage] = stage_blocks[stage].max(index + 1);
            }
        }
        TileLayout {
            array,
            grids,
            slots,
            stages: net.stages,
            block_slots: net.block_slots,
            stage_blocks,
            tiles: next,
            id: fnv1a64(&key),
        }
    }

    /// Whether the first slot (the stem) is laid out unrolled, as the compiler runs it.
    pub fn first_layer_unrolled(&self) -> bool {
        self.slots.first().is_some_and(|s| s.unrolled)
    }

    /// The array the tiles are shaped for.
    pub fn array(&self) -> Array {
        self.array
    }

    /// Identity of (SuperNet, array): equal layouts have equal ids.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Tiles in the whole image.
    pub fn len(&self) -> usize {
        self.tiles
    }

    /// Whether the SuperNet has no weights.
    pub fn is_empty(&self) -> bool {
        self.tiles == 0
    }

    /// Bytes of the whole tile image.
    pub fn image_bytes(&self) -> usize {
        self.tiles * self.array.word_bytes()
    }

    /// Byte offset of a tile in the tile image.
    pub fn offset(&self, tile: TileId) -> usize {
        tile as usize * self.array.word_bytes()
    }

    /// The grid of a slot (None for slots without weights or beyond the SuperNet).
    pub fn grid(&self, slot: usize) -> Option<&SlotGrid> {
        self.grids.get(slot).and_then(Option::as_ref)
    }

    /// Tile id of `(slot, a, b, c)` (contract section 2), None outside the slot's grid.
    pub fn tile(&self, slot: usize, a: usize, b: usize, c: usize) -> Option<TileId> {
        self.grid(slot)?.tile(a, b, c)
    }

    /// Length a config vector of this SuperNet has.
    pub fn config_len(&self) -> usize {
        self.stages + 2 * self.block_slots + 1
    }

    /// Channels and kernel of every executed weighted slot under `cfg` (None for skipped slots
    /// and slots without weights), following `host/docs/supernet-format.md` section 2.6: an
    /// expand ratio 0 skips the block; any other ratio runs all of it (a ratio of 1 still runs
    /// its expand layer, `cin -> cin`, as the shipped artifact's SubNets do).
    pub fn layer_dims(&self, cfg: &[u16]) -> Result<Vec<Option<LayerDims>>, PbError> {
        let bad = |message: String| PbError::BadConfig {
            config: cfg.to_vec(),
            message,
        };
        if cfg.len() != self.config_len() {
            return Err(bad(format!(
                "has {} entries, this SuperNet's have {}",
                cfg.len(),
                self.config_len()
            )));
        }
        let at = |i: usize| usize::from(cfg[i]);
        // Every stage runs at least one block: its first block changes the width, so a stage
        // of depth 0 would feed the next stage a width its slots were not trained (or tiled)
        // for, and boxes would stop being monotone in the config.
        for (stage, &blocks) in self.stage_blocks.iter().enumerate() {
            if !(1..=blocks).contains(&at(stage)) {
                return Err(bad(format!(
                    "stage {stage} has depth {}; it has {blocks} block slots and runs at least one",
                    at(stage)
                )));
            }
        }
        let head = at(self.stages + 2 * self.block_slots);
        let mut out = Vec::with_capacity(self.slots.len());
        let mut width = self.slots.first().map_or(0, |s| s.cin_max);
        let mut j = 0usize;
        // (expand ratio, kernel, hidden width) of the block being walked.
        let mut blk = (0usize, 0usize, 0usize);
        for (si, s) in self.slots.iter().enumerate() {
            let dims = match s.role {
                Role::Stem => {
                    let d = LayerDims {
                        cout: s.cout_max,
                        cin: width,
                        k: s.kmax,
                    };
                    width = s.cout_max;
                    Some(d)
                }
                Role::Expand => {
                    let (e, k) = (at(self.stages + 2 * j), at(self.stages + 2 * j + 1));
                    let (stage, index) = s.block.expect("expand slots know their block");
                    let depth = cfg.get(stage).map_or(0, |&d| usize::from(d));
                    if (e == 0) != (index >= depth) || (e == 0) != (k == 0) {
                        return Err(bad(format!(
                            "block slot {j} (block {index} of stage {stage}, depth {depth}) has expand ratio {e} and kernel {k}; a block is executed exactly when it is within the depth, with both non-zero"
                        )));
                    }
                    j += 1;
                    blk = (e, k, width * e);
                    if e > 0 && width * e > s.cout_max {
                        return Err(bad(format!(
                            "block slot {} expands {width} channels by {e}, the slot stores {}",
                            j - 1,
                            s.cout_max
                        )));
                    }
                    (e > 0).then_some(LayerDims {
                        cout: width * e,
                        cin: width,
                        k: 1,
                    })
                }
                Role::Dw => {
                    let (e, k, hidden) = blk;
                    if e > 0 && (k % 2 == 0 || k > s.kmax || hidden > s.cout_max) {
                        return Err(bad(format!(
                            "block slot {} has kernel {k} on {hidden} channels, the slot stores kernel {} on {}",
                            j - 1,
                            s.kmax,
                            s.cout_max
                        )));
                    }
                    (e > 0).then_some(LayerDims {
                        cout: hidden,
                        cin: 1,
                        k,
                    })
                }
                Role::Project => {
                    let (e, _, hidden) = blk;
                    (e > 0).then(|| {
                        let d = LayerDims {
                            cout: s.cout_max,
                            cin: hidden,
                            k: 1,
                        };
                        width = s.cout_max;
                        d
                    })
                }
                Role::Head => {
                    if head == 0 || head > s.cout_max {
                        return Err(bad(format!(
                            "head width {head}; the slot stores 1..={}",
                            s.cout_max
                        )));
                    }
                    let d = LayerDims {
                        cout: head,
                        cin: width,
                        k: 1,
                    };
                    width = head;
                    Some(d)
                }
                Role::Fc => Some(LayerDims {
                    cout: s.cout_max,
                    cin: width,
                    k: 1,
                }),
                Role::Add | Role::Gap => None,
            };
            if let Some(d) = dims
                && (d.cin > s.cin_max.max(1) && s.kind != SlotKind::DwConv)
            {
                return Err(bad(format!(
                    "slot {si} reads {} channels, it stores {}",
                    d.cin, s.cin_max
                )));
            }
            out.push(dims);
        }
        Ok(out)
    }

    fn box_of(&self, slot: usize, d: LayerDims) -> TileBox {
        let grid = *self.grid(slot).expect("a weighted slot has a grid");
        let (r_n, a) = (self.array.rows, self.array);
        let dims = match grid.kind {
            // A smaller stem kernel is a channel prefix of the unrolled one (taps in ring order).
            GridKind::Conv if self.slots[slot].unrolled => {
                [d.cout.div_ceil(r_n), 1, a.vectors(d.k * d.k * d.cin)]
            }
            GridKind::Conv => [d.cout.div_ceil(r_n), d.k * d.k, a.vectors(d.cin)],
            GridKind::Dw => [a.vectors(d.cout), (d.k * d.k).div_ceil(r_n), 1],
        };
        debug_assert!(dims.iter().zip(grid.dims).all(|(&x, g)| x <= g));
        TileBox { grid, dims }
    }

    /// The box of every executed weighted slot under `cfg`, per slot (contract section 2).
    pub fn boxes(&self, cfg: &[u16]) -> Result<Vec<Option<TileBox>>, PbError> {
        Ok(self
            .layer_dims(cfg)?
            .into_iter()
            .enumerate()
            .map(|(si, d)| d.map(|d| self.box_of(si, d)))
            .collect())
    }

    /// The tiles of a SubGraph (or SubNet) `cfg`: the union of its layers' boxes, ascending
    /// (tile-image order).
    pub fn tiles(&self, cfg: &[u16]) -> Result<Vec<TileId>, PbError> {
        let boxes = self.boxes(cfg)?;
        Ok(boxes.iter().flatten().flat_map(TileBox::tiles).collect())
    }

    /// Tiles of `cfg` without listing them.
    pub fn tile_count(&self, cfg: &[u16]) -> Result<usize, PbError> {
        Ok(self.boxes(cfg)?.iter().flatten().map(TileBox::len).sum())
    }

    /// `bytes(X) = tiles(X) * R * C`: what caching `cfg` takes in the PB, or what a SubNet
    /// streams from DRAM when nothing is cached.
    pub fn bytes(&self, cfg: &[u16]) -> Result<usize, PbError> {
        Ok(self.tile_count(cfg)? * self.array.word_bytes())
    }

    /// The box of every layer of `net.network(index)` (same indexing as its `layers`; None for
    /// layers without weights). Fails when the SubNet's layers do not follow its config vector.
    pub fn layer_boxes(
        &self,
        net: &SuperNet,
        index: usize,
    ) -> Result<Vec<Option<TileBox>>, PbError> {
        let err = |message: String| PbError::SubNet { index, message };
        let entry = net
            .subnets
            .get(index)
            .ok_or_else(|| err(format!("the artifact lists {}", net.subnets.len())))?;
        if net.slots.len() != self.slots.len() {
            return Err(err("the tile layout is of another SuperNet".into()));
        }
        let boxes = self.boxes(&entry.config)?;
        let mut out = Vec::new();
        // The walk of `SuperNet::network`: a slot is a layer when it has a node, and GAP always.
        for (si, slot) in net.slots.iter().enumerate() {
            let layer = entry.nodes[si].is_some() || slot.kind == SlotKind::Gap;
            let weighted = !matches!(slot.kind, SlotKind::Gap | SlotKind::Add);
            match (layer, weighted, boxes[si]) {
                (true, true, Some(b)) => out.push(Some(b)),
                (true, false, None) => out.push(None),
                (false, _, None) => {}
                (l, _, b) => {
                    return Err(err(format!(
                        "slot {si} is {}executed but its config {} it",
                        if l { "" } else { "not " },
                        if b.is_some() { "uses" } else { "does not use" }
                    )));
                }
            }
        }
        Ok(out)
    }
}

/// The SuperNet tile image of a hw config (contract section 2): every weight slot at full size,
/// in slot order, each slot's tiles in grid order, zero where a channel or tap does not exist.
/// Written to DRAM once; queries read it through `LOAD_W` and `LOAD_PB` and never rewrite it.
#[derive(Debug, Clone)]
pub struct TileImage {
    layout: TileLayout,
    data: Vec<u8>,
}

impl AsRef<TileLayout> for TileImage {
    fn as_ref(&self) -> &TileLayout {
        &self.layout
    }
}

impl TileImage {
    /// Lays out every weight slot of `net` for `array`.
    pub fn build(net: &SuperNet, array: Array) -> Self {
        let layout = TileLayout::new(net, array);
        let mut data = Vec::with_capacity(layout.image_bytes());
        for (si, s) in net.slots.iter().enumerate() {
            let Some(grid) = layout.grid(si) else {
                continue;
            };
            let w = &net.weights[s.weights.clone()];
            // A slot at full size packed like a layer is exactly its grid: groups of the full
            // output width, every tap of kmax in ring order, vectors of the full input width.
            let packed = match s.kind {
                SlotKind::Conv if layout.slots[si].unrolled => {
                    let unrolled =
                        crate::compile::unroll::unrolled_weights(w, s.cout_max, s.cin_max, s.kmax);
                    let channels = s.kmax * s.kmax * s.cin_max;
                    layout::pack_conv_weights(&unrolled, s.cout_max, channels, 1, array)
                }
                SlotKind::Conv => {
                    layout::pack_conv_weights(w, s.cout_max, s.cin_max, s.kmax, array)
                }
                SlotKind::PwConv | SlotKind::Fc => {
                    layout::pack_conv_weights(w, s.cout_max, s.cin_max, 1, array)
                }
                SlotKind::DwConv => layout::pack_dw_weights(w, s.cout_max, s.kmax, array),
                SlotKind::Gap | SlotKind::Add => unreachable!("no grid"),
            };
            assert_eq!(data.len(), layout.offset(grid.first));
            assert_eq!(packed.len(), grid.len() * array.word_bytes());
            data.extend_from_slice(&packed);
        }
        TileImage { layout, data }
    }

    /// The grids (and every question about tiles that needs no bytes).
    pub fn layout(&self) -> &TileLayout {
        &self.layout
    }

    /// The image as written to DRAM.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The `R * C` bytes of one tile.
    pub fn tile_bytes(&self, tile: TileId) -> &[u8] {
        let o = self.layout.offset(tile);
        &self.data[o..o + self.layout.array.word_bytes()]
    }

    /// Same as [`TileLayout::tiles`].
    pub fn tiles(&self, cfg: &[u16]) -> Result<Vec<TileId>, PbError> {
        self.layout.tiles(cfg)
    }

    /// Same as [`TileLayout::bytes`].
    pub fn bytes(&self, cfg: &[u16]) -> Result<usize, PbError> {
        self.layout.bytes(cfg)
    }
}

/// A set of tiles: ascending ids, no repeats, with a 64-bit fingerprint so that sets can key
/// memo tables cheaply (equality still compares the tiles).
#[derive(Debug, Clone)]
pub struct TileSet {
    tiles: Vec<TileId>,
    fingerprint: u64,
}

impl TileSet {
    /// The set of `tiles` (sorted and deduplicated here).
    pub fn new(mut tiles: Vec<TileId>) -> Self {
        tiles.sort_unstable();
        tiles.dedup();
        // FNV-1a over the ids, word by word.
        let fingerprint = tiles.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &t| {
            (h ^ u64::from(t)).wrapping_mul(0x0100_0000_01b3)
        });
        TileSet { tiles, fingerprint }
    }

    /// The tiles, ascending.
    pub fn tiles(&self) -> &[TileId] {
        &self.tiles
    }

    /// Tiles in the set.
    pub fn len(&self) -> usize {
        self.tiles.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.tiles.is_empty()
    }

    /// The fingerprint (equal sets have equal fingerprints).
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
}

impl PartialEq for TileSet {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint && self.tiles == other.tiles
    }
}

impl Eq for TileSet {}

/// The SubGraph cached for a SubNet, and why that one.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SubGraphChoice {
    /// How it was chosen.
    pub rule: String,
    /// Its config vector.
    pub config: Vec<u16>,
    /// Its tile bytes on the config's array.
    pub bytes: usize,
    /// Tile bytes it shares with the SubNet.
    pub shared_bytes: usize,
}

/// The SubGraph to cache for SubNet `s` on a PB of `pb_bytes`: the SubNet itself when it fits,
/// else what it shares with the listed SubNet that leaves the most shared bytes within the PB.
pub fn best_subgraph(
    net: &SuperNet,
    image: &TileImage,
    s: usize,
    pb_bytes: usize,
) -> Result<Option<SubGraphChoice>, PbError> {
    let own = &net.subnets[s].config;
    let own_bytes = image.bytes(own)?;
    if own_bytes <= pb_bytes {
        return Ok(Some(SubGraphChoice {
            rule: format!("SubNet {s} itself"),
            config: own.clone(),
            bytes: own_bytes,
            shared_bytes: own_bytes,
        }));
    }
    let mut best: Option<SubGraphChoice> = None;
    for (x, e) in net.subnets.iter().enumerate() {
        let g = shared(own, &e.config);
        let b = image.bytes(&g)?;
        if b <= pb_bytes && best.as_ref().is_none_or(|c| b > c.bytes) {
            best = Some(SubGraphChoice {
                rule: format!("shared(SubNet {s}, SubNet {x})"),
                config: g,
                bytes: b,
                shared_bytes: b,
            });
        }
    }
    Ok(best)
}
