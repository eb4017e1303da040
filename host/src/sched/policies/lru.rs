//! LRU over weight tiles, the classical cache.
use std::collections::HashMap;
use std::sync::Arc;

use crate::compile::tiles::{TileId, TileSet};
use crate::sched::policy::{Now, PbContent, Policy};
use crate::sched::select::{Mode, select};
use crate::sched::table::LatencyTable;

use super::tile_cache::{candidate_tiles, tile_bitmaps};

/// A classical cache over weight tiles: after each query the PB holds the `capacity` most recently
/// used tiles, the served SubNet's tiles being used in the order the accelerator reads them.
///
/// A miss it keeps is written into the PB on its way from DRAM to WMEM (`LOAD_W_PB`, through
/// [`Policy::deposit_target`]), so it is read from DRAM once. The PB serves a query as it was when
/// the query started, so a SubNet larger than the PB keeps its last `capacity` tiles instead of
/// thrashing to nothing as a demand-filled LRU would on a cyclic scan. A cache knows nothing of SubNets:
/// selection reads the empty-PB column `L[S][empty]`, like [`CacheUnaware`]'s.
///
/// The state is the held tiles in recency order; states and transitions are memoised (a state
/// recurs whenever the recent SubNets do), so a steady trace costs a hash lookup per query
/// instead of a pass over thousands of tiles. The memo is bounded ([`Lru::MAX_STATES`]).
#[derive(Debug, Clone)]
pub struct Lru {
    mode: Mode,
    capacity: usize,
    /// Tiles of each candidate, ascending (the order the accelerator reads them).
    tiles_of: Vec<Vec<TileId>>,
    /// The same as bitmaps over tile ids, for membership in O(1).
    used_bits: Vec<Vec<u64>>,
    states: Vec<LruState>,
    by_fingerprint: HashMap<u64, Vec<u32>>,
    next: HashMap<(u32, u32), u32>,
    current: u32,
}

/// One LRU state: the held tiles from least to most recently used, and as a set.
#[derive(Debug, Clone)]
struct LruState {
    recency: Vec<TileId>,
    set: Arc<TileSet>,
}

impl Lru {
    /// States kept in the memo before it is cleared (each holds up to `capacity` tile ids).
    pub const MAX_STATES: usize = 1 << 14;

    /// LRU over the tiles of `layout` in a PB of `capacity` tiles (PB words), for the candidates
    /// of `table` from `net`.
    pub fn new(
        mode: Mode,
        table: &LatencyTable,
        net: &crate::net::supernet::SuperNet,
        layout: &crate::compile::tiles::TileLayout,
        capacity: usize,
    ) -> Result<Self, crate::compile::tiles::PbError> {
        let tiles_of = candidate_tiles(table, net, layout)?;
        Ok(Self::with_tiles(mode, tiles_of, capacity))
    }

    /// LRU over candidates that read `tiles_of[c]` (ascending), `capacity` tiles.
    pub(crate) fn with_tiles(mode: Mode, tiles_of: Vec<Vec<TileId>>, capacity: usize) -> Self {
        let used_bits = tile_bitmaps(&tiles_of);
        let mut lru = Lru {
            mode,
            capacity,
            tiles_of,
            used_bits,
            states: Vec::new(),
            by_fingerprint: HashMap::new(),
            next: HashMap::new(),
            current: 0,
        };
        lru.current = lru.intern(Vec::new());
        lru
    }

    fn fingerprint(recency: &[TileId]) -> u64 {
        recency.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &t| {
            (h ^ u64::from(t)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    fn intern(&mut self, recency: Vec<TileId>) -> u32 {
        let f = Self::fingerprint(&recency);
        if let Some(ids) = self.by_fingerprint.get(&f)
            && let Some(&id) = ids
                .iter()
                .find(|&&id| self.states[id as usize].recency == recency)
        {
            return id;
        }
        let id = self.states.len() as u32;
        let set = Arc::new(TileSet::new(recency.clone()));
        self.states.push(LruState { recency, set });
        self.by_fingerprint.entry(f).or_default().push(id);
        id
    }

    /// The recency list after candidate `c` read its tiles (ascending) from `recency`.
    fn step(&self, recency: &[TileId], c: usize) -> Vec<TileId> {
        let (used, bits) = (&self.tiles_of[c], &self.used_bits[c]);
        let keep_older = self.capacity.saturating_sub(used.len());
        let older: Vec<TileId> = recency
            .iter()
            .copied()
            .filter(|&t| bits[t as usize / 64] & (1 << (t % 64)) == 0)
            .collect();
        let mut out = older[older.len().saturating_sub(keep_older)..].to_vec();
        out.extend_from_slice(&used[used.len().saturating_sub(self.capacity)..]);
        out
    }
}

impl Policy for Lru {
    fn name(&self) -> &str {
        "lru"
    }
    fn cache(&mut self, _: &LatencyTable, _: &Now<'_>, _: &PbContent) -> PbContent {
        PbContent::Tiles(self.states[self.current as usize].set.clone())
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
        Some(self.states[self.current as usize].set.clone())
    }
    fn served(&mut self, _: &LatencyTable, _: &Now<'_>, candidate: usize) {
        let key = (self.current, candidate as u32);
        if let Some(&next) = self.next.get(&key) {
            self.current = next;
            return;
        }
        let recency = self.step(&self.states[self.current as usize].recency, candidate);
        if self.states.len() >= Self::MAX_STATES {
            // Bound the memo: start again from the current state alone.
            let keep = self.states[self.current as usize].clone();
            self.states.clear();
            self.by_fingerprint.clear();
            self.next.clear();
            self.current = self.intern(keep.recency);
        }
        let next = self.intern(recency);
        self.next.insert((self.current, candidate as u32), next);
        self.current = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::fixtures::{q, table};

    #[test]
    fn lru_keeps_the_most_recently_used_tiles_in_read_order() {
        let t = table();
        let mut lru = Lru::with_tiles(
            Mode::LatencyStrict,
            vec![(0..6).collect(), vec![0, 1, 2], vec![7, 8]],
            4,
        );
        let trace = [q(0.0, 1000)];
        let now = Now {
            queries: &trace,
            i: 0,
            cycle: 0,
        };
        let held = |l: &mut Lru| match l.cache(&t, &now, &PbContent::SubGraph(0)) {
            PbContent::Tiles(v) => v.tiles().to_vec(),
            other => panic!("LRU holds tiles, not {other:?}"),
        };
        assert!(held(&mut lru).is_empty(), "starts empty");
        // Six tiles through a four-tile cache: the last four read stay.
        lru.served(&t, &now, 0);
        assert_eq!(held(&mut lru), [2, 3, 4, 5]);
        // 0, 1, 2 are now the newest; the fourth place goes to the newest of the rest (5).
        lru.served(&t, &now, 1);
        assert_eq!(held(&mut lru), [0, 1, 2, 5]);
        // 7, 8 newest, then 2 and 1 (read after 0).
        lru.served(&t, &now, 2);
        assert_eq!(held(&mut lru), [1, 2, 7, 8]);
        // Serving 0 again returns to the state after the first query, through the memo.
        let states = lru.states.len();
        lru.served(&t, &now, 0);
        assert_eq!(held(&mut lru), [2, 3, 4, 5]);
        lru.served(&t, &now, 1);
        assert_eq!(held(&mut lru), [0, 1, 2, 5]);
        assert_eq!(
            lru.states.len(),
            states,
            "known states are not interned twice"
        );
        // A cache knows nothing of SubNets: selection reads the empty-PB column.
        assert_eq!(
            lru.select(
                &t,
                &now,
                &PbContent::Tiles(Arc::new(TileSet::new(vec![1, 2])))
            ),
            select(&t, &trace[0], 0, Mode::LatencyStrict, 0)
        );
    }
}
