//! ARC, the adaptive replacement cache (Megiddo and Modha, FAST 2003), over weight tiles.
use super::tile_cache::{Lists, Replacement, Resident};
use crate::compile::tiles::TileId;

/// Held tiles seen once recently (`T1`).
const RECENT: u8 = 0;
/// Held tiles seen at least twice (`T2`).
const FREQUENT: u8 = 1;
/// Ghosts evicted from `T1` (`B1`): ids only, no data.
const RECENT_GHOST: u8 = 2;
/// Ghosts evicted from `T2` (`B2`).
const FREQUENT_GHOST: u8 = 3;

/// ARC over `capacity` tiles: two LRU lists of held tiles, `T1` (seen once) and `T2` (seen at
/// least twice), and two ghost lists `B1`, `B2` of the ids they last evicted, at most
/// `capacity` held tiles and `2 * capacity` ids in all, `|T1| + |B1| <= capacity`. A hit in
/// ghost list `B1` means `T1` was too small, so the target size `p` of `T1` grows by
/// `max(1, |B2| / |B1|)`; a hit in `B2` shrinks it by `max(1, |B1| / |B2|)` (integer
/// division). Eviction takes the oldest of `T1` when `T1` exceeds `p` (or equals it on a `B2`
/// hit), else the oldest of `T2`. This is the paper's algorithm as written, request by request.
#[derive(Debug, Clone)]
pub struct AdaptiveReplacement {
    capacity: usize,
    /// Target size of `T1`, in `0..=capacity`.
    p: usize,
    lists: Lists,
    resident: Resident,
}

impl AdaptiveReplacement {
    /// An empty ARC of `capacity` tiles.
    pub fn new(capacity: usize) -> Self {
        AdaptiveReplacement {
            capacity,
            p: 0,
            lists: Lists::new(4),
            resident: Resident::default(),
        }
    }

    /// The target size of `T1` (recency's share of the cache).
    pub fn recency_target(&self) -> usize {
        self.p
    }

    /// Tiles in `T1`, `T2`, `B1`, `B2`.
    pub fn list_lens(&self) -> [usize; 4] {
        [RECENT, FREQUENT, RECENT_GHOST, FREQUENT_GHOST].map(|l| self.lists.len(l))
    }

    /// The paper's REPLACE: evicts the oldest of `T1` or of `T2` to its ghost list.
    fn replace(&mut self, hit_in_frequent_ghost: bool) {
        let recent = self.lists.len(RECENT);
        // Only a full cache evicts: ARC keeps it full once the lists hold `capacity` ids, and
        // the guard keeps an eviction from emptying a cache that is still filling.
        if recent + self.lists.len(FREQUENT) < self.capacity {
            return;
        }
        let from_recent =
            recent > 0 && (recent > self.p || (hit_in_frequent_ghost && recent == self.p));
        let (from, to) = if from_recent {
            (RECENT, RECENT_GHOST)
        } else {
            (FREQUENT, FREQUENT_GHOST)
        };
        if let Some(t) = self.lists.pop_oldest(from) {
            self.resident.remove(t);
            self.lists.push_newest(to, t);
        }
    }
}

impl Replacement for AdaptiveReplacement {
    fn name(&self) -> &'static str {
        "arc"
    }

    fn request(&mut self, tile: TileId) {
        if self.capacity == 0 {
            return;
        }
        let c = self.capacity;
        match self.lists.list_of(tile) {
            RECENT | FREQUENT => self.lists.move_to_newest(FREQUENT, tile),
            RECENT_GHOST => {
                let (b1, b2) = (self.lists.len(RECENT_GHOST), self.lists.len(FREQUENT_GHOST));
                self.p = (self.p + (b2 / b1).max(1)).min(c);
                self.replace(false);
                self.lists.move_to_newest(FREQUENT, tile);
                self.resident.insert(tile);
            }
            FREQUENT_GHOST => {
                let (b1, b2) = (self.lists.len(RECENT_GHOST), self.lists.len(FREQUENT_GHOST));
                self.p = self.p.saturating_sub((b1 / b2).max(1));
                self.replace(true);
                self.lists.move_to_newest(FREQUENT, tile);
                self.resident.insert(tile);
            }
            _ => {
                let l1 = self.lists.len(RECENT) + self.lists.len(RECENT_GHOST);
                let l2 = self.lists.len(FREQUENT) + self.lists.len(FREQUENT_GHOST);
                if l1 == c {
                    if self.lists.len(RECENT) < c {
                        self.lists.pop_oldest(RECENT_GHOST);
                        self.replace(false);
                    } else if let Some(t) = self.lists.pop_oldest(RECENT) {
                        // T1 fills the cache and has no ghosts: its oldest leaves without one.
                        self.resident.remove(t);
                    }
                } else if l1 + l2 >= c {
                    if l1 + l2 == 2 * c {
                        self.lists.pop_oldest(FREQUENT_GHOST);
                    }
                    self.replace(false);
                }
                self.lists.push_newest(RECENT, tile);
                self.resident.insert(tile);
            }
        }
        debug_assert!(self.resident.len() <= c, "ARC holds more than its capacity");
    }

    fn held(&self) -> &Resident {
        &self.resident
    }

    fn repeated_hits_are_idle(&self) -> bool {
        // Every hit moves its tile to the newest end of T2: after a batch that hit throughout,
        // its tiles are T2's newest in read order, which the same batch reproduces; p and the
        // ghosts change only on misses.
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::policies::tile_cache::tests::misses;

    #[test]
    fn a_tile_seen_twice_moves_from_recent_to_frequent() {
        let mut arc = AdaptiveReplacement::new(4);
        misses(&mut arc, &[1, 2, 3]);
        assert_eq!(arc.list_lens(), [3, 0, 0, 0]);
        misses(&mut arc, &[2]);
        assert_eq!(arc.list_lens(), [2, 1, 0, 0]);
        assert_eq!(arc.held().tiles(), [1, 2, 3]);
    }

    #[test]
    fn a_scan_of_new_tiles_does_not_flush_the_frequent_ones() {
        let mut arc = AdaptiveReplacement::new(4);
        // 1 and 2 become frequent; then a scan of eight tiles seen once.
        misses(&mut arc, &[1, 2, 1, 2]);
        misses(&mut arc, &[10, 11, 12, 13, 14, 15, 16, 17]);
        let held = arc.held().tiles();
        assert!(
            held.contains(&1) && held.contains(&2),
            "the scan evicts only from T1 (p = 0): {held:?}"
        );
        assert_eq!(held.len(), 4, "the cache stays full");
    }

    #[test]
    fn a_hit_in_the_recent_ghost_list_grows_recency_and_one_in_the_frequent_ghost_list_shrinks_it()
    {
        let mut arc = AdaptiveReplacement::new(2);
        // 1 frequent; 2, 3 through T1: 2 is evicted to B1.
        misses(&mut arc, &[1, 1, 2, 3]);
        assert_eq!(arc.recency_target(), 0);
        assert_eq!(arc.list_lens(), [1, 1, 1, 0]);
        // 2 again: a B1 hit, T1 should have been larger.
        assert_eq!(misses(&mut arc, &[2]), 1);
        assert_eq!(arc.recency_target(), 1);
        // With |T1| = p = 1, that hit evicted the oldest of T2 (1) to B2; asking for 1 again
        // is a B2 hit, which shrinks p back.
        let [_, _, _, b2] = arc.list_lens();
        assert_eq!(b2, 1, "{:?}", arc.list_lens());
        assert_eq!(misses(&mut arc, &[1]), 1);
        assert_eq!(arc.recency_target(), 0);
        assert_eq!(arc.held().len(), 2);
    }

    #[test]
    fn the_lists_never_exceed_the_papers_bounds() {
        let mut arc = AdaptiveReplacement::new(3);
        let mut rng = crate::rng::SplitMix64::new(7);
        for _ in 0..2_000 {
            arc.request(rng.below(12) as TileId);
            let [t1, t2, b1, b2] = arc.list_lens();
            assert!(t1 + t2 <= 3 && t1 + b1 <= 3 && t1 + t2 + b1 + b2 <= 6);
            assert_eq!(arc.held().len(), t1 + t2);
            assert!(arc.recency_target() <= 3);
        }
    }
}
