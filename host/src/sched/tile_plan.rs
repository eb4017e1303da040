//! Tile-granular planning: what each held weight tile saves a candidate, and the set of tiles
//! that saves a window's demand the most.
//!
//! **Cost model.** Holding tiles in the PB turns their `LOAD_W` (DRAM, at the AXI rate) into a
//! `COPY_PB` (one word per cycle). Whether that shortens a run depends on the layer: a
//! memory-bound layer gets faster, a compute-bound one does not. [`TileModel::build`] measures it
//! with SushiAbs once per (candidate, layer): the candidate compiled with that layer's tiles held,
//! against the empty PB. A held tile of layer `l` then saves `save[c][l]` cycles of candidate
//! `c`, the layer's measured saving spread evenly over its tiles, and savings add over layers.
//! The model is linear: a half-held memory-bound layer is credited half its saving, which a run
//! that turns compute-bound part of the way through does not quite get. Serving prices every run
//! exactly (compiled against the PB map); the model only ranks tiles and candidates.
//!
//! **Plan.** For the window's demand (a count per candidate), a tile's value is what it saves
//! the window: cycles `sum over demanded c of count(c) * save[c][layer]` and DRAM bytes
//! `uses * word_bytes` (a tile read from the PB is not read from DRAM), a tile shared by several
//! SubNets counted once, as it is held once. A tile not yet held costs its refill: one more DRAM
//! read of its bytes, and refill cycles that delay queries only beyond the idle time before the
//! next arrival. Every tile is one PB word, so under this additive model the best content of `K`
//! words with `m` new tiles is the `K - m` most valuable held tiles plus the `m` most valuable new
//! ones; [`TileModel::plan`] tries every `m` and keeps the best, ranking (cycles, bytes)
//! lexicographically. That is exact for the model (no approximation ratio to state), in
//! `O(T log T + K)` for `T` tiles demanded and `K` PB words.
use crate::compile::layout::Array;
use crate::compile::pb_map::PbMap;
use crate::compile::program::{CompileError, Outputs, compile_subnet};
use crate::compile::tiles::{PbError, TileId, TileImage};
use crate::net::supernet::SuperNet;
use crate::sched::table::LatencyTable;

/// Why a tile model cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TileModelError {
    /// A candidate did not compile with one of its layers held.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// A layer's tiles did not fit the PB map.
    #[error(transparent)]
    Pb(#[from] PbError),
}

/// A run of one candidate's tiles inside one 64-tile word of a bitmap over tile ids, all of one
/// layer.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Chunk {
    word: u32,
    bits: u64,
    /// Index of the layer in the candidate's `saves`.
    layer: u32,
}

/// Per candidate and layer, the cycles one held tile saves; each candidate's tiles as bitmap
/// chunks; and what a refill costs.
#[derive(Debug, Clone, PartialEq)]
pub struct TileModel {
    capacity_tiles: usize,
    word_bytes: u64,
    tile_count: usize,
    /// Cycles of each candidate with the empty PB.
    base_cycles: Vec<u64>,
    chunks: Vec<Vec<Chunk>>,
    saves: Vec<Vec<f64>>,
    fill_cycles_per_byte: f64,
    fill_fixed_cycles: u64,
}

/// One candidate's layers for [`TileModel::from_parts`]: each layer's tiles (ascending) and the
/// cycles one held tile of it saves.
pub type CandidateLayers = Vec<(Vec<TileId>, f64)>;

/// The content a plan chose, and what the model expects of it.
#[derive(Debug, Clone, PartialEq)]
pub struct TilePlan {
    /// The tiles to hold, ascending.
    pub tiles: Vec<TileId>,
    /// Tiles among them not held before (the refill).
    pub new_tiles: usize,
    /// Cycles the content saves the window's demand, refill delay deducted.
    pub saved_cycles: f64,
    /// DRAM bytes the content saves the window's demand, refill bytes deducted.
    pub saved_bytes: i64,
}

/// Scratch space of [`TileModel::plan`], kept between plans so that planning does not allocate.
#[derive(Debug, Clone, Default)]
pub struct PlanScratch {
    value: Vec<(f64, u32)>,
    touched: Vec<TileId>,
    touched_bits: Vec<u64>,
    classes: Vec<Class>,
    class_of: Vec<u32>,
    slots: Vec<u32>,
    by_class: Vec<TileId>,
    fill: Vec<u32>,
    held_order: Vec<u32>,
    new_order: Vec<u32>,
    held_prefix: Vec<(f64, i64)>,
    out_bits: Vec<u64>,
}

/// Tiles of equal value to a plan: what each saves, whether they are held, and where their ids
/// sit in `PlanScratch::by_class`.
#[derive(Debug, Clone, Copy)]
struct Class {
    cycles: f64,
    uses: u32,
    held: bool,
    tiles: u32,
    first: u32,
}

impl PlanScratch {
    fn touched_bit(&self, t: TileId) -> bool {
        self.touched_bits
            .get(t as usize / 64)
            .is_some_and(|w| w & (1 << (t % 64)) != 0)
    }
}

impl TileModel {
    /// The model of `table`'s candidates of `net` on `config`, measured with SushiAbs: one
    /// compile per (candidate, weighted layer).
    pub fn build(
        table: &LatencyTable,
        net: &SuperNet,
        config: &sushi_hw::HwConfig,
    ) -> Result<Self, TileModelError> {
        let image = TileImage::build(net, Array::of(config));
        let layout = image.layout();
        let word_bytes = layout.array().word_bytes() as u64;
        let capacity_tiles = (config.spec.buffers.pb_bytes / word_bytes) as usize;
        let mut chunks = Vec::with_capacity(table.candidates.len());
        let mut saves = Vec::with_capacity(table.candidates.len());
        for (s, cand) in table.candidates.iter().enumerate() {
            let base = table.cycles[s][0];
            let boxes = layout.boxes(&net.subnets[cand.subnet].config)?;
            let (mut own_chunks, mut own_saves) = (Vec::new(), Vec::new());
            for tile_box in boxes.iter().flatten() {
                let mut tiles: Vec<TileId> = tile_box.tiles().collect();
                tiles.sort_unstable();
                // A layer larger than the PB is measured with as much of it as fits.
                let held = &tiles[..tiles.len().min(capacity_tiles)];
                let mut map = PbMap::for_config(config);
                map.refill_tiles(&image, held)?;
                let p = compile_subnet(net, cand.subnet, &image, &map, config, Outputs::Last)?;
                let cycles = crate::cycle_model::abs::predict(&p, config).cycles;
                let layer = own_saves.len() as u32;
                own_saves.push(if held.is_empty() {
                    0.0
                } else {
                    base.saturating_sub(cycles) as f64 / held.len() as f64
                });
                push_chunks(&mut own_chunks, &tiles, layer);
            }
            chunks.push(own_chunks);
            saves.push(own_saves);
        }
        Ok(TileModel {
            capacity_tiles,
            word_bytes,
            tile_count: layout.len(),
            base_cycles: (0..table.candidates.len())
                .map(|s| table.cycles[s][0])
                .collect(),
            chunks,
            saves,
            fill_cycles_per_byte: table.fill_cycles_per_byte,
            fill_fixed_cycles: table.fill_fixed_cycles,
        })
    }

    /// A model from its parts: per candidate, its empty-PB cycles and its layers as (tiles
    /// ascending, cycles one held tile saves); `tile_count` tiles in all, a PB of
    /// `capacity_tiles` words of `word_bytes`.
    pub fn from_parts(
        base_cycles: Vec<u64>,
        layers: &[CandidateLayers],
        tile_count: usize,
        capacity_tiles: usize,
        word_bytes: u64,
        fill: (f64, u64),
    ) -> Self {
        let mut chunks = Vec::new();
        let mut saves = Vec::new();
        for cand in layers {
            let mut own_chunks = Vec::new();
            for (l, (tiles, _)) in cand.iter().enumerate() {
                push_chunks(&mut own_chunks, tiles, l as u32);
            }
            chunks.push(own_chunks);
            saves.push(cand.iter().map(|(_, s)| *s).collect());
        }
        TileModel {
            capacity_tiles,
            word_bytes,
            tile_count,
            base_cycles,
            chunks,
            saves,
            fill_cycles_per_byte: fill.0,
            fill_fixed_cycles: fill.1,
        }
    }

    /// Candidates modelled.
    pub fn candidates(&self) -> usize {
        self.base_cycles.len()
    }

    /// The tiles candidate `c` reads, ascending (the order it reads them).
    pub fn tiles_of(&self, c: usize) -> Vec<TileId> {
        let mut out = Vec::new();
        for k in &self.chunks[c] {
            let mut b = k.bits;
            while b != 0 {
                out.push(k.word * 64 + b.trailing_zeros());
                b &= b - 1;
            }
        }
        out
    }

    /// Bytes of one tile (one PB word).
    pub fn tile_bytes(&self) -> u64 {
        self.word_bytes
    }

    /// PB words (tiles a content may hold).
    pub fn capacity_tiles(&self) -> usize {
        self.capacity_tiles
    }

    /// Words of a bitmap over every tile id.
    pub fn bitmap_words(&self) -> usize {
        self.tile_count.div_ceil(64)
    }

    /// `tiles` as a bitmap over tile ids.
    pub fn bitmap(&self, tiles: &[TileId]) -> Vec<u64> {
        let mut bits = vec![0u64; self.bitmap_words()];
        for &t in tiles {
            bits[t as usize / 64] |= 1 << (t % 64);
        }
        bits
    }

    /// Cycles held tiles (`held`, a bitmap over tile ids) save candidate `c`, by the model.
    pub fn saved_cycles(&self, c: usize, held: &[u64]) -> f64 {
        let saves = &self.saves[c];
        self.chunks[c]
            .iter()
            .map(|k| {
                let n = (held.get(k.word as usize).copied().unwrap_or(0) & k.bits).count_ones();
                f64::from(n) * saves[k.layer as usize]
            })
            .sum()
    }

    /// The model's cycles of candidate `c` with `held` in the PB.
    pub fn cycles(&self, c: usize, held: &[u64]) -> u64 {
        let saved = self.saved_cycles(c, held).round() as u64;
        self.base_cycles[c].saturating_sub(saved)
    }

    /// Cycles of a refill moving `tiles` tiles (the latency table's rate).
    pub fn refill_cycles(&self, tiles: usize) -> u64 {
        if tiles == 0 {
            0
        } else {
            let bytes = tiles as u64 * self.word_bytes;
            self.fill_fixed_cycles + (bytes as f64 * self.fill_cycles_per_byte).ceil() as u64
        }
    }

    /// The content that saves `demand` (candidate, count) the most from `held` (ascending tile
    /// ids; `held_bits` the same as a bitmap), when a refill may use `idle_cycles` before it delays
    /// anything and then delays `delayed_queries` queries. Returns None when keeping `held` is
    /// as good as any change.
    ///
    /// Tiles that save the same cycles and bytes are interchangeable, and a window's demand
    /// gives few distinct values (one per combination of demanded layers), so the tiles are
    /// ranked as value classes: a hash pass groups them, only the classes are sorted, and among
    /// the tiles of a class the lowest ids go first.
    pub fn plan(
        &self,
        scratch: &mut PlanScratch,
        demand: &[(usize, u32)],
        held: &[TileId],
        held_bits: &[u64],
        idle_cycles: u64,
        delayed_queries: u64,
    ) -> Option<TilePlan> {
        let sc = scratch;
        if sc.value.len() < self.tile_count {
            sc.value.resize(self.tile_count, (0.0, 0));
        }
        sc.touched.clear();
        sc.touched_bits.clear();
        sc.touched_bits.resize(self.bitmap_words(), 0);
        for &(c, count) in demand {
            let saves = &self.saves[c];
            for k in &self.chunks[c] {
                let save = saves[k.layer as usize] * f64::from(count);
                let mut b = k.bits;
                while b != 0 {
                    let t = k.word * 64 + b.trailing_zeros();
                    b &= b - 1;
                    let v = &mut sc.value[t as usize];
                    if v.1 == 0 {
                        sc.touched.push(t);
                        sc.touched_bits[t as usize / 64] |= 1 << (t % 64);
                    }
                    v.0 += save;
                    v.1 += count;
                }
            }
        }
        let is_held = |t: TileId| {
            held_bits
                .get(t as usize / 64)
                .is_some_and(|w| w & (1 << (t % 64)) != 0)
        };
        // Group the touched tiles into classes of equal (cycles, uses, held).
        sc.classes.clear();
        sc.class_of.clear();
        let slots = (sc.touched.len() / 2).next_power_of_two().max(64) * 2;
        sc.slots.clear();
        sc.slots.resize(slots, u32::MAX);
        let mask = slots - 1;
        for &t in sc.touched.iter() {
            let (cycles, uses) = std::mem::take(&mut sc.value[t as usize]);
            let held_now = is_held(t);
            let key = cycles.to_bits() ^ (u64::from(uses) << 1) ^ u64::from(held_now);
            let mut h = (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & mask;
            let class = loop {
                match sc.slots[h] {
                    u32::MAX => {
                        sc.slots[h] = sc.classes.len() as u32;
                        sc.classes.push(Class {
                            cycles,
                            uses,
                            held: held_now,
                            tiles: 0,
                            first: 0,
                        });
                        break sc.classes.len() - 1;
                    }
                    i => {
                        let c = &sc.classes[i as usize];
                        if c.cycles.to_bits() == cycles.to_bits()
                            && c.uses == uses
                            && c.held == held_now
                        {
                            break i as usize;
                        }
                        h = (h + 1) & mask;
                    }
                }
            };
            sc.classes[class].tiles += 1;
            sc.class_of.push(class as u32);
        }
        // The tiles of each class, contiguous, in class order.
        let mut next = 0u32;
        for c in sc.classes.iter_mut() {
            c.first = next;
            next += c.tiles;
        }
        sc.by_class.clear();
        sc.by_class.resize(sc.touched.len(), 0);
        sc.fill.clear();
        sc.fill.extend(sc.classes.iter().map(|c| c.first));
        for (&t, &c) in sc.touched.iter().zip(&sc.class_of) {
            sc.by_class[sc.fill[c as usize] as usize] = t;
            sc.fill[c as usize] += 1;
        }
        // Rank: held classes, and new classes worth a refill (one use pays back no bytes; only
        // saved cycles can), each by cycles then uses, best first.
        let classes = &sc.classes;
        let rank = |a: &u32, b: &u32| {
            let (a, b) = (&classes[*a as usize], &classes[*b as usize]);
            b.cycles.total_cmp(&a.cycles).then(b.uses.cmp(&a.uses))
        };
        sc.held_order.clear();
        sc.new_order.clear();
        for (i, c) in classes.iter().enumerate() {
            if c.held {
                sc.held_order.push(i as u32);
            } else if c.uses > 1 || c.cycles > 0.0 {
                sc.new_order.push(i as u32);
            }
        }
        sc.held_order.sort_unstable_by(rank);
        sc.new_order.sort_unstable_by(rank);
        let k = self.capacity_tiles;
        let wb = self.word_bytes as i64;
        let held_total: usize = sc
            .held_order
            .iter()
            .map(|&c| classes[c as usize].tiles as usize)
            .sum();
        let new_total: usize = sc
            .new_order
            .iter()
            .map(|&c| classes[c as usize].tiles as usize)
            .sum();
        // Value of the best `j` held tiles, j = 0..=held_total.
        sc.held_prefix.clear();
        sc.held_prefix.push((0.0, 0));
        for &ci in &sc.held_order {
            let c = &classes[ci as usize];
            for _ in 0..c.tiles {
                let (pc, pb) = sc.held_prefix[sc.held_prefix.len() - 1];
                sc.held_prefix
                    .push((pc + c.cycles, pb + i64::from(c.uses) * wb));
            }
        }
        let keep_all = sc.held_prefix[held_total];
        let mut best = (keep_all.0.round(), keep_all.1, 0usize, keep_all);
        let (mut new_c, mut new_b, mut m) = (0.0f64, 0i64, 0usize);
        'classes: for &ci in &sc.new_order {
            let c = &classes[ci as usize];
            for _ in 0..c.tiles {
                if m == k.min(new_total) {
                    break 'classes;
                }
                m += 1;
                new_c += c.cycles;
                new_b += (i64::from(c.uses) - 1) * wb;
                let h = sc.held_prefix[held_total.min(k - m)];
                let delay = self.refill_cycles(m).saturating_sub(idle_cycles) * delayed_queries;
                let total = (h.0 + new_c - delay as f64, h.1 + new_b);
                if (total.0.round(), total.1) > (best.0, best.1) {
                    best = (total.0.round(), total.1, m, total);
                }
            }
        }
        let m = best.2;
        if m == 0 {
            return None;
        }
        // The content as a bitmap: the best `m` new tiles, the best held ones that fit, then held
        // tiles no demand uses; read out ascending.
        let room = k - m;
        sc.out_bits.clear();
        sc.out_bits.resize(self.bitmap_words(), 0);
        let take = |order: &[u32], mut n: usize, out: &mut Vec<u64>, by_class: &mut [TileId]| {
            for &ci in order {
                if n == 0 {
                    break;
                }
                let c = &classes[ci as usize];
                let tiles = &mut by_class[c.first as usize..(c.first + c.tiles) as usize];
                if (c.tiles as usize) > n {
                    tiles.sort_unstable();
                }
                for &t in tiles.iter().take(n) {
                    out[t as usize / 64] |= 1 << (t % 64);
                }
                n -= n.min(c.tiles as usize);
            }
        };
        take(&sc.new_order, m, &mut sc.out_bits, &mut sc.by_class);
        take(
            &sc.held_order,
            room.min(held_total),
            &mut sc.out_bits,
            &mut sc.by_class,
        );
        let mut tiles = Vec::with_capacity(k);
        let mut idle_room = room.saturating_sub(held_total);
        for (w, &bits) in sc.out_bits.iter().enumerate() {
            let mut b = bits;
            while b != 0 {
                tiles.push((w * 64) as TileId + b.trailing_zeros());
                b &= b - 1;
            }
        }
        if idle_room > 0 {
            for &t in held {
                if idle_room == 0 {
                    break;
                }
                // Held tiles the demand touched were ranked above; the rest are idle.
                if !sc.touched_bit(t) {
                    tiles.push(t);
                    idle_room -= 1;
                }
            }
            tiles.sort_unstable();
        }
        Some(TilePlan {
            tiles,
            new_tiles: m,
            saved_cycles: best.3.0,
            saved_bytes: best.3.1,
        })
    }
}

/// Appends `tiles` (ascending) of layer `layer` as bitmap chunks.
fn push_chunks(out: &mut Vec<Chunk>, tiles: &[TileId], layer: u32) {
    for &t in tiles {
        let word = t / 64;
        match out.last_mut() {
            Some(k) if k.word == word && k.layer == layer => k.bits |= 1 << (t % 64),
            _ => out.push(Chunk {
                word,
                bits: 1 << (t % 64),
                layer,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    /// The plan's objective for `content`, computed from the model's definition: each held tile
    /// saves the demand `count * save` cycles and `uses * word_bytes` bytes; a tile not held
    /// before costs one more read of its bytes, and the refill's cycles beyond `idle` delay
    /// `delayed` queries.
    fn objective(
        m: &TileModel,
        layers: &[CandidateLayers],
        demand: &[(usize, u32)],
        held: &[TileId],
        content: &[TileId],
        idle: u64,
        delayed: u64,
    ) -> (f64, i64) {
        let (mut cycles, mut bytes) = (0.0, 0i64);
        for &t in content {
            for &(c, n) in demand {
                for (tiles, save) in &layers[c] {
                    if tiles.contains(&t) {
                        cycles += f64::from(n) * save;
                        bytes += i64::from(n) * m.word_bytes as i64;
                    }
                }
            }
        }
        let new = content.iter().filter(|t| !held.contains(t)).count();
        bytes -= new as i64 * m.word_bytes as i64;
        cycles -= (m.refill_cycles(new).saturating_sub(idle) * delayed) as f64;
        (cycles, bytes)
    }

    /// A random model: `n` candidates over `universe` tiles, each with up to three layers of
    /// nested ranges (like SubNets sharing a SuperNet's weights).
    fn random_model(
        rng: &mut SplitMix64,
        universe: u32,
        capacity: usize,
    ) -> (TileModel, Vec<CandidateLayers>) {
        let layers: Vec<CandidateLayers> = (0..3)
            .map(|_| {
                let mut start = 0;
                (0..1 + rng.below(3))
                    .map(|_| {
                        let len = 1 + rng.below(3) as TileId;
                        let tiles: Vec<TileId> = (start..(start + len).min(universe)).collect();
                        start = (start + len + rng.below(2) as TileId).min(universe - 1);
                        (tiles, rng.below(4) as f64 * 2.5)
                    })
                    .filter(|(t, _)| !t.is_empty())
                    .collect()
            })
            .collect();
        let base = vec![1_000; layers.len()];
        let m = TileModel::from_parts(base, &layers, universe as usize, capacity, 16, (0.5, 4));
        (m, layers)
    }

    #[test]
    fn a_plan_is_the_best_content_under_the_model() {
        for seed in 0..400u64 {
            let mut rng = SplitMix64::new(seed);
            let universe = 8;
            let capacity = 1 + rng.below(4) as usize;
            let (m, layers) = random_model(&mut rng, universe, capacity);
            let demand: Vec<(usize, u32)> = (0..3)
                .map(|c| (c, rng.below(3) as u32))
                .filter(|d| d.1 > 0)
                .collect();
            let held: Vec<TileId> = (0..universe)
                .filter(|_| rng.below(4) == 0)
                .take(capacity)
                .collect();
            let (idle, delayed) = (rng.below(30), 1 + rng.below(3));
            let key = |o: (f64, i64)| (o.0.round() as i64, o.1);
            // Every content of at most `capacity` tiles.
            let best = (0u32..1 << universe)
                .filter(|s| s.count_ones() as usize <= capacity)
                .map(|s| {
                    let content: Vec<TileId> =
                        (0..universe).filter(|t| s & (1 << t) != 0).collect();
                    key(objective(
                        &m, &layers, &demand, &held, &content, idle, delayed,
                    ))
                })
                .max()
                .unwrap();
            let keep = key(objective(&m, &layers, &demand, &held, &held, idle, delayed));
            let plan = m.plan(
                &mut PlanScratch::default(),
                &demand,
                &held,
                &m.bitmap(&held),
                idle,
                delayed,
            );
            let got = match &plan {
                Some(p) => {
                    assert!(
                        p.tiles.len() <= capacity,
                        "seed {seed}: {p:?} overfills {capacity}"
                    );
                    key(objective(
                        &m, &layers, &demand, &held, &p.tiles, idle, delayed,
                    ))
                }
                None => keep,
            };
            assert_eq!(
                got, best,
                "seed {seed}: plan {plan:?}, held {held:?}, demand {demand:?}"
            );
            if plan.is_some() {
                assert!(got > keep, "seed {seed}: a change that does not pay");
            }
        }
    }

    #[test]
    fn a_refill_is_free_while_the_accelerator_waits_and_charged_per_delayed_query_after() {
        // One candidate, one layer of 4 tiles saving 3 cycles each; a demand of 1 query; a
        // refill of 4 tiles of 16 bytes costs 4 + 0.5 * 64 = 36 cycles.
        let layers = vec![vec![((0..4).collect::<Vec<TileId>>(), 3.0)]];
        let m = TileModel::from_parts(vec![100], &layers, 4, 4, 16, (0.5, 4));
        let empty = m.bitmap(&[]);
        let plan = |idle, delayed| {
            m.plan(
                &mut PlanScratch::default(),
                &[(0, 1)],
                &[],
                &empty,
                idle,
                delayed,
            )
        };
        // Idle time covers the refill: all four tiles, 12 cycles saved.
        assert_eq!(plan(36, 1).map(|p| p.tiles), Some(vec![0, 1, 2, 3]));
        // No idle time: 12 cycles saved cannot pay a 36-cycle delay ...
        assert_eq!(plan(0, 1), None);
        // ... but the two tiles a 20-cycle wait covers (4 + 0.5 * 32) are free to bring in,
        // while a third would delay three waiting queries.
        assert_eq!(plan(20, 3).map(|p| p.tiles), Some(vec![0, 1]));
    }

    #[test]
    fn the_model_credits_held_tiles_by_their_layer() {
        let layers = vec![vec![(vec![0, 1], 10.0), (vec![2, 3, 4], 1.0)]];
        let m = TileModel::from_parts(vec![100], &layers, 70, 8, 16, (0.0, 0));
        assert_eq!(m.cycles(0, &m.bitmap(&[])), 100);
        assert_eq!(
            m.cycles(0, &m.bitmap(&[0, 4, 65])),
            89,
            "tile 65 is not the candidate's"
        );
        assert_eq!(m.tiles_of(0), [0, 1, 2, 3, 4]);
    }
}
