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
    held: Vec<(f64, u32, TileId)>,
    new: Vec<(f64, u32, TileId)>,
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
        layers: &[Vec<(Vec<TileId>, f64)>],
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
    pub fn plan(
        &self,
        scratch: &mut PlanScratch,
        demand: &[(usize, u32)],
        held: &[TileId],
        held_bits: &[u64],
        idle_cycles: u64,
        delayed_queries: u64,
    ) -> Option<TilePlan> {
        let PlanScratch {
            value,
            touched,
            held: held_ranked,
            new: new_ranked,
        } = scratch;
        if value.len() < self.tile_count {
            value.resize(self.tile_count, (0.0, 0));
        }
        touched.clear();
        for &(c, count) in demand {
            let saves = &self.saves[c];
            for k in &self.chunks[c] {
                let save = saves[k.layer as usize] * f64::from(count);
                let mut b = k.bits;
                while b != 0 {
                    let t = k.word * 64 + b.trailing_zeros();
                    b &= b - 1;
                    let v = &mut value[t as usize];
                    if v.1 == 0 {
                        touched.push(t);
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
        held_ranked.clear();
        new_ranked.clear();
        for &t in touched.iter() {
            let (cycles, uses) = std::mem::take(&mut value[t as usize]);
            if is_held(t) {
                held_ranked.push((cycles, uses, t));
            } else if uses > 1 || cycles > 0.0 {
                // One use pays back no bytes of a refill; only saved cycles can.
                new_ranked.push((cycles, uses, t));
            }
        }
        let rank = |a: &(f64, u32, TileId), b: &(f64, u32, TileId)| {
            b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2))
        };
        held_ranked.sort_unstable_by(rank);
        new_ranked.sort_unstable_by(rank);
        let k = self.capacity_tiles;
        let wb = self.word_bytes as i64;
        // Held tiles no demand uses are worth nothing but cost nothing to keep: they fill what
        // is left, and are the first to go.
        let idle_held = held.len() - held_ranked.len();
        let held_total = held_ranked.len();
        // Prefix sums: value of the best `j` held tiles, and of the best `m` new ones.
        let mut held_prefix = Vec::with_capacity(held_total + 1);
        held_prefix.push((0.0f64, 0i64));
        for &(c, u, _) in held_ranked.iter() {
            let (pc, pb) = held_prefix[held_prefix.len() - 1];
            held_prefix.push((pc + c, pb + i64::from(u) * wb));
        }
        let keep_all = held_prefix[held_total];
        let mut best = (keep_all.0.round(), keep_all.1, 0usize, keep_all);
        let (mut new_c, mut new_b) = (0.0f64, 0i64);
        for m in 1..=new_ranked.len().min(k) {
            let (c, u, _) = new_ranked[m - 1];
            new_c += c;
            new_b += (i64::from(u) - 1) * wb;
            let room = k - m;
            let h = held_prefix[held_total.min(room)];
            let delay = self.refill_cycles(m).saturating_sub(idle_cycles) * delayed_queries;
            let total = (h.0 + new_c - delay as f64, h.1 + new_b);
            if (total.0.round(), total.1) > (best.0, best.1) {
                best = (total.0.round(), total.1, m, total);
            }
        }
        let m = best.2;
        if m == 0 {
            return None;
        }
        let room = k - m;
        let mut tiles: Vec<TileId> = new_ranked[..m].iter().map(|x| x.2).collect();
        tiles.extend(held_ranked.iter().take(room).map(|x| x.2));
        if room > held_total && idle_held > 0 {
            let ranked: std::collections::HashSet<TileId> =
                held_ranked.iter().map(|x| x.2).collect();
            tiles.extend(
                held.iter()
                    .copied()
                    .filter(|t| !ranked.contains(t))
                    .take(room - held_total),
            );
        }
        tiles.sort_unstable();
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
        layers: &[Vec<(Vec<TileId>, f64)>],
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
    ) -> (TileModel, Vec<Vec<(Vec<TileId>, f64)>>) {
        let layers: Vec<Vec<(Vec<TileId>, f64)>> = (0..3)
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
