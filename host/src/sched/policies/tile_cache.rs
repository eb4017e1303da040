//! What the classical tile caches share: a [`Replacement`] algorithm fed one tile request at a
//! time, and [`TileCache`], the serving policy that runs one over the tiles each query reads.
//!
//! The algorithms ([`AdaptiveReplacement`](super::AdaptiveReplacement), [`Sieve`](super::Sieve),
//! [`WTinyLfu`](super::WTinyLfu)) know nothing of SubNets, queries or the PB map: they are the
//! published algorithms over equal-size items, testable on hand-made request streams. The
//! policy around them decides what a request stream is (the served SubNet's tiles in the order
//! the accelerator reads them) and when the PB changes (between queries, never during one).
use std::fmt::Debug;
use std::sync::Arc;

use crate::compile::tiles::{PbError, TileId, TileLayout, TileSet};
use crate::net::supernet::SuperNet;
use crate::sched::policy::{Now, PbContent, Policy};
use crate::sched::select::{Mode, select};
use crate::sched::table::LatencyTable;

/// A cache replacement algorithm over equal-size tiles.
pub trait Replacement: Debug {
    /// The policy's name in reports.
    fn name(&self) -> &'static str;
    /// One request for `tile`: a hit updates the algorithm's bookkeeping, a miss may admit the
    /// tile and evict others.
    fn request(&mut self, tile: TileId);
    /// The tiles held, as a set.
    fn held(&self) -> &Resident;
    /// One request for each of `tiles` in turn; `bits` is the same set as a bitmap over tile
    /// ids (bit `t % 64` of word `t / 64`), for algorithms that can take a batch at once.
    fn request_all(&mut self, tiles: &[TileId], bits: &[u64]) {
        let _ = bits;
        for &t in tiles {
            self.request(t);
        }
    }
    /// Whether requesting a batch again right after it hit on every tile leaves the state as it
    /// is (LRU-like orders already hold it at the newest end in read order; marks are set), so
    /// that [`TileCache`] may skip the repeat.
    fn repeated_hits_are_idle(&self) -> bool {
        false
    }
}

/// The set of held tiles as a bitmap over tile ids, with a count of changes so that a caller can
/// tell cheaply whether a stream of requests changed the content.
#[derive(Debug, Clone, Default)]
pub struct Resident {
    bits: Vec<u64>,
    len: usize,
    changes: u64,
}

impl Resident {
    /// Whether `tile` is held.
    pub fn contains(&self, tile: TileId) -> bool {
        let t = tile as usize;
        self.bits
            .get(t / 64)
            .is_some_and(|w| w & (1 << (t % 64)) != 0)
    }

    /// Tiles held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether every tile of the bitmap `bits` (over tile ids) is held.
    pub fn holds_all(&self, bits: &[u64]) -> bool {
        bits.iter().enumerate().all(|(w, &b)| {
            let held = self.bits.get(w).copied().unwrap_or(0);
            b & !held == 0
        })
    }

    /// Insertions and removals so far.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// The held tiles, ascending.
    pub fn tiles(&self) -> Vec<TileId> {
        let mut out = Vec::with_capacity(self.len);
        for (w, &bits) in self.bits.iter().enumerate() {
            let mut b = bits;
            while b != 0 {
                out.push((w * 64) as TileId + b.trailing_zeros());
                b &= b - 1;
            }
        }
        out
    }

    pub(crate) fn insert(&mut self, tile: TileId) {
        let t = tile as usize;
        if t / 64 >= self.bits.len() {
            self.bits.resize(t / 64 + 1, 0);
        }
        debug_assert!(
            self.bits[t / 64] & (1 << (t % 64)) == 0,
            "tile {t} inserted twice"
        );
        self.bits[t / 64] |= 1 << (t % 64);
        self.len += 1;
        self.changes += 1;
    }

    pub(crate) fn remove(&mut self, tile: TileId) {
        let t = tile as usize;
        debug_assert!(self.contains(tile), "tile {t} removed but not held");
        self.bits[t / 64] &= !(1 << (t % 64));
        self.len -= 1;
        self.changes += 1;
    }
}

/// No tile: the end of a [`Lists`] list.
pub(crate) const NIL: u32 = u32::MAX;

/// Doubly linked lists of tiles threaded through arrays indexed by tile id, a tile in at most
/// one list at a time: every list operation is O(1) and allocation-free, which is what keeps a
/// query's thousands of requests cheap.
#[derive(Debug, Clone)]
pub(crate) struct Lists {
    prev: Vec<u32>,
    next: Vec<u32>,
    /// Which list each tile is in (`NONE`: none).
    list: Vec<u8>,
    head: Vec<u32>,
    tail: Vec<u32>,
    lens: Vec<usize>,
}

impl Lists {
    /// The `list` of a tile in no list.
    pub(crate) const NONE: u8 = u8::MAX;

    /// `count` empty lists.
    pub(crate) fn new(count: usize) -> Self {
        Lists {
            prev: Vec::new(),
            next: Vec::new(),
            list: Vec::new(),
            head: vec![NIL; count],
            tail: vec![NIL; count],
            lens: vec![0; count],
        }
    }

    /// The list `tile` is in (`NONE`: none).
    pub(crate) fn list_of(&self, tile: TileId) -> u8 {
        self.list.get(tile as usize).copied().unwrap_or(Self::NONE)
    }

    pub(crate) fn len(&self, list: u8) -> usize {
        self.lens[list as usize]
    }

    /// The oldest tile of `list` (its tail end).
    pub(crate) fn oldest(&self, list: u8) -> Option<TileId> {
        let t = self.tail[list as usize];
        (t != NIL).then_some(t)
    }

    /// The tile after `tile` towards the head (newer), if any.
    pub(crate) fn newer(&self, tile: TileId) -> Option<TileId> {
        let t = self.prev[tile as usize];
        (t != NIL).then_some(t)
    }

    /// Puts `tile` (in no list) at the head (newest end) of `list`.
    pub(crate) fn push_newest(&mut self, list: u8, tile: TileId) {
        let t = tile as usize;
        if t >= self.list.len() {
            self.prev.resize(t + 1, NIL);
            self.next.resize(t + 1, NIL);
            self.list.resize(t + 1, Self::NONE);
        }
        debug_assert_eq!(self.list[t], Self::NONE, "tile {t} is in a list already");
        let l = list as usize;
        let head = self.head[l];
        self.prev[t] = NIL;
        self.next[t] = head;
        if head != NIL {
            self.prev[head as usize] = tile;
        } else {
            self.tail[l] = tile;
        }
        self.head[l] = tile;
        self.list[t] = list;
        self.lens[l] += 1;
    }

    /// Takes `tile` out of its list.
    pub(crate) fn unlink(&mut self, tile: TileId) {
        let t = tile as usize;
        let l = self.list[t] as usize;
        let (p, n) = (self.prev[t], self.next[t]);
        if p != NIL {
            self.next[p as usize] = n;
        } else {
            self.head[l] = n;
        }
        if n != NIL {
            self.prev[n as usize] = p;
        } else {
            self.tail[l] = p;
        }
        self.list[t] = Self::NONE;
        self.lens[l] -= 1;
    }

    /// Moves `tile` (in some list) to the head of `list`.
    pub(crate) fn move_to_newest(&mut self, list: u8, tile: TileId) {
        self.unlink(tile);
        self.push_newest(list, tile);
    }

    /// Takes the oldest tile out of `list`.
    pub(crate) fn pop_oldest(&mut self, list: u8) -> Option<TileId> {
        let t = self.oldest(list)?;
        self.unlink(t);
        Some(t)
    }
}

/// A classical cache over weight tiles: after each query, the PB holds what replacement
/// algorithm `R` holds once the served SubNet's tiles were requested from it in the order the
/// accelerator reads them.
///
/// As for [`Lru`](super::Lru): what the algorithm admits from a query's misses is written into
/// the PB by the loads that stream them (`LOAD_W_PB`); the PB serves a query as it was when the
/// query started, so a SubNet larger than the PB leaves the algorithm's choice of its tiles
/// behind instead of thrashing the PB to nothing. A cache knows nothing of SubNets: selection
/// reads the empty-PB column `L[S][empty]`. The held set is rebuilt only when a query changed it.
///
/// What the algorithms can tell apart here. A query reads each of its tiles once, in ascending
/// order, so inside one query nothing is requested twice: every hit an algorithm sees is a tile
/// another query read. A SubNet larger than the PB is a cyclic scan longer than the cache: each
/// tile it reads is evicted before the next query of it reads it again, so inside the algorithm
/// it never hits, and ARC (its T2 empty, `p` at 0), SIEVE (no visited bit) and LRU all keep the
/// last `capacity` tiles read. On a trace served mostly by SubNets larger than the PB the three
/// therefore pay the same bytes. With smaller, nested SubNets in the mix they part: on the shipped
/// front (2,048-tile PB, 500 queries in phases of 40, load 0.7, slack 2: `examples/cache_replay`)
/// ARC and SIEVE pay 0.390 of the requested weight bytes against LRU's 0.586 (W-TinyLFU 0.383,
/// Belady 0.345); a demand-filled replay of the same streams pays 0.497 and 0.676. ARC and SIEVE
/// decide alike on these streams: ARC's `p` never leaves 0 (no ghost hit), so both keep every
/// tile that earned a hit and evict the oldest tile that did not.
#[derive(Debug, Clone)]
pub struct TileCache<R> {
    mode: Mode,
    /// Tiles of each candidate, ascending (the order the accelerator reads them).
    tiles_of: Vec<Vec<TileId>>,
    /// The same as bitmaps over tile ids, for batch requests.
    bits_of: Vec<Vec<u64>>,
    replacement: R,
    held: Arc<TileSet>,
    /// `replacement.held().changes()` when `held` was built.
    held_at_change: u64,
    /// The candidate served last, when every one of its requests hit (nothing held changed).
    last_all_hits: Option<usize>,
}

/// The tiles of every candidate of `table` in `layout`, ascending (the order they are read).
pub fn candidate_tiles(
    table: &LatencyTable,
    net: &SuperNet,
    layout: &TileLayout,
) -> Result<Vec<Vec<TileId>>, PbError> {
    table
        .candidates
        .iter()
        .map(|c| {
            let mut t = layout.tiles(&net.subnets[c.subnet].config)?;
            t.sort_unstable();
            Ok(t)
        })
        .collect()
}

/// Each candidate's tiles as a bitmap over tile ids (one bit per id, as many 64-bit words as the
/// largest id needs), for membership in O(1).
pub(crate) fn tile_bitmaps(tiles_of: &[Vec<TileId>]) -> Vec<Vec<u64>> {
    let words = tiles_of
        .iter()
        .flat_map(|t| t.last())
        .max()
        .map_or(0, |&t| t as usize / 64 + 1);
    tiles_of
        .iter()
        .map(|tiles| {
            let mut bits = vec![0u64; words];
            for &t in tiles {
                bits[t as usize / 64] |= 1 << (t % 64);
            }
            bits
        })
        .collect()
}

impl<R: Replacement> TileCache<R> {
    /// `replacement` over the tiles of `layout` read by the candidates of `table` from `net`.
    pub fn new(
        mode: Mode,
        table: &LatencyTable,
        net: &SuperNet,
        layout: &TileLayout,
        replacement: R,
    ) -> Result<Self, PbError> {
        Ok(Self::with_tiles(
            mode,
            candidate_tiles(table, net, layout)?,
            replacement,
        ))
    }

    /// `replacement` over candidates that read `tiles_of[c]` (ascending).
    pub fn with_tiles(mode: Mode, tiles_of: Vec<Vec<TileId>>, replacement: R) -> Self {
        let held = Arc::new(TileSet::new(replacement.held().tiles()));
        let held_at_change = replacement.held().changes();
        let bits_of = tile_bitmaps(&tiles_of);
        TileCache {
            mode,
            tiles_of,
            bits_of,
            replacement,
            held,
            held_at_change,
            last_all_hits: None,
        }
    }

    /// The replacement algorithm and its state.
    pub fn replacement(&self) -> &R {
        &self.replacement
    }
}

impl<R: Replacement> Policy for TileCache<R> {
    fn name(&self) -> &str {
        self.replacement.name()
    }
    fn cache(&mut self, _: &LatencyTable, _: &Now<'_>, _: &PbContent) -> PbContent {
        PbContent::Tiles(self.held.clone())
    }
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, _: &PbContent) -> usize {
        select(
            table,
            &now.queries[now.i],
            0,
            self.mode,
            now.waited_cycles(),
        )
    }
    fn deposit_target(
        &mut self,
        _: &LatencyTable,
        _: &Now<'_>,
        _: &PbContent,
        _: usize,
    ) -> Option<Arc<TileSet>> {
        // What the algorithm admitted from this query's requests rides on its loads.
        Some(self.held.clone())
    }
    fn served(&mut self, _: &LatencyTable, _: &Now<'_>, candidate: usize) {
        // A SubNet served again after a query of it that hit on every tile: for the algorithms
        // that say so, the requests would change nothing (a phase repeats SubNets often).
        if self.last_all_hits == Some(candidate) && self.replacement.repeated_hits_are_idle() {
            return;
        }
        self.replacement
            .request_all(&self.tiles_of[candidate], &self.bits_of[candidate]);
        let changes = self.replacement.held().changes();
        self.last_all_hits = (changes == self.held_at_change).then_some(candidate);
        if changes != self.held_at_change {
            self.held = Arc::new(TileSet::new(self.replacement.held().tiles()));
            self.held_at_change = changes;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Feeds `stream` to `r` and returns the misses (requests for tiles not held before them).
    pub(crate) fn misses(r: &mut dyn Replacement, stream: &[TileId]) -> usize {
        stream
            .iter()
            .filter(|&&t| {
                let miss = !r.held().contains(t);
                r.request(t);
                miss
            })
            .count()
    }

    /// The tiles `cache` holds before the next query.
    fn held_by(cache: &mut dyn Policy) -> Vec<TileId> {
        let t = crate::sched::fixtures::table();
        let trace = [crate::sched::fixtures::q(0.0, 1000)];
        let now = Now {
            queries: &trace,
            i: 0,
            cycle: 0,
        };
        match cache.cache(&t, &now, &PbContent::SubGraph(0)) {
            PbContent::Tiles(v) => v.tiles().to_vec(),
            other => panic!("a tile cache holds tiles, not {other:?}"),
        }
    }

    fn serve(cache: &mut dyn Policy, candidate: usize) {
        let t = crate::sched::fixtures::table();
        let trace = [crate::sched::fixtures::q(0.0, 1000)];
        let now = Now {
            queries: &trace,
            i: 0,
            cycle: 0,
        };
        cache.served(&t, &now, candidate);
    }

    #[test]
    fn over_subnets_larger_than_the_cache_arc_and_sieve_hold_what_lru_holds() {
        // Each query reads its tiles once, in ascending order: a SubNet larger than the cache is
        // a cyclic scan longer than it, so each of its tiles is evicted before it is read again
        // and no request ever hits inside the algorithm (here: SubNets of 6 and 5 tiles sharing
        // a prefix, the last tiles read the ones the cache keeps). ARC's T2 and SIEVE's visited bits stay
        // empty and both hold the last tiles read, LRU's content.
        let tiles_of: Vec<Vec<TileId>> = vec![(0..6).collect(), (0..5).collect()];
        let mut arc = TileCache::with_tiles(
            Mode::LatencyStrict,
            tiles_of.clone(),
            super::super::AdaptiveReplacement::new(4),
        );
        let mut sieve = TileCache::with_tiles(
            Mode::LatencyStrict,
            tiles_of.clone(),
            super::super::Sieve::new(4),
        );
        let mut lru = super::super::Lru::with_tiles(Mode::LatencyStrict, tiles_of, 4);
        for c in [0, 1, 0, 0, 1, 1, 0] {
            serve(&mut arc, c);
            serve(&mut sieve, c);
            serve(&mut lru, c);
            let want = held_by(&mut lru);
            assert_eq!(held_by(&mut arc), want, "ARC after candidate {c}");
            assert_eq!(held_by(&mut sieve), want, "SIEVE after candidate {c}");
        }
        assert_eq!(arc.replacement().list_lens()[1], 0, "nothing reached T2");
    }

    #[test]
    fn batches_and_skipped_repeats_decide_as_requests_one_by_one() {
        let tiles_of: Vec<Vec<TileId>> = vec![
            (0..3).collect(),
            (0..5).collect(),
            vec![1, 4, 6, 9],
            (5..12).collect(),
        ];
        let mut rng = crate::rng::SplitMix64::new(11);
        let mut arc = TileCache::with_tiles(
            Mode::LatencyStrict,
            tiles_of.clone(),
            super::super::AdaptiveReplacement::new(6),
        );
        let mut sieve = TileCache::with_tiles(
            Mode::LatencyStrict,
            tiles_of.clone(),
            super::super::Sieve::new(6),
        );
        let mut arc_alone = super::super::AdaptiveReplacement::new(6);
        let mut sieve_alone = super::super::Sieve::new(6);
        for _ in 0..500 {
            // Runs of one SubNet, as in a phase, so that repeats after full hits are skipped.
            let c = rng.below(tiles_of.len() as u64) as usize;
            for _ in 0..=rng.below(3) {
                serve(&mut arc, c);
                serve(&mut sieve, c);
                for &t in &tiles_of[c] {
                    arc_alone.request(t);
                    sieve_alone.request(t);
                }
                assert_eq!(held_by(&mut arc), arc_alone.held().tiles());
                assert_eq!(held_by(&mut sieve), sieve_alone.held().tiles());
                assert_eq!(arc.replacement().list_lens(), arc_alone.list_lens());
                assert_eq!(sieve.replacement().hand(), sieve_alone.hand());
                assert!((0..12).all(|t| sieve.replacement().visited(t) == sieve_alone.visited(t)));
            }
        }
    }

    #[test]
    fn lists_keep_order_and_lengths_through_moves() {
        let mut l = Lists::new(2);
        for t in [5, 1, 9] {
            l.push_newest(0, t);
        }
        assert_eq!(l.oldest(0), Some(5));
        assert_eq!(l.newer(5), Some(1));
        l.move_to_newest(1, 1);
        assert_eq!((l.len(0), l.len(1)), (2, 1));
        assert_eq!(l.newer(5), Some(9));
        assert_eq!(l.pop_oldest(0), Some(5));
        assert_eq!(l.pop_oldest(0), Some(9));
        assert_eq!(l.pop_oldest(0), None);
        assert_eq!(l.list_of(1), 1);
        assert_eq!(l.list_of(5), Lists::NONE);
    }

    #[test]
    fn resident_lists_tiles_ascending_and_counts_changes() {
        let mut r = Resident::default();
        for t in [130, 2, 64] {
            r.insert(t);
        }
        r.remove(2);
        assert_eq!(r.tiles(), [64, 130]);
        assert_eq!((r.len(), r.changes()), (2, 4));
        assert!(r.contains(130) && !r.contains(2) && !r.contains(100_000));
    }
}
