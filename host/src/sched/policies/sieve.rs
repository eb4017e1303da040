//! SIEVE (Zhang et al., NSDI 2024) over weight tiles.
use super::tile_cache::{Lists, Replacement, Resident};
use crate::compile::tiles::TileId;

/// The one FIFO queue, newest at its head.
const QUEUE: u8 = 0;

/// SIEVE over `capacity` tiles: one FIFO queue, a visited bit per held tile and a hand. A hit
/// only sets the tile's visited bit (no reordering). A miss on a full cache moves the hand from
/// where it stopped (first from the oldest end) towards the newest, clearing visited bits, and
/// evicts the first unvisited tile; the hand stays at that tile's newer neighbour and wraps to
/// the oldest end. New tiles enter at the head, unvisited, so a tile requested once (a
/// one-hit wonder) is the first the hand evicts, while tiles that earned a hit survive a pass.
#[derive(Debug, Clone)]
pub struct Sieve {
    capacity: usize,
    queue: Lists,
    /// Visited bits, a bitmap over tile ids.
    visited: Vec<u64>,
    /// The next tile the hand examines (None: the oldest end).
    hand: Option<TileId>,
    resident: Resident,
}

impl Sieve {
    /// An empty SIEVE cache of `capacity` tiles.
    pub fn new(capacity: usize) -> Self {
        Sieve {
            capacity,
            queue: Lists::new(1),
            visited: Vec::new(),
            hand: None,
            resident: Resident::default(),
        }
    }

    /// Where the hand stands (None: it starts at the oldest tile).
    pub fn hand(&self) -> Option<TileId> {
        self.hand
    }

    /// Whether held tile `tile` was hit since the hand last passed it.
    pub fn visited(&self, tile: TileId) -> bool {
        let t = tile as usize;
        self.visited
            .get(t / 64)
            .is_some_and(|w| w & (1 << (t % 64)) != 0)
    }

    fn set_visited(&mut self, tile: TileId, on: bool) {
        let t = tile as usize;
        if t / 64 >= self.visited.len() {
            self.visited.resize(t / 64 + 1, 0);
        }
        if on {
            self.visited[t / 64] |= 1 << (t % 64);
        } else {
            self.visited[t / 64] &= !(1 << (t % 64));
        }
    }

    fn evict(&mut self) {
        let mut t = match self.hand.or_else(|| self.queue.oldest(QUEUE)) {
            Some(t) => t,
            None => return,
        };
        while self.visited(t) {
            self.set_visited(t, false);
            t = self
                .queue
                .newer(t)
                .or_else(|| self.queue.oldest(QUEUE))
                .expect("the queue holds t");
        }
        self.hand = self.queue.newer(t);
        self.queue.unlink(t);
        self.resident.remove(t);
    }
}

impl Replacement for Sieve {
    fn name(&self) -> &'static str {
        "sieve"
    }

    fn request(&mut self, tile: TileId) {
        if self.capacity == 0 {
            return;
        }
        if self.resident.contains(tile) {
            self.set_visited(tile, true);
            return;
        }
        if self.resident.len() >= self.capacity {
            self.evict();
        }
        self.set_visited(tile, false);
        self.queue.push_newest(QUEUE, tile);
        self.resident.insert(tile);
    }

    fn held(&self) -> &Resident {
        &self.resident
    }

    fn request_all(&mut self, tiles: &[TileId], bits: &[u64]) {
        // Hits only set visited bits and never reorder, so a batch held in full is one OR of
        // bitmaps; any miss takes the requests one by one (an eviction depends on the bits
        // the earlier requests set).
        if self.capacity > 0 && self.resident.holds_all(bits) {
            if self.visited.len() < bits.len() {
                self.visited.resize(bits.len(), 0);
            }
            for (v, &b) in self.visited.iter_mut().zip(bits) {
                *v |= b;
            }
            return;
        }
        for &t in tiles {
            self.request(t);
        }
    }

    fn repeated_hits_are_idle(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::policies::tile_cache::tests::misses;

    #[test]
    fn one_hit_wonders_are_evicted_before_tiles_that_were_hit() {
        let mut sieve = Sieve::new(3);
        misses(&mut sieve, &[1, 2, 3, 1, 3]);
        assert!(sieve.visited(1) && !sieve.visited(2) && sieve.visited(3));
        // 4 needs room: the hand clears 1's bit and evicts 2, never hit.
        assert_eq!(misses(&mut sieve, &[4]), 1);
        assert_eq!(sieve.held().tiles(), [1, 3, 4]);
        assert!(!sieve.visited(1), "the hand cleared the bit it passed");
        assert_eq!(
            sieve.hand(),
            Some(3),
            "the hand stops after the evicted tile"
        );
    }

    #[test]
    fn the_hand_resumes_where_it_stopped_and_wraps_to_the_oldest_end() {
        let mut sieve = Sieve::new(3);
        misses(&mut sieve, &[1, 2, 3, 1, 3]);
        misses(&mut sieve, &[4]); // evicts 2, hand at 3 (visited)
        // 5: the hand clears 3, reaches 4 (unvisited), evicts it; nothing newer: wraps.
        misses(&mut sieve, &[5]);
        assert_eq!(sieve.held().tiles(), [1, 3, 5]);
        assert_eq!(sieve.hand(), None);
        // 6: from the oldest end again: 1 lost its bit on the first pass, so 1 goes.
        misses(&mut sieve, &[6]);
        assert_eq!(sieve.held().tiles(), [3, 5, 6]);
    }

    #[test]
    fn hits_do_not_reorder_the_queue() {
        // Under LRU the hit on 1 would save it; SIEVE keeps insertion order and only marks it,
        // so when every tile is marked the hand clears them all and evicts the oldest.
        let mut sieve = Sieve::new(2);
        misses(&mut sieve, &[1, 2, 2, 1]);
        misses(&mut sieve, &[3]);
        assert_eq!(sieve.held().tiles(), [2, 3]);
    }
}
