//! The host's map of the Persistent Buffer (`hw/docs/persistent-buffer.md`, section 3): which tile
//! each PB word holds, the refill that turns one SubGraph's content into another's, and the
//! deposits that keep tiles a SubNet streams anyway (section 4).
use std::collections::{HashMap, HashSet};

use sushi_hw::HwConfig;

use crate::compile::layout::Array;
use crate::compile::runs::{Run, RunLimits, merge_runs};
use crate::compile::tiles::{PbError, TileId, TileLayout};

/// What a refill does (contract section 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refill {
    /// Tiles to load and the PB word each goes to, in tile-image order.
    pub moves: Vec<(TileId, u32)>,
    /// Tiles that stayed in place.
    pub kept: usize,
    /// Words freed (tiles of the old SubGraph the new one does not use).
    pub freed: usize,
    /// Bytes per word, for [`Refill::bytes`] and [`Refill::runs`].
    pub word_bytes: usize,
}

impl Refill {
    /// DRAM bytes the refill reads (the `PB_FILL_BYTES` it adds).
    pub fn bytes(&self) -> usize {
        self.moves.len() * self.word_bytes
    }

    /// The moves as `LOAD_PB` runs: source in tiles, destination in PB words.
    pub fn runs(&self) -> Vec<Run> {
        let pairs: Vec<(u64, u64)> = self
            .moves
            .iter()
            .map(|&(t, w)| (u64::from(t), u64::from(w)))
            .collect();
        merge_runs(&pairs, RunLimits::load(self.word_bytes))
    }
}

/// Tiles a SubNet streams from DRAM that its weight loads also write to the PB (`LOAD_W_PB`,
/// contract section 4): each tile and the PB word it goes to.
/// [`crate::compile::program::compile_subnet_depositing`] checks it against the SubNet and the map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deposit {
    /// Tiles and the PB word each goes to, ascending by tile (tile-image order).
    pub moves: Vec<(TileId, u32)>,
}

impl Deposit {
    /// The deposit of `moves` in any order (sorted here).
    pub fn new(mut moves: Vec<(TileId, u32)>) -> Self {
        moves.sort_unstable();
        Deposit { moves }
    }

    /// The PB word `tile` is deposited into, if it is.
    pub fn word_of(&self, tile: TileId) -> Option<u32> {
        self.moves
            .binary_search_by_key(&tile, |&(t, _)| t)
            .ok()
            .map(|i| self.moves[i].1)
    }

    /// Tiles deposited.
    pub fn len(&self) -> usize {
        self.moves.len()
    }

    /// True when nothing is deposited.
    pub fn is_empty(&self) -> bool {
        self.moves.is_empty()
    }
}

/// What [`PbMap::plan_deposits`] decided: deposits for the SubNet's program, then a refill for the
/// rest of the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositPlan {
    /// Target tiles the SubNet streams, deposited by its program into words it does not read.
    pub deposit: Deposit,
    /// The `LOAD_PB` refill of the target tiles left (those the SubNet does not stream, and
    /// streamed ones that found no writable word), to run after the SubNet's job.
    pub refill: Refill,
}

/// The host's map of the PB: which tile each word holds (contract section 3). Nothing on chip
/// records it; after a failed job ([`PbMap::invalidate`]) it must be treated as empty.
#[derive(Debug, Clone)]
pub struct PbMap {
    tile_at: Vec<Option<TileId>>,
    word_of: HashMap<TileId, u32>,
    layout: Option<u64>,
    subgraph: Option<Vec<u16>>,
}

impl PbMap {
    /// An empty map of a PB of `pb_words` words.
    pub fn new(pb_words: u32) -> Self {
        PbMap {
            tile_at: vec![None; pb_words as usize],
            word_of: HashMap::new(),
            layout: None,
            subgraph: None,
        }
    }

    /// An empty map of the PB of a hw config.
    pub fn for_config(config: &HwConfig) -> Self {
        let word = Array::of(config).word_bytes() as u64;
        Self::new((config.spec.buffers.pb_bytes / word) as u32)
    }

    /// Words in the PB.
    pub fn words(&self) -> u32 {
        self.tile_at.len() as u32
    }

    /// Words holding a tile.
    pub fn used(&self) -> usize {
        self.word_of.len()
    }

    /// The SubGraph the PB holds (None when empty or invalidated).
    pub fn subgraph(&self) -> Option<&[u16]> {
        self.subgraph.as_deref()
    }

    /// Id of the [`TileLayout`] whose tiles the map holds.
    pub fn layout_id(&self) -> Option<u64> {
        self.layout
    }

    /// The PB word holding `tile`, if cached.
    pub fn word_of(&self, tile: TileId) -> Option<u32> {
        self.word_of.get(&tile).copied()
    }

    /// The tile in PB word `word`, if any.
    pub fn tile_at(&self, word: u32) -> Option<TileId> {
        self.tile_at.get(word as usize).copied().flatten()
    }

    /// Every `(tile, word)` of the map, ascending by word.
    pub fn contents(&self) -> impl Iterator<Item = (TileId, u32)> + '_ {
        self.tile_at
            .iter()
            .enumerate()
            .filter_map(|(w, t)| t.map(|t| (t, w as u32)))
    }

    /// Forgets everything: the PB content is unknown (a job failed, a `LOAD_PB` or a deposit may
    /// have been cut short) and the next refill loads every tile.
    pub fn invalidate(&mut self) {
        self.tile_at.iter_mut().for_each(|t| *t = None);
        self.word_of.clear();
        self.layout = None;
        self.subgraph = None;
    }

    /// Replaces the cached SubGraph by `g_new` (contract section 3): tiles of both stay where they
    /// are, tiles only of the old one are freed, tiles only of the new one go to the lowest free
    /// words in tile-image order. The map changes only on success; the returned moves must then
    /// be executed (`compiler::compile_refill`) before a program compiled against the map runs.
    /// A map holding another layout's tiles is first emptied.
    pub fn refill(
        &mut self,
        layout: &impl AsRef<TileLayout>,
        g_new: &[u16],
    ) -> Result<Refill, PbError> {
        let layout = layout.as_ref();
        let new = layout.tiles(g_new)?;
        let refill = self.refill_tiles(layout, &new)?;
        self.subgraph = Some(g_new.to_vec());
        Ok(refill)
    }

    /// Plans the move from the cached tiles to `target` (ascending tile ids, no repeats) around
    /// one SubNet's job, keeping what the job streams anyway (contract section 4). `subnet` lists
    /// the tiles the SubNet reads (ascending, [`TileLayout::tiles`] of its config); its program,
    /// compiled against the map as it is now, streams those not cached and copies the cached
    /// ones from their words (`COPY_PB`).
    ///
    /// - Target tiles already cached stay where they are.
    /// - Target tiles the SubNet streams are deposited, in tile-image order, into the lowest
    ///   words the program may overwrite: free words, and words whose tile is neither in the
    ///   target nor read by the program (a word the program copies from is never a deposit
    ///   destination, so the program reads what the map says).
    /// - The other target tiles go to the returned refill, which must run after the job: it may
    ///   reuse words the job read.
    ///
    /// Afterwards the map is the target, as [`PbMap::refill_tiles`] leaves it (so compile the
    /// SubNet against a copy taken before planning); it is what the PB holds once the SubNet's
    /// program (with [`DepositPlan::deposit`]) and then the refill have run. Fails, leaving the
    /// map unchanged, when the target does not fit, a tile is beyond the layout, or the map holds
    /// another layout's tiles ([`PbError::OtherLayout`]).
    pub fn plan_deposits(
        &mut self,
        layout: &impl AsRef<TileLayout>,
        subnet: &[TileId],
        target: &[TileId],
    ) -> Result<DepositPlan, PbError> {
        let layout = layout.as_ref();
        let word_bytes = layout.array().word_bytes();
        debug_assert!(
            target.windows(2).all(|w| w[0] < w[1]),
            "ascending, no repeats"
        );
        debug_assert!(
            subnet.windows(2).all(|w| w[0] < w[1]),
            "ascending, no repeats"
        );
        if self.layout.is_some_and(|id| id != layout.id()) {
            return Err(PbError::OtherLayout);
        }
        for tiles in [subnet, target] {
            if let Some(&t) = tiles.iter().max()
                && t as usize >= layout.len()
            {
                return Err(PbError::BadConfig {
                    config: Vec::new(),
                    message: format!("tile {t} is beyond the layout's {} tiles", layout.len()),
                });
            }
        }
        if target.len() > self.tile_at.len() {
            return Err(PbError::TooLarge {
                need: target.len(),
                have: self.tile_at.len(),
                word_bytes,
            });
        }
        let in_target: HashSet<TileId> = target.iter().copied().collect();
        let read: HashSet<TileId> = subnet.iter().copied().collect();
        // Words the job may overwrite: nothing there that stays, nothing the job copies from.
        let writable = self
            .tile_at
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is_none_or(|t| !in_target.contains(&t) && !read.contains(&t)))
            .map(|(w, _)| w as u32);
        let streamed = target
            .iter()
            .copied()
            .filter(|t| read.contains(t) && !self.word_of.contains_key(t));
        let moves: Vec<(TileId, u32)> = streamed.zip(writable).collect();
        // The PB after the job: the deposits in place of whatever their words held.
        for &(t, w) in &moves {
            if let Some(old) = self.tile_at[w as usize].replace(t) {
                self.word_of.remove(&old);
            }
            self.word_of.insert(t, w);
        }
        self.layout = Some(layout.id());
        let refill = self.refill_tiles(layout, target)?;
        Ok(DepositPlan {
            deposit: Deposit { moves },
            refill,
        })
    }

    /// [`PbMap::plan_deposits`] to SubGraph `g_new` (its tiles); [`PbMap::subgraph`] is `g_new`
    /// afterwards.
    pub fn plan_subgraph_deposits(
        &mut self,
        layout: &impl AsRef<TileLayout>,
        subnet: &[TileId],
        g_new: &[u16],
    ) -> Result<DepositPlan, PbError> {
        let target = layout.as_ref().tiles(g_new)?;
        let plan = self.plan_deposits(layout, subnet, &target)?;
        self.subgraph = Some(g_new.to_vec());
        Ok(plan)
    }

    /// Replaces the cached tiles by `new` (ascending tile ids, no repeats), whatever set they
    /// form: the same in-place rule as [`PbMap::refill`], for tile-level policies (LRU) whose
    /// content is no SubGraph. [`PbMap::subgraph`] is None afterwards.
    pub fn refill_tiles(
        &mut self,
        layout: &impl AsRef<TileLayout>,
        new: &[TileId],
    ) -> Result<Refill, PbError> {
        let layout = layout.as_ref();
        let word_bytes = layout.array().word_bytes();
        debug_assert!(new.windows(2).all(|w| w[0] < w[1]), "ascending, no repeats");
        if let Some(&t) = new.last()
            && t as usize >= layout.len()
        {
            return Err(PbError::BadConfig {
                config: Vec::new(),
                message: format!("tile {t} is beyond the layout's {} tiles", layout.len()),
            });
        }
        if new.len() > self.tile_at.len() {
            return Err(PbError::TooLarge {
                need: new.len(),
                have: self.tile_at.len(),
                word_bytes,
            });
        }
        if self.layout != Some(layout.id()) {
            self.invalidate();
        }
        let keep: std::collections::HashSet<TileId> = new
            .iter()
            .copied()
            .filter(|t| self.word_of.contains_key(t))
            .collect();
        let mut freed = 0;
        for slot in self.tile_at.iter_mut() {
            if let Some(t) = *slot
                && !keep.contains(&t)
            {
                self.word_of.remove(&t);
                *slot = None;
                freed += 1;
            }
        }
        let mut free = self
            .tile_at
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is_none())
            .map(|(w, _)| w as u32);
        let mut moves = Vec::with_capacity(new.len() - keep.len());
        for &t in new {
            if keep.contains(&t) {
                continue;
            }
            let w = free.next().expect("the SubGraph fits (checked above)");
            moves.push((t, w));
        }
        for &(t, w) in &moves {
            self.tile_at[w as usize] = Some(t);
            self.word_of.insert(t, w);
        }
        self.layout = Some(layout.id());
        self.subgraph = None;
        Ok(Refill {
            moves,
            kept: keep.len(),
            freed,
            word_bytes,
        })
    }
}
