//! A lower bound on the DRAM weight bytes of any policy that serves a given sequence of
//! selections: Belady's offline optimum over the tile request stream.
//!
//! What it bounds. Fix the candidates the queries were served with. Every policy then reads the
//! same weight tiles in the same order (each candidate's tiles in read order, query after
//! query); it differs only in what the PB holds. A tile read while the PB holds it costs no
//! DRAM bytes; a tile read while the PB does not hold it is streamed (`LOAD_W`) and costs its
//! bytes; a tile put into the PB (a refill, `LOAD_PB`) costs its bytes too; dropping a tile is
//! free. At most `capacity` tiles (PB words) are held at a time, and every tile has one size.
//!
//! Why it is a lower bound. Every such policy is a schedule of the general offline caching
//! problem with bypass and prefetch: loads at any time at one fetch each, a request served
//! free when held and for one fetch otherwise. Relaxing "the PB does not change during a query"
//! only adds schedules. Any schedule can be made lazy without raising its fetches: postpone
//! each load to the next request of its tile (which then fetches once and keeps the tile),
//! dropping loads whose tile is evicted first; a later load never overfills the PB. A lazy
//! schedule fetches exactly on the requests it does not serve from the PB, and among those
//! Belady's rule is optimal by his exchange argument: on a request that is not held, keep the
//! `capacity` tiles (the requested one included) whose next requests come soonest, bypassing
//! the requested tile when it is the one needed last. So its fetch count ([`min_fetches`]) is at
//! most any policy's number of streamed plus refilled tiles, and times the tile bytes it is at
//! most any policy's DRAM weight bytes ([`belady_weight_bytes`]).
//!
//! It bounds the cache, not the selection: another sequence of SubNets reads other tiles.
use std::collections::BTreeSet;

use crate::compile::tiles::TileId;

/// Never requested again.
const NEVER: usize = usize::MAX;

/// The tile request stream of a served sequence: the tiles of `tiles_of[c]` (in read order) for
/// each candidate `c` of `served`, query after query.
pub fn request_stream(tiles_of: &[Vec<TileId>], served: &[usize]) -> Vec<TileId> {
    served
        .iter()
        .flat_map(|&c| tiles_of[c].iter().copied())
        .collect()
}

/// For each request, the position of the next request for the same tile (`usize::MAX`: none).
fn next_uses(requests: &[TileId]) -> Vec<usize> {
    let universe = requests.iter().max().map_or(0, |&t| t as usize + 1);
    let mut next_seen = vec![NEVER; universe];
    let mut next = vec![NEVER; requests.len()];
    for (i, &t) in requests.iter().enumerate().rev() {
        next[i] = next_seen[t as usize];
        next_seen[t as usize] = i;
    }
    next
}

/// The fewest DRAM fetches of tiles (streamed or refilled) any cache of `capacity` tiles can
/// serve `requests` with: Belady's MIN with bypass, in O(n log n) from next-use positions.
pub fn min_fetches(requests: &[TileId], capacity: usize) -> u64 {
    let next = next_uses(requests);
    // Held tiles keyed by their next request; a held tile's key is always its next use, so
    // the largest key is the tile needed last. Ties among `NEVER` break on the tile id.
    let mut held: BTreeSet<(usize, TileId)> = BTreeSet::new();
    let universe = requests.iter().max().map_or(0, |&t| t as usize + 1);
    let mut held_until = vec![None::<usize>; universe];
    let mut fetches = 0;
    for (i, &t) in requests.iter().enumerate() {
        let slot = &mut held_until[t as usize];
        if let Some(key) = slot.take() {
            // Invariant: a held tile's key is this request's position, its next use.
            debug_assert_eq!(key, i);
            held.remove(&(key, t));
            held.insert((next[i], t));
            *slot = Some(next[i]);
            continue;
        }
        fetches += 1;
        if next[i] == NEVER || capacity == 0 {
            continue; // bypass: never needed again, or nowhere to keep it
        }
        if held.len() == capacity {
            let &(last, victim) = held.last().expect("a full PB holds a tile");
            if last <= next[i] {
                continue; // bypass: every held tile is needed before this one
            }
            held.pop_last();
            held_until[victim as usize] = None;
        }
        held.insert((next[i], t));
        held_until[t as usize] = Some(next[i]);
    }
    fetches
}

/// The lower bound on DRAM weight bytes of any policy serving `requests` with a PB of
/// `capacity` tiles of `tile_bytes` each: [`min_fetches`] times `tile_bytes` (see the module
/// documentation for why no policy does better).
pub fn belady_weight_bytes(requests: &[TileId], capacity: usize, tile_bytes: u64) -> u64 {
    min_fetches(requests, capacity) * tile_bytes
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;
    use crate::compile::tiles::TileSet;
    use crate::rng::SplitMix64;
    use crate::sched::fixtures::{q, table};
    use crate::sched::policies::{AdaptiveReplacement, Lru, Sieve, TileCache, WTinyLfu};
    use crate::sched::policy::{Now, PbContent, Policy};
    use crate::sched::select::Mode;

    /// The optimum by exhaustive search over every choice on every request (keep the requested
    /// tile or not, and which held tile to drop for it), held sets as bitmasks.
    fn exhaustive_min_fetches(requests: &[TileId], capacity: usize) -> u64 {
        fn search(
            requests: &[TileId],
            i: usize,
            held: u32,
            capacity: usize,
            memo: &mut HashMap<(usize, u32), u64>,
        ) -> u64 {
            if i == requests.len() {
                return 0;
            }
            if let Some(&v) = memo.get(&(i, held)) {
                return v;
            }
            let bit = 1u32 << requests[i];
            let best = if held & bit != 0 {
                search(requests, i + 1, held, capacity, memo)
            } else {
                let mut best = search(requests, i + 1, held, capacity, memo); // bypass
                if (held.count_ones() as usize) < capacity {
                    best = best.min(search(requests, i + 1, held | bit, capacity, memo));
                }
                for drop in 0..32 {
                    if held & (1 << drop) != 0 {
                        let next = (held & !(1 << drop)) | bit;
                        best = best.min(search(requests, i + 1, next, capacity, memo));
                    }
                }
                1 + best
            };
            memo.insert((i, held), best);
            best
        }
        search(requests, 0, 0, capacity, &mut HashMap::new())
    }

    fn random_stream(rng: &mut SplitMix64, tiles: u64, len: usize) -> Vec<TileId> {
        (0..len).map(|_| rng.below(tiles) as TileId).collect()
    }

    #[test]
    fn belady_equals_the_exhaustive_optimum_on_tiny_instances() {
        for seed in 0..300 {
            let mut rng = SplitMix64::new(seed);
            let capacity = 2 + (seed % 2) as usize;
            let stream = random_stream(&mut rng, 6, 12);
            assert_eq!(
                min_fetches(&stream, capacity),
                exhaustive_min_fetches(&stream, capacity),
                "seed {seed}, capacity {capacity}, stream {stream:?}"
            );
        }
    }

    #[test]
    fn bypass_beats_demand_filling_when_the_requested_tile_is_needed_last() {
        // One slot: keep 1 through the request for 2, which is never needed again.
        assert_eq!(min_fetches(&[1, 2, 1], 1), 2);
        assert_eq!(min_fetches(&[1, 2, 3, 1, 2, 3], 0), 6);
        assert_eq!(belady_weight_bytes(&[1, 1, 1], 1, 128), 128);
    }

    /// Tile fetches of `policy` serving candidates `served` of `tiles_of`, as this system pays
    /// them: the tiles a query reads that the PB does not hold, plus the tiles each refill adds.
    fn policy_fetches(policy: &mut dyn Policy, tiles_of: &[Vec<TileId>], served: &[usize]) -> u64 {
        let t = table();
        let trace = [q(0.0, 1000)];
        let now = Now {
            queries: &trace,
            i: 0,
            cycle: 0,
        };
        let mut held = Arc::new(TileSet::new(Vec::new()));
        let mut fetches = 0;
        for &c in served {
            let next = match policy.cache(&t, &now, &PbContent::Tiles(held.clone())) {
                PbContent::Tiles(next) => next,
                other => panic!("a tile cache holds tiles, not {other:?}"),
            };
            fetches += next
                .tiles()
                .iter()
                .filter(|t| held.tiles().binary_search(t).is_err())
                .count() as u64;
            held = next;
            fetches += tiles_of[c]
                .iter()
                .filter(|t| held.tiles().binary_search(t).is_err())
                .count() as u64;
            policy.served(&t, &now, c);
        }
        fetches
    }

    #[test]
    fn no_tile_cache_pays_less_than_the_bound_on_its_own_stream() {
        for seed in 0..40u64 {
            let mut rng = SplitMix64::new(seed);
            // Candidates read ascending runs of a 64-tile universe, like nested SubNets.
            let tiles_of: Vec<Vec<TileId>> = (0..5)
                .map(|_| {
                    let start = rng.below(24) as TileId;
                    let len = 4 + rng.below(24) as TileId;
                    (start..start + len).collect()
                })
                .collect();
            let served: Vec<usize> = (0..60).map(|_| rng.below(5) as usize).collect();
            let capacity = 4 + rng.below(28) as usize;
            let bound = min_fetches(&request_stream(&tiles_of, &served), capacity);
            let mode = Mode::LatencyStrict;
            let mut policies: Vec<Box<dyn Policy>> = vec![
                Box::new(Lru::with_tiles(mode, tiles_of.clone(), capacity)),
                Box::new(TileCache::with_tiles(
                    mode,
                    tiles_of.clone(),
                    AdaptiveReplacement::new(capacity),
                )),
                Box::new(TileCache::with_tiles(
                    mode,
                    tiles_of.clone(),
                    Sieve::new(capacity),
                )),
                Box::new(TileCache::with_tiles(
                    mode,
                    tiles_of.clone(),
                    WTinyLfu::new(capacity),
                )),
            ];
            for p in &mut policies {
                let paid = policy_fetches(p.as_mut(), &tiles_of, &served);
                assert!(
                    bound <= paid,
                    "seed {seed}: {} paid {paid} tile fetches, under the bound {bound}",
                    p.name()
                );
            }
        }
    }
}
