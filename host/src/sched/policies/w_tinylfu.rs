//! W-TinyLFU (Einziger, Friedman and Manes, ACM Transactions on Storage 2017) over weight tiles.
use super::tile_cache::{Lists, Replacement, Resident};
use crate::compile::tiles::TileId;

/// The admission window, an LRU list.
const WINDOW: u8 = 0;
/// The main cache's segment for tiles hit once there (SLRU probation).
const PROBATION: u8 = 1;
/// The main cache's segment for tiles hit again (SLRU protected).
const PROTECTED: u8 = 2;

/// A count-min sketch of request frequencies with 4-bit counters and periodic halving (the
/// "reset" that lets TinyLFU forget), deterministic: its hashes are fixed functions of the id.
#[derive(Debug, Clone)]
pub struct FrequencySketch {
    /// `DEPTH` rows of `width` counters, row after row.
    counters: Vec<u8>,
    /// Counters per row, a power of two.
    width: usize,
    /// Requests recorded since the last halving.
    recorded: usize,
    /// Requests after which every counter is halved.
    sample_size: usize,
}

impl FrequencySketch {
    /// Rows (hash functions).
    pub const DEPTH: usize = 4;
    /// Counters saturate here (4-bit counters, as in the paper: a count above it adds nothing
    /// to an admission decision between a window and a cache of this size).
    pub const MAX_COUNT: u8 = 15;

    /// A sketch for a cache of `capacity` items: rows of the next power of two `>= 4 *
    /// capacity` counters, halved every `10 * capacity` requests (the paper's sample size).
    pub fn new(capacity: usize) -> Self {
        let width = (4 * capacity.max(16)).next_power_of_two();
        FrequencySketch {
            counters: vec![0; Self::DEPTH * width],
            width,
            recorded: 0,
            sample_size: 10 * capacity.max(1),
        }
    }

    /// The counter of `tile` in each row: 32 bits per row from two 64-bit mixes of the id, so
    /// that two ids share a counter in every row only by chance in each row, not all at once.
    fn slots(&self, tile: TileId) -> [usize; Self::DEPTH] {
        fn mix(mut h: u64) -> u64 {
            h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
            h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            h ^ (h >> 31)
        }
        let low = mix(u64::from(tile));
        let high = mix(low);
        std::array::from_fn(|row| {
            let bits = ((low >> (16 * row)) & 0xffff) | (((high >> (16 * row)) & 0xffff) << 16);
            row * self.width + (bits as usize & (self.width - 1))
        })
    }

    /// Counts one request for `tile`; every `sample_size` requests halves every counter.
    pub fn record(&mut self, tile: TileId) {
        for s in self.slots(tile) {
            let c = &mut self.counters[s];
            *c = (*c + 1).min(Self::MAX_COUNT);
        }
        self.recorded += 1;
        if self.recorded >= self.sample_size {
            for c in &mut self.counters {
                *c /= 2;
            }
            self.recorded /= 2;
        }
    }

    /// The estimated recent request count of `tile` (never below the true count since the
    /// last halving, up to `MAX_COUNT`).
    pub fn estimate(&self, tile: TileId) -> u8 {
        self.slots(tile)
            .iter()
            .map(|&s| self.counters[s])
            .min()
            .unwrap_or(0)
    }
}

/// W-TinyLFU over `capacity` tiles: an LRU admission window of 1% of the capacity (at least one
/// tile) in front of a main cache managed by segmented LRU (80% protected, the rest probation),
/// with TinyLFU admission between them. Every request is counted in a [`FrequencySketch`]. A new
/// tile enters the window; the tile the window pushes out (the candidate) enters the main cache
/// only if the sketch estimates it requested more often than the main cache's victim (the
/// oldest probation tile, else the oldest protected one), so a burst of cold tiles cannot push
/// out hot ones. A probation hit promotes to protected, whose overflow is demoted to probation.
#[derive(Debug, Clone)]
pub struct WTinyLfu {
    capacity: usize,
    window_capacity: usize,
    protected_capacity: usize,
    segments: Lists,
    sketch: FrequencySketch,
    resident: Resident,
}

impl WTinyLfu {
    /// An empty W-TinyLFU cache of `capacity` tiles.
    pub fn new(capacity: usize) -> Self {
        let window_capacity = if capacity == 0 {
            0
        } else {
            (capacity / 100).max(1)
        };
        let main = capacity - window_capacity;
        WTinyLfu {
            capacity,
            window_capacity,
            protected_capacity: main * 8 / 10,
            segments: Lists::new(3),
            sketch: FrequencySketch::new(capacity),
            resident: Resident::default(),
        }
    }

    /// Tiles in the window, probation and protected segments.
    pub fn segment_lens(&self) -> [usize; 3] {
        [WINDOW, PROBATION, PROTECTED].map(|s| self.segments.len(s))
    }

    /// The frequency sketch.
    pub fn sketch(&self) -> &FrequencySketch {
        &self.sketch
    }

    fn evict(&mut self, tile: TileId) {
        self.segments.unlink(tile);
        self.resident.remove(tile);
    }

    /// Moves the window's overflow into the main cache through the admission filter.
    fn admit_from_window(&mut self) {
        while self.segments.len(WINDOW) > self.window_capacity {
            let Some(candidate) = self.segments.oldest(WINDOW) else {
                return;
            };
            let main = self.segments.len(PROBATION) + self.segments.len(PROTECTED);
            if main + self.window_capacity < self.capacity {
                self.segments.move_to_newest(PROBATION, candidate);
                continue;
            }
            let victim = self
                .segments
                .oldest(PROBATION)
                .or_else(|| self.segments.oldest(PROTECTED));
            match victim {
                // Ties go to the victim: a tile must have been asked for more to displace one.
                Some(v) if self.sketch.estimate(candidate) > self.sketch.estimate(v) => {
                    self.evict(v);
                    self.segments.move_to_newest(PROBATION, candidate);
                }
                _ => self.evict(candidate),
            }
        }
    }
}

impl Replacement for WTinyLfu {
    fn name(&self) -> &'static str {
        "w-tinylfu"
    }

    fn request(&mut self, tile: TileId) {
        if self.capacity == 0 {
            return;
        }
        self.sketch.record(tile);
        match self.segments.list_of(tile) {
            WINDOW => self.segments.move_to_newest(WINDOW, tile),
            PROTECTED => self.segments.move_to_newest(PROTECTED, tile),
            PROBATION => {
                self.segments.move_to_newest(PROTECTED, tile);
                if self.segments.len(PROTECTED) > self.protected_capacity
                    && let Some(demoted) = self.segments.oldest(PROTECTED)
                {
                    self.segments.move_to_newest(PROBATION, demoted);
                }
            }
            _ => {
                self.segments.push_newest(WINDOW, tile);
                self.resident.insert(tile);
                self.admit_from_window();
            }
        }
        debug_assert!(self.resident.len() <= self.capacity);
    }

    fn held(&self) -> &Resident {
        &self.resident
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::policies::tile_cache::tests::misses;

    #[test]
    fn a_cold_tile_is_refused_admission_over_a_hot_one() {
        // 100 tiles: a window of one, 99 in the main cache.
        let mut lfu = WTinyLfu::new(100);
        let hot: Vec<TileId> = (0..99).collect();
        for _ in 0..6 {
            misses(&mut lfu, &hot);
        }
        // A scan of cold tiles passes through the window and is turned away. (A count-min
        // sketch overestimates: a cold id that shared a counter with a hot one in every row
        // would get in; none of these does.)
        let cold: Vec<TileId> = (1000..1200).collect();
        misses(&mut lfu, &cold);
        let held = lfu.held().tiles();
        assert!(
            hot.iter().all(|t| held.contains(t)),
            "every hot tile survives the scan"
        );
        assert_eq!(held.len(), 100, "plus the newest cold tile, in the window");
        assert!(held.contains(&1199));
    }

    #[test]
    fn a_tile_requested_more_often_displaces_the_victim() {
        let mut lfu = WTinyLfu::new(100);
        misses(&mut lfu, &(0..100).collect::<Vec<_>>());
        // 500 is asked for four times while it passes the window: it beats the oldest probation
        // tile (0, asked for once) and takes its place.
        misses(&mut lfu, &[500, 500, 500, 500, 501]);
        let held = lfu.held().tiles();
        assert!(held.contains(&500) && !held.contains(&0), "{held:?}");
    }

    #[test]
    fn segments_follow_the_configured_split() {
        let lfu = WTinyLfu::new(1000);
        assert_eq!(lfu.window_capacity, 10, "1% window");
        assert_eq!(lfu.protected_capacity, 792, "80% of the main cache");
        let tiny = WTinyLfu::new(3);
        assert_eq!((tiny.window_capacity, tiny.protected_capacity), (1, 1));
    }

    #[test]
    fn a_probation_hit_is_promoted_and_protected_overflow_is_demoted() {
        let mut lfu = WTinyLfu::new(6); // window 1, main 5: protected 4, probation 1+
        misses(&mut lfu, &[1, 2, 3, 4, 5, 6]);
        assert_eq!(lfu.segment_lens(), [1, 5, 0]);
        misses(&mut lfu, &[1, 2, 3, 4, 5]);
        assert_eq!(
            lfu.segment_lens(),
            [1, 1, 4],
            "the oldest protected tile went back"
        );
        assert_eq!(lfu.held().len(), 6);
    }

    #[test]
    fn the_sketch_counts_saturate_and_halve() {
        let mut sketch = FrequencySketch::new(1);
        for _ in 0..9 {
            sketch.record(7);
        }
        assert!(sketch.estimate(7) >= 9);
        sketch.record(7); // the tenth request reaches the sample size: halving
        assert_eq!(sketch.estimate(7), 5);
        let mut busy = FrequencySketch::new(1000);
        for _ in 0..100 {
            busy.record(3);
        }
        assert_eq!(busy.estimate(3), FrequencySketch::MAX_COUNT);
        assert_eq!(busy.estimate(4), 0, "a wide sketch keeps apart two ids");
    }
}
