//! The seam every serving policy implements: what the PB holds ([`PbContent`]), the moment of a
//! decision ([`Now`]), the [`Policy`] trait, and [`TilePricer`] for contents the table has no
//! column for.
use std::sync::Arc;

use super::table::{LatencyTable, RunCost};
use crate::compile::tiles::{TileId, TileSet};
use crate::workload::trace::Query;

/// Prices runs under tile sets the latency table has no column for (tile-level policies).
pub trait TilePricer {
    /// Costs of candidate `candidate` of `table` with `held` in the PB.
    fn price(&mut self, table: &LatencyTable, candidate: usize, held: &TileSet) -> RunCost;
    /// Bytes and cycles of the refill from `from` to `to` (only the tiles `to` adds move).
    fn refill(&mut self, from: &TileSet, to: &TileSet) -> (u64, u64);
    /// What candidate `candidate`'s run with `held` in the PB leaves there when its weight loads
    /// deposit (`LOAD_W_PB`) the tiles of `target` it streams: `target`'s tiles already held stay,
    /// those the run streams are written on the way, the rest of `held` goes.
    fn deposit(
        &mut self,
        table: &LatencyTable,
        candidate: usize,
        held: &TileSet,
        target: &TileSet,
    ) -> Deposited;
}

/// The PB after a run that deposited tiles on the way ([`TilePricer::deposit`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Deposited {
    /// What the PB holds after the run (and after the refill below).
    pub after: Arc<TileSet>,
    /// Bytes written into the PB on the way (read from DRAM once, by the run's loads).
    pub deposited_bytes: u64,
    /// Tiles of `after` the run streamed but could not deposit (every PB word it could write was
    /// taken): a refill after the run, its bytes and cycles.
    pub refill_bytes: u64,
    /// Cycles of that refill.
    pub refill_cycles: u64,
}

/// What the PB holds after a run of a SubNet that reads `subnet` (ascending), with `held` in the
/// PB, whose loads deposit the tiles of `target` they stream, in a PB of `capacity` words: the
/// tiles of `target` that were held or streamed, then held tiles outside `target` while words
/// remain (lowest ids first), so a deposit drops no held tile whose word it does not need.
/// Tiles of `target` neither held nor streamed wait for a refill.
pub fn after_run(held: &TileSet, subnet: &[TileId], target: &TileSet, capacity: usize) -> TileSet {
    let (h, s) = (held.tiles(), subnet);
    let reached: Vec<TileId> = target
        .tiles()
        .iter()
        .copied()
        .filter(|t| h.binary_search(t).is_ok() || s.binary_search(t).is_ok())
        .collect();
    let room = capacity.saturating_sub(reached.len());
    let kept = h
        .iter()
        .copied()
        .filter(|t| target.tiles().binary_search(t).is_err())
        .take(room);
    let mut tiles = reached;
    tiles.extend(kept);
    TileSet::new(tiles)
}

/// What the Persistent Buffer holds while a query runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PbContent {
    /// One of the latency table's SubGraphs (index 0: the empty PB).
    SubGraph(usize),
    /// Any set of tiles (tile-level policies: [`Lru`](super::policies::Lru) and the classical
    /// caches of [`TileCache`](super::policies::TileCache)). The latency table has no column for it:
    /// its costs come from compiling against the PB map (a [`TilePricer`], or
    /// `serve::Executor`).
    Tiles(Arc<TileSet>),
}

impl PbContent {
    /// The table's SubGraph index, if the content is one.
    pub fn subgraph(&self) -> Option<usize> {
        match self {
            PbContent::SubGraph(g) => Some(*g),
            PbContent::Tiles(_) => None,
        }
    }
}

/// The moment a policy decides for a query.
#[derive(Debug, Clone, Copy)]
pub struct Now<'a> {
    /// The whole trace; a policy reads only `queries[..=i]` and those after `i` that have
    /// already arrived (`arrival_cycle <= cycle`); only an oracle looks further.
    pub queries: &'a [Query],
    /// Index of the query being decided.
    pub i: usize,
    /// Cycle of the decision, on the timeline SushiAbs predicts (so that every backend makes the
    /// same decisions): for [`Policy::cache`] the cycle the accelerator became free, for
    /// [`Policy::select`] the cycle service starts (query arrived, refill done).
    pub cycle: u64,
}

impl Now<'_> {
    /// Cycles query `i` has waited so far.
    pub fn waited_cycles(&self) -> u64 {
        self.cycle
            .saturating_sub(self.queries[self.i].arrival_cycle)
    }
}

/// A serving policy: which SubNet serves a query, and what the PB holds.
pub trait Policy {
    /// Its name in reports.
    fn name(&self) -> &str;
    /// What the PB holds before serving query `now.i`, given what it holds.
    fn cache(&mut self, table: &LatencyTable, now: &Now<'_>, current: &PbContent) -> PbContent;
    /// The candidate serving query `now.i` with `held` in the PB (after any refill).
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, held: &PbContent) -> usize;
    /// Told that candidate `candidate` served query `now.i` (tile-level policies update their
    /// recency here).
    fn served(&mut self, _table: &LatencyTable, _now: &Now<'_>, _candidate: usize) {}
    /// Whether the cache step waits for the query to arrive (policies that load what the query
    /// needs, on demand) instead of running as soon as the accelerator is free.
    fn cache_at_arrival(&self) -> bool {
        false
    }
    /// Whether a refill keeps the tiles the old and new contents share (weight sharing). Without
    /// it, every change of content reloads all of the new content's bytes.
    fn shares_weights(&self) -> bool {
        true
    }
    /// Whether candidate `candidate` reads its weights from what the PB holds (without weight
    /// sharing, only the model the PB holds does; any other runs from DRAM alone).
    fn uses_pb(&self, _held: &PbContent, _candidate: usize) -> bool {
        true
    }
    /// The tiles the PB should hold after candidate `candidate` has served query `now.i` with
    /// `held`, asked after [`Policy::served`]: the run's weight loads deposit those of them it
    /// streams into the PB on the way (one DRAM read feeds the datapath and the cache). None (the
    /// default): the PB does not change during a run; changes wait for the next refill.
    fn deposit_target(
        &mut self,
        _table: &LatencyTable,
        _now: &Now<'_>,
        _held: &PbContent,
        _candidate: usize,
    ) -> Option<Arc<TileSet>> {
        None
    }
}

/// The table column of what SubGraph policies hold (they never hold a bare tile set).
pub(crate) fn column(held: &PbContent) -> usize {
    held.subgraph().unwrap_or(0)
}
