//! SushiSched: per-query SubNet selection and SubGraph cache planning (DESIGN.md section 7),
//! with the baselines every benchmark reports beside it, all behind one [`Policy`] trait, and a
//! table-driven serving loop.
//!
//! The latency table `L[S][G]` ([`LatencyTable`]) holds SushiAbs's cycles for every candidate
//! SubNet (the Pareto front) under every candidate SubGraph. Selection, per query with targets
//! `(A, T)` under cache `G`: feasible SubNets have `acc(S) >= A` and `L[S][G] <= T`; latency-strict
//! mode serves the most accurate feasible one, accuracy-strict mode the fastest; when none is
//! feasible, the most accurate SubNet within `T`, else the fastest (an SLO miss either way).
//! The latency target is end to end, so selection fits the service into what queueing left of it
//! ([`select`]). Planning, every `period` queries: the SubGraph minimising the service cycles of
//! the window's demand plus the refill from the current one ([`plan`]), refills charged as DMA
//! cycles on the accelerator's timeline. Baselines: no cache, a static cache, one static SubNet,
//! cache-unaware selection (the same plans), LRU over weight tiles, and an oracle planning on the
//! future window (a bound).

use serde::Serialize;

use std::collections::HashMap;
use std::sync::Arc;

use crate::pb::{TileId, TileSet};
use crate::trace::Query;

/// A candidate SubNet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// SubNet index in the artifact.
    pub subnet: usize,
    /// Measured test accuracy, percent.
    pub accuracy: f64,
}

/// `L[S][G]` and what planning needs to charge refills.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyTable {
    /// Candidate SubNets, fastest first (with an empty PB).
    pub candidates: Vec<Candidate>,
    /// Candidate SubGraphs as config vectors; index 0 is the empty PB (an empty vector).
    pub subgraphs: Vec<Vec<u16>>,
    /// Tile bytes of each SubGraph.
    pub subgraph_bytes: Vec<u64>,
    /// Index of the SubGraph every candidate shares (their intersection; 0 when it is empty):
    /// the static-cache baseline's.
    pub shared_by_all: usize,
    /// Tile bytes each pair of SubGraphs shares: `shared_bytes[a][b]`.
    pub shared_bytes: Vec<Vec<u64>>,
    /// Cycles of candidate `s` with SubGraph `g` cached: `cycles[s][g]`.
    pub cycles: Vec<Vec<u64>>,
    /// DRAM weight bytes of candidate `s` with SubGraph `g` cached.
    pub dram_weight_bytes: Vec<Vec<u64>>,
    /// All DRAM bytes (weights, activations, epilogue, commands) of candidate `s` with `g`.
    pub dram_bytes: Vec<Vec<u64>>,
    /// Weight bytes candidate `s` reads from the PB (`COPY_PB`) with `g` cached.
    pub pb_read_bytes: Vec<Vec<u64>>,
    /// Tile bytes of candidate `s`.
    pub subnet_bytes: Vec<u64>,
    /// Cycles per byte moved into the PB, and per refill command (from SushiAbs).
    pub fill_cycles_per_byte: f64,
    /// Fixed cycles of a refill job.
    pub fill_fixed_cycles: u64,
}

impl LatencyTable {
    /// Costs of candidate `s` with SubGraph `g` cached.
    pub fn run_cost(&self, s: usize, g: usize) -> RunCost {
        RunCost {
            cycles: self.cycles[s][g],
            dram_weight_bytes: self.dram_weight_bytes[s][g],
            dram_bytes: self.dram_bytes[s][g],
            pb_read_bytes: self.pb_read_bytes[s][g],
        }
    }

    /// Cycles to refill from SubGraph `from` to `to`: only the tiles not already cached move.
    pub fn refill_cycles(&self, from: usize, to: usize) -> u64 {
        self.fill_cycles(self.refill_bytes(from, to))
    }

    /// Cycles of a refill job moving `bytes` into the PB.
    pub fn fill_cycles(&self, bytes: u64) -> u64 {
        if bytes == 0 {
            0
        } else {
            self.fill_fixed_cycles + (bytes as f64 * self.fill_cycles_per_byte).ceil() as u64
        }
    }

    /// Bytes a refill from `from` to `to` moves.
    pub fn refill_bytes(&self, from: usize, to: usize) -> u64 {
        self.subgraph_bytes[to] - self.shared_bytes[from][to]
    }
}

/// What one SubNet run costs (SushiAbs's prediction).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunCost {
    /// Cycles.
    pub cycles: u64,
    /// DRAM weight bytes streamed (`LOAD_W`).
    pub dram_weight_bytes: u64,
    /// All DRAM bytes (weights, activations, epilogue, commands).
    pub dram_bytes: u64,
    /// Weight bytes read from the PB (`COPY_PB`).
    pub pb_read_bytes: u64,
}

/// Prices runs under tile sets the latency table has no column for (tile-level policies).
pub trait TilePricer {
    /// Costs of candidate `candidate` of `table` with `held` in the PB.
    fn price(&mut self, table: &LatencyTable, candidate: usize, held: &TileSet) -> RunCost;
    /// Bytes and cycles of the refill from `from` to `to` (only the tiles `to` adds move).
    fn refill(&mut self, from: &TileSet, to: &TileSet) -> (u64, u64);
}

/// Which target a query's selection honours first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Mode {
    /// Meet the latency target, then be as accurate as possible.
    LatencyStrict,
    /// Meet the accuracy target, then be as fast as possible.
    AccuracyStrict,
}

/// DESIGN.md section 7, steps 1-4: the candidate to serve `q` with SubGraph `g` cached, when
/// `waited_cycles` have passed since it arrived. A latency target is end to end, so the service
/// must fit what queueing left of it (`T - waited`); with an idle accelerator that is all of `T`.
/// Under a backlog the budget shrinks, feasible SubNets get faster and the queue drains, where a
/// queue-blind rule would keep serving SubNets sized for an idle accelerator.
pub fn select(table: &LatencyTable, q: &Query, g: usize, mode: Mode, waited_cycles: u64) -> usize {
    let budget = q.latency_target_cycles.saturating_sub(waited_cycles);
    select_within(table, q, mode, budget, |s| table.cycles[s][g])
}

/// Steps 2-4 of [`select`] with any service budget and any cost per candidate: feasible
/// candidates meet `q`'s accuracy target and cost at most `budget_cycles`; latency-strict mode
/// takes the most accurate, accuracy-strict the cheapest; with none feasible, the most accurate
/// within the budget, else the cheapest.
pub fn select_within(
    table: &LatencyTable,
    q: &Query,
    mode: Mode,
    budget_cycles: u64,
    cost: impl Fn(usize) -> u64,
) -> usize {
    let n = table.candidates.len();
    let fits_t = |s: usize| cost(s) <= budget_cycles;
    let fits_a = |s: usize| table.candidates[s].accuracy >= q.accuracy_target;
    let acc = |s: usize| table.candidates[s].accuracy;
    let cyc = |s: usize| cost(s);
    let feasible = (0..n).filter(|&s| fits_t(s) && fits_a(s));
    let best = match mode {
        Mode::LatencyStrict => {
            feasible.max_by(|&a, &b| acc(a).total_cmp(&acc(b)).then(cyc(b).cmp(&cyc(a))))
        }
        Mode::AccuracyStrict => {
            feasible.min_by(|&a, &b| cyc(a).cmp(&cyc(b)).then(acc(b).total_cmp(&acc(a))))
        }
    };
    best.or_else(|| {
        (0..n)
            .filter(|&s| fits_t(s))
            .max_by(|&a, &b| acc(a).total_cmp(&acc(b)).then(cyc(b).cmp(&cyc(a))))
    })
    .unwrap_or_else(|| (0..n).min_by_key(|&s| cyc(s)).expect("candidates"))
}

/// The SubGraph minimising the cycles to serve `window` plus the refill from `current`.
///
/// The window's demand is the SubNet each query would be served with an empty PB (its targets
/// as they arrived); the plan caches what saves that demand the most. Planning on the demand
/// rather than on what selection would pick under each candidate SubGraph matters in
/// latency-strict mode: there a cache lets selection upgrade to slower, more accurate SubNets,
/// and a planner counting those cycles as a cost would avoid exactly the SubGraphs that enable
/// the upgrades (measured: 33% against 37% PB hit ratio, lower served accuracy).
pub fn plan(table: &LatencyTable, window: &[Query], current: usize, mode: Mode) -> usize {
    let demand: Vec<usize> = window
        .iter()
        .map(|q| select(table, q, 0, mode, 0))
        .collect();
    plan_demand(table, &demand, current)
}

/// The SubGraph minimising the cycles of serving the candidates `demand` plus the refill from
/// `current`.
pub fn plan_demand(table: &LatencyTable, demand: &[usize], current: usize) -> usize {
    (0..table.subgraphs.len())
        .min_by_key(|&g| {
            let serve: u64 = demand.iter().map(|&s| table.cycles[s][g]).sum();
            (serve + table.refill_cycles(current, g), g != current)
        })
        .expect("the empty SubGraph is always a candidate")
}

/// What the Persistent Buffer holds while a query runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PbContent {
    /// One of the latency table's SubGraphs (index 0: the empty PB).
    SubGraph(usize),
    /// Any set of tiles (tile-level policies: [`Lru`]). The latency table has no column for it:
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
}

/// The table column of what SubGraph policies hold (they never hold a bare tile set).
pub(crate) fn column(held: &PbContent) -> usize {
    held.subgraph().unwrap_or(0)
}

/// SushiSched: cache-aware selection, the cache re-planned every `period` queries over the last
/// `window` queries.
#[derive(Debug, Clone)]
pub struct Sushi {
    /// Selection mode.
    pub mode: Mode,
    /// Queries between plans.
    pub period: usize,
    /// Queries the plan looks at.
    pub window: usize,
}

impl Sushi {
    /// The plan at query `i` over the window `lo..hi` (clamped to the trace), or `current` when
    /// `i` is not a planning point.
    fn plan_at(
        &self,
        table: &LatencyTable,
        now: &Now<'_>,
        window: std::ops::Range<usize>,
        current: &PbContent,
        first: bool,
    ) -> PbContent {
        let i = now.i;
        if (i == 0 && !first) || !i.is_multiple_of(self.period) {
            return current.clone();
        }
        let window = window.start.min(now.queries.len())..window.end.min(now.queries.len());
        PbContent::SubGraph(plan(
            table,
            &now.queries[window],
            column(current),
            self.mode,
        ))
    }
}

impl Policy for Sushi {
    fn name(&self) -> &str {
        "sushi"
    }
    fn cache(&mut self, table: &LatencyTable, now: &Now<'_>, current: &PbContent) -> PbContent {
        let i = now.i;
        self.plan_at(table, now, i.saturating_sub(self.window)..i, current, false)
    }
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, held: &PbContent) -> usize {
        select(
            table,
            &now.queries[now.i],
            column(held),
            self.mode,
            now.waited_cycles(),
        )
    }
}

/// No cache: the PB stays empty.
#[derive(Debug, Clone)]
pub struct NoCache {
    /// Selection mode.
    pub mode: Mode,
}

impl Policy for NoCache {
    fn name(&self) -> &str {
        "no-cache"
    }
    fn cache(&mut self, _: &LatencyTable, _: &Now<'_>, _: &PbContent) -> PbContent {
        PbContent::SubGraph(0)
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
}

/// One SubGraph for the whole trace (by default what the front's SubNets share the most of).
#[derive(Debug, Clone)]
pub struct StaticCache {
    /// Selection mode.
    pub mode: Mode,
    /// The SubGraph held.
    pub subgraph: usize,
}

impl Policy for StaticCache {
    fn name(&self) -> &str {
        "static-cache"
    }
    fn cache(&mut self, _: &LatencyTable, _: &Now<'_>, _: &PbContent) -> PbContent {
        PbContent::SubGraph(self.subgraph)
    }
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, _: &PbContent) -> usize {
        select(
            table,
            &now.queries[now.i],
            self.subgraph,
            self.mode,
            now.waited_cycles(),
        )
    }
}

/// One SubNet for every query, its SubGraph cached.
#[derive(Debug, Clone)]
pub struct StaticSubNet {
    /// The candidate served.
    pub candidate: usize,
    /// The SubGraph held.
    pub subgraph: usize,
}

impl Policy for StaticSubNet {
    fn name(&self) -> &str {
        "static-subnet"
    }
    fn cache(&mut self, _: &LatencyTable, _: &Now<'_>, _: &PbContent) -> PbContent {
        PbContent::SubGraph(self.subgraph)
    }
    fn select(&mut self, _: &LatencyTable, _: &Now<'_>, _: &PbContent) -> usize {
        self.candidate
    }
}

/// SushiSched's planning, but selection that ignores the cache (it reads `L[S][empty]`).
#[derive(Debug, Clone)]
pub struct CacheUnaware {
    /// Selection mode, period and window as [`Sushi`]'s.
    pub inner: Sushi,
}

impl Policy for CacheUnaware {
    fn name(&self) -> &str {
        "cache-unaware"
    }
    fn cache(&mut self, table: &LatencyTable, now: &Now<'_>, current: &PbContent) -> PbContent {
        let i = now.i;
        self.inner.plan_at(
            table,
            now,
            i.saturating_sub(self.inner.window)..i,
            current,
            false,
        )
    }
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, _: &PbContent) -> usize {
        select(
            table,
            &now.queries[now.i],
            0,
            self.inner.mode,
            now.waited_cycles(),
        )
    }
}

/// SushiSched that plans on the *next* window: it sees the future, so it is a bound, not a policy.
#[derive(Debug, Clone)]
pub struct Oracle {
    /// Selection mode, period and window as [`Sushi`]'s.
    pub inner: Sushi,
}

impl Policy for Oracle {
    fn name(&self) -> &str {
        "oracle (bound)"
    }
    fn cache(&mut self, table: &LatencyTable, now: &Now<'_>, current: &PbContent) -> PbContent {
        let i = now.i;
        self.inner
            .plan_at(table, now, i..i + self.inner.window, current, true)
    }
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, held: &PbContent) -> usize {
        self.inner.select(table, now, held)
    }
}

/// A classical cache over weight tiles: after each query the PB holds the `capacity` most recently
/// used tiles, the served SubNet's tiles being used in the order the accelerator reads them.
///
/// On this accelerator a miss is streamed from DRAM into WMEM by `LOAD_W` and cannot be kept on
/// the way, so the fill is a separate refill (`LOAD_PB`) before the next query: LRU pays each
/// miss it keeps twice, which a fill-on-miss datapath would halve. The PB does not change during
/// a query, so a SubNet larger than the PB keeps its last `capacity` tiles instead of thrashing
/// to nothing as a demand-filled LRU would on a cyclic scan. A cache knows nothing of SubNets:
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
        net: &crate::supernet::SuperNet,
        layout: &crate::pb::TileLayout,
        capacity: usize,
    ) -> Result<Self, crate::pb::PbError> {
        let tiles_of = table
            .candidates
            .iter()
            .map(|c| {
                let mut t = layout.tiles(&net.subnets[c.subnet].config)?;
                t.sort_unstable();
                Ok(t)
            })
            .collect::<Result<Vec<_>, crate::pb::PbError>>()?;
        Ok(Self::with_tiles(mode, tiles_of, capacity))
    }

    /// LRU over candidates that read `tiles_of[c]` (ascending), `capacity` tiles.
    fn with_tiles(mode: Mode, tiles_of: Vec<Vec<TileId>>, capacity: usize) -> Self {
        let words = tiles_of
            .iter()
            .flat_map(|t| t.last())
            .max()
            .map_or(0, |&t| t as usize / 64 + 1);
        let used_bits = tiles_of
            .iter()
            .map(|tiles| {
                let mut bits = vec![0u64; words];
                for &t in tiles {
                    bits[t as usize / 64] |= 1 << (t % 64);
                }
                bits
            })
            .collect();
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

/// The policy names every report and command accepts, in report order.
pub const POLICY_NAMES: [&str; 9] = [
    "sushi",
    "no-cache",
    "static-cache",
    "static-subnet",
    "cache-unaware",
    "lru",
    "slack",
    "model-switching",
    "oracle",
];

/// Whether `name` is a policy [`make_policy`] builds: one of [`POLICY_NAMES`], or
/// `static-subnet:P` with `P` in 0..=100.
pub fn is_policy_name(name: &str) -> bool {
    POLICY_NAMES.contains(&name) || static_subnet_percentile(name).is_some()
}

/// `P` of `static-subnet:P`.
fn static_subnet_percentile(name: &str) -> Option<u32> {
    let p: u32 = name.strip_prefix("static-subnet:")?.parse().ok()?;
    (p <= 100).then_some(p)
}

/// Builds the policy `name` (one of [`POLICY_NAMES`], or `static-subnet:P`) for `table` of `net` on
/// `config`. The static SubNet is the middle of the front (`static-subnet:P`: the candidate `P`
/// percent of the way from the fastest to the most accurate) with its own SubGraph cached where it
/// fits; the static cache holds what every candidate shares; LRU holds as many tiles as the PB has
/// words.
pub fn make_policy(
    name: &str,
    mode: Mode,
    period: usize,
    window: usize,
    table: &LatencyTable,
    net: &crate::supernet::SuperNet,
    config: &sushi_hw::HwConfig,
) -> Result<Box<dyn Policy>, String> {
    let sushi = Sushi {
        mode,
        period,
        window,
    };
    Ok(match name {
        "sushi" => Box::new(sushi),
        "no-cache" => Box::new(NoCache { mode }),
        "static-cache" => Box::new(StaticCache {
            mode,
            subgraph: table.shared_by_all,
        }),
        "static-subnet" => static_subnet(table, net, table.candidates.len() / 2),
        _ if static_subnet_percentile(name).is_some() => {
            let p = static_subnet_percentile(name).unwrap_or(50) as usize;
            let last = table.candidates.len().saturating_sub(1);
            static_subnet(table, net, (p * last + 50) / 100)
        }
        "slack" => Box::new(crate::slack::Slack::new(mode, period, window)),
        "model-switching" => {
            let configs: Vec<Vec<u16>> = table
                .candidates
                .iter()
                .map(|c| net.subnets[c.subnet].config.clone())
                .collect();
            Box::new(crate::slack::ModelSwitching::new(mode, table, &configs))
        }
        "cache-unaware" => Box::new(CacheUnaware { inner: sushi }),
        "oracle" => Box::new(Oracle { inner: sushi }),
        "lru" => {
            let layout = crate::pb::TileLayout::new(net, crate::layout::Array::of(config));
            let words = config.spec.buffers.pb_bytes as usize / layout.array().word_bytes();
            Box::new(Lru::new(mode, table, net, &layout, words).map_err(|e| e.to_string())?)
        }
        other => {
            return Err(format!(
                "policy {other}: use one of {} or static-subnet:P (P percent of the way along the front, 0..=100)",
                POLICY_NAMES.join(", ")
            ));
        }
    })
}

/// One static SubNet (candidate `c`) with its own SubGraph cached where it fits.
fn static_subnet(
    table: &LatencyTable,
    net: &crate::supernet::SuperNet,
    c: usize,
) -> Box<dyn Policy> {
    let own = &net.subnets[table.candidates[c].subnet].config;
    Box::new(StaticSubNet {
        candidate: c,
        subgraph: table.subgraphs.iter().position(|g| g == own).unwrap_or(0),
    })
}

/// One served query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Served {
    /// Query id.
    pub id: u64,
    /// Candidate index served.
    pub candidate: usize,
    /// The table's SubGraph cached while it ran (None: a tile set of a tile-level policy).
    pub subgraph: Option<usize>,
    /// Cycle service started (after any refill).
    pub start_cycle: u64,
    /// Service cycles.
    pub service_cycles: u64,
    /// Refill cycles run before it, from the previous query's completion (they delay it only
    /// when they end after it arrived).
    pub refill_cycles: u64,
    /// Bytes the refill before it moved into the PB.
    pub refill_bytes: u64,
    /// DRAM weight bytes the run streamed (`LOAD_W`).
    pub dram_weight_bytes: u64,
    /// All DRAM bytes of the run (refill excluded).
    pub dram_bytes: u64,
    /// Weight bytes the run read from the PB.
    pub pb_read_bytes: u64,
    /// Arrival to completion.
    pub end_to_end_cycles: u64,
    /// Met both targets.
    pub slo_met: bool,
    /// Met the latency target (whatever the accuracy).
    pub latency_met: bool,
    /// The device failed on it (an AXI error or a watchdog timeout): it got no answer, met no
    /// target, and the device was recovered before the next query.
    pub failed: bool,
}

/// The FIFO single-accelerator timeline of `queries` under `policy`, every cost from the table,
/// or for tile sets ([`Lru`]) from `pricer` (panics without one: a caller's bug).
pub fn serve_table(
    table: &LatencyTable,
    queries: &[Query],
    policy: &mut dyn Policy,
    mut pricer: Option<&mut dyn TilePricer>,
) -> Vec<Served> {
    let mut free = 0u64;
    let mut held = PbContent::SubGraph(0);
    let mut out = Vec::with_capacity(queries.len());
    let empty = TileSet::new(Vec::new());
    for (i, q) in queries.iter().enumerate() {
        // The cache step runs as soon as the accelerator is free: it reads only queries that
        // have arrived, so a refill overlaps the wait for the next arrival.
        let cache_cycle = if policy.cache_at_arrival() {
            free.max(q.arrival_cycle)
        } else {
            free
        };
        let mut now = Now {
            queries,
            i,
            cycle: cache_cycle,
        };
        let next = policy.cache(table, &now, &held);
        let (refill_bytes, refill) = match (&held, &next) {
            (PbContent::SubGraph(a), PbContent::SubGraph(b)) if a == b => (0, 0),
            (PbContent::SubGraph(_), PbContent::SubGraph(b)) if !policy.shares_weights() => {
                let bytes = table.subgraph_bytes[*b];
                (bytes, table.fill_cycles(bytes))
            }
            (PbContent::SubGraph(a), PbContent::SubGraph(b)) => {
                (table.refill_bytes(*a, *b), table.refill_cycles(*a, *b))
            }
            (_, PbContent::SubGraph(_)) => (0, 0), // from tiles to the empty PB: nothing moves
            (from, PbContent::Tiles(to)) => {
                let from = match from {
                    PbContent::Tiles(t) => t.as_ref(),
                    PbContent::SubGraph(_) => &empty,
                };
                if from == to.as_ref() {
                    (0, 0)
                } else {
                    pricer
                        .as_deref_mut()
                        .expect("a tile-level policy needs a TilePricer")
                        .refill(from, to)
                }
            }
        };
        now.cycle = (cache_cycle + refill).max(q.arrival_cycle);
        held = next;
        let s = policy.select(table, &now, &held);
        policy.served(table, &now, s);
        let uses_pb = policy.uses_pb(&held, s);
        let cost = match &held {
            _ if !uses_pb => table.run_cost(s, 0),
            PbContent::SubGraph(g) => table.run_cost(s, *g),
            PbContent::Tiles(t) => pricer
                .as_deref_mut()
                .expect("a tile-level policy needs a TilePricer")
                .price(table, s, t),
        };
        let end = now.cycle + cost.cycles;
        out.push(Served {
            id: q.id,
            candidate: s,
            subgraph: if uses_pb { held.subgraph() } else { Some(0) },
            start_cycle: now.cycle,
            service_cycles: cost.cycles,
            refill_cycles: refill,
            refill_bytes,
            dram_weight_bytes: cost.dram_weight_bytes,
            dram_bytes: cost.dram_bytes,
            pb_read_bytes: cost.pb_read_bytes,
            end_to_end_cycles: end - q.arrival_cycle,
            slo_met: end - q.arrival_cycle <= q.latency_target_cycles
                && table.candidates[s].accuracy >= q.accuracy_target,
            latency_met: end - q.arrival_cycle <= q.latency_target_cycles,
            failed: false,
        });
        free = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Locality, Target, TraceSpec, generate};

    /// Three SubNets, a cache that speeds the big one up.
    fn table() -> LatencyTable {
        LatencyTable {
            candidates: vec![
                Candidate {
                    subnet: 0,
                    accuracy: 85.0,
                },
                Candidate {
                    subnet: 1,
                    accuracy: 87.0,
                },
                Candidate {
                    subnet: 2,
                    accuracy: 89.0,
                },
            ],
            subgraphs: vec![vec![], vec![1], vec![2]],
            subgraph_bytes: vec![0, 1000, 2000],
            shared_by_all: 1,
            shared_bytes: vec![vec![0, 0, 0], vec![0, 1000, 1000], vec![0, 1000, 2000]],
            cycles: vec![vec![100, 90, 90], vec![200, 150, 150], vec![400, 380, 300]],
            dram_weight_bytes: vec![vec![10; 3]; 3],
            dram_bytes: vec![vec![100; 3]; 3],
            pb_read_bytes: vec![vec![0; 3]; 3],
            subnet_bytes: vec![500, 1000, 3000],
            fill_cycles_per_byte: 0.1,
            fill_fixed_cycles: 20,
        }
    }

    fn q(a: f64, t: u64) -> Query {
        Query {
            id: 0,
            arrival_cycle: 0,
            accuracy_target: a,
            latency_target_cycles: t,
            input: 0,
        }
    }

    #[test]
    fn selection_follows_the_four_steps() {
        let t = table();
        // Feasible {1, 2} with the cache of 2: latency-strict takes the most accurate.
        assert_eq!(select(&t, &q(86.0, 310), 2, Mode::LatencyStrict, 0), 2);
        // ... accuracy-strict the fastest.
        assert_eq!(select(&t, &q(86.0, 310), 2, Mode::AccuracyStrict, 0), 1);
        // Without the cache SubNet 2 takes 400 > 310: only 1 is feasible.
        assert_eq!(select(&t, &q(86.0, 310), 0, Mode::LatencyStrict, 0), 1);
        // Nothing feasible (accuracy 90): the most accurate within the latency target.
        assert_eq!(select(&t, &q(90.0, 250), 0, Mode::LatencyStrict, 0), 1);
        // Nothing within the latency target either: the fastest.
        assert_eq!(select(&t, &q(90.0, 50), 0, Mode::LatencyStrict, 0), 0);
    }

    #[test]
    fn the_latency_budget_is_what_queueing_left_of_the_target() {
        let t = table();
        // Idle: 2 fits 310 cycles with its cache; after waiting 100, only 1 (150) fits the 210 left.
        assert_eq!(select(&t, &q(86.0, 310), 2, Mode::LatencyStrict, 0), 2);
        assert_eq!(select(&t, &q(86.0, 310), 2, Mode::LatencyStrict, 100), 1);
        // Waited past the target: nothing fits, the fastest drains the queue.
        assert_eq!(select(&t, &q(86.0, 310), 2, Mode::LatencyStrict, 400), 0);
    }

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

    #[test]
    fn refills_move_only_what_is_missing_and_planning_charges_them() {
        let t = table();
        assert_eq!(t.refill_bytes(1, 2), 1000);
        assert_eq!(t.refill_cycles(2, 1), 0, "1 is inside 2: nothing moves");
        assert_eq!(t.refill_cycles(0, 2), 20 + 200);
        // A window of big-SubNet queries: caching 2 saves 100 per query, more than the refill.
        let window = vec![q(88.0, 1000); 5];
        assert_eq!(plan(&t, &window, 0, Mode::LatencyStrict), 2);
        // One such query does not pay for the refill.
        assert_eq!(plan(&t, &window[..1], 0, Mode::LatencyStrict), 0);
    }

    #[test]
    fn with_locality_sushi_beats_no_cache_and_the_oracle_bounds_it() {
        let t = table();
        let points: Vec<Target> = (0..3)
            .map(|s| Target {
                accuracy: t.candidates[s].accuracy,
                cycles: t.cycles[s][0],
            })
            .collect();
        let trace = generate(
            &TraceSpec {
                queries: 3000,
                seed: 5,
                mean_interarrival_cycles: 600,
                arrivals: crate::trace::Arrivals::Poisson,
                locality: Locality::Phases { phase_queries: 200 },
                latency_slack: 1.0,
                images: 100,
            },
            &points,
        );
        let sushi = Sushi {
            mode: Mode::LatencyStrict,
            period: 20,
            window: 40,
        };
        let cycles = |p: &mut dyn Policy| -> u64 {
            serve_table(&t, &trace, p, None)
                .iter()
                .map(|s| s.service_cycles + s.refill_cycles)
                .sum()
        };
        let none = cycles(&mut NoCache {
            mode: Mode::LatencyStrict,
        });
        let ours = cycles(&mut sushi.clone());
        let bound = cycles(&mut Oracle { inner: sushi });
        assert!(ours < none, "sushi {ours} vs no cache {none}");
        assert!(bound <= ours, "oracle {bound} vs sushi {ours}");
    }
}

/// Why a latency table cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum TableBuildError {
    /// A SubNet did not compile for the config.
    #[error(transparent)]
    Compile(#[from] crate::compiler::CompileError),
    /// A SubGraph did not fit.
    #[error(transparent)]
    Pb(#[from] crate::pb::PbError),
}

/// `L[S][G]` from SushiAbs for `candidates` (fastest first) on `config`. The candidate SubGraphs
/// are the empty PB, each candidate's own config where it fits the PB, what neighbouring
/// candidates share, and for candidates too big for the PB their best share that fits
/// ([`crate::pb_report::best_subgraph`]).
pub fn build_table(
    net: &crate::supernet::SuperNet,
    config: &sushi_hw::HwConfig,
    candidates: Vec<Candidate>,
) -> Result<LatencyTable, TableBuildError> {
    use crate::compiler::{Outputs, compile_refill, compile_subnet};
    use crate::pb::{PbMap, TileImage, shared};
    let image = TileImage::build(net, crate::layout::Array::of(config));
    let pb_bytes = config.spec.buffers.pb_bytes as usize;
    let mut subgraphs: Vec<Vec<u16>> = vec![Vec::new()];
    let add = |g: Vec<u16>, subgraphs: &mut Vec<Vec<u16>>| -> Result<(), TableBuildError> {
        if image.bytes(&g)? <= pb_bytes && !subgraphs.contains(&g) {
            subgraphs.push(g);
        }
        Ok(())
    };
    for (i, c) in candidates.iter().enumerate() {
        let own = net.subnets[c.subnet].config.clone();
        add(own.clone(), &mut subgraphs)?;
        if let Some(next) = candidates.get(i + 1) {
            add(
                shared(&own, &net.subnets[next.subnet].config),
                &mut subgraphs,
            )?;
        }
        if let Some(best) = crate::pb_report::best_subgraph(net, &image, c.subnet, pb_bytes)? {
            add(best.config, &mut subgraphs)?;
        }
    }
    // What every candidate shares: the static-cache baseline's SubGraph.
    let mut shared_by_all = 0;
    if let Some(first) = candidates.first() {
        let all = candidates
            .iter()
            .fold(net.subnets[first.subnet].config.clone(), |acc, c| {
                shared(&acc, &net.subnets[c.subnet].config)
            });
        add(all.clone(), &mut subgraphs)?;
        shared_by_all = subgraphs.iter().position(|g| *g == all).unwrap_or(0);
    }
    let n_g = subgraphs.len();
    let bytes_of = |g: &[u16]| -> Result<u64, TableBuildError> {
        Ok(if g.is_empty() {
            0
        } else {
            image.bytes(g)? as u64
        })
    };
    let subgraph_bytes = subgraphs
        .iter()
        .map(|g| bytes_of(g))
        .collect::<Result<Vec<_>, _>>()?;
    let mut shared_bytes = vec![vec![0u64; n_g]; n_g];
    for a in 0..n_g {
        for b in 0..n_g {
            shared_bytes[a][b] = if subgraphs[a].is_empty() || subgraphs[b].is_empty() {
                0
            } else {
                bytes_of(&shared(&subgraphs[a], &subgraphs[b]))?
            };
        }
    }
    let mut cycles = vec![vec![0u64; n_g]; candidates.len()];
    let mut dram = vec![vec![0u64; n_g]; candidates.len()];
    let mut dram_all = vec![vec![0u64; n_g]; candidates.len()];
    let mut pb_read = vec![vec![0u64; n_g]; candidates.len()];
    let mut fill = (0u64, 0u64); // (bytes, cycles) of the largest refill from empty
    for (g, sub) in subgraphs.iter().enumerate() {
        let mut map = PbMap::for_config(config);
        if !sub.is_empty() {
            let refill = map.refill(&image, sub)?;
            let p = compile_refill(&refill, &image, config)?;
            let c = crate::abs::predict(&p, config).cycles;
            if refill.bytes() as u64 > fill.0 {
                fill = (refill.bytes() as u64, c);
            }
        }
        for (s, cand) in candidates.iter().enumerate() {
            let p = compile_subnet(net, cand.subnet, &image, &map, config, Outputs::Last)?;
            let pred = crate::abs::predict(&p, config);
            cycles[s][g] = pred.cycles;
            dram[s][g] = p.weight_bytes as u64;
            dram_all[s][g] = pred.dram_bytes;
            pb_read[s][g] = p.pb_bytes as u64;
        }
    }
    // A refill costs a fixed start plus its bytes at the rate the largest one achieved.
    let fill_fixed_cycles = 64;
    let fill_cycles_per_byte = if fill.0 == 0 {
        0.0
    } else {
        fill.1.saturating_sub(fill_fixed_cycles) as f64 / fill.0 as f64
    };
    let subnet_bytes = candidates
        .iter()
        .map(|c| bytes_of(&net.subnets[c.subnet].config))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(LatencyTable {
        candidates,
        subgraphs,
        subgraph_bytes,
        shared_by_all,
        shared_bytes,
        cycles,
        dram_weight_bytes: dram,
        dram_bytes: dram_all,
        pb_read_bytes: pb_read,
        subnet_bytes,
        fill_cycles_per_byte,
        fill_fixed_cycles,
    })
}

/// The metrics of DESIGN.md section 8 for one policy's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServeSummary {
    /// Policy name.
    pub policy: String,
    /// Where the costs came from (`abs`: SushiAbs's table, nothing executed).
    pub backend: String,
    /// Queries served.
    pub queries: usize,
    /// Percent of queries classified correctly (executed backends), or the mean measured test
    /// accuracy of the SubNets served (`abs`, where nothing runs).
    pub served_accuracy: f64,
    /// End-to-end latency (queueing included), mean.
    pub latency_mean_cycles: f64,
    /// End-to-end latency, 99th percentile.
    pub latency_p99_cycles: u64,
    /// The same in µs at the config's clock.
    pub latency_mean_us: f64,
    /// The same in µs.
    pub latency_p99_us: f64,
    /// Fraction of queries meeting both targets.
    pub slo_attainment: f64,
    /// Fraction of queries meeting their latency target, whatever the accuracy (SuperServe's
    /// SLO: latency alone, accuracy reported beside it).
    pub latency_slo_attainment: f64,
    /// DRAM bytes per query: everything the SubNet runs move (weights, activations, epilogue,
    /// commands) plus refills.
    pub dram_bytes_per_query: f64,
    /// DRAM bytes of weights per query: streamed by the SubNet runs (`LOAD_W`) plus refills
    /// (`LOAD_PB`).
    pub dram_weight_bytes_per_query: f64,
    /// Weight bytes served from the PB over all weight bytes used.
    pub pb_hit_ratio: f64,
    /// Bytes moved into the PB over the run.
    pub refill_bytes: u64,
    /// DRAM bytes x the config's pJ per byte, in µJ.
    pub offchip_energy_uj: f64,
    /// Queries whose outputs were checked against the golden model (0: costs only).
    pub outputs_verified: usize,
    /// Queries the device failed on (then recovered); each met no target.
    pub device_faults: usize,
}

/// End-to-end latency of `served`: (mean, 99th percentile), in cycles.
pub fn latency_stats(served: &[Served]) -> (f64, u64) {
    let mut lat: Vec<u64> = served.iter().map(|s| s.end_to_end_cycles).collect();
    lat.sort_unstable();
    let p99 = lat
        .get(((lat.len() as f64 * 0.99).ceil() as usize).saturating_sub(1))
        .copied()
        .unwrap_or(0);
    (
        lat.iter().sum::<u64>() as f64 / lat.len().max(1) as f64,
        p99,
    )
}

/// DESIGN.md section 8's metrics of a run from its served queries; served accuracy is the mean
/// measured test accuracy of the SubNets served (executed runs replace it by the fraction
/// classified correctly: `serve::summarize_exec`).
pub fn summarize(
    table: &LatencyTable,
    served: &[Served],
    policy: &str,
    config: &sushi_hw::HwConfig,
) -> ServeSummary {
    let n = served.len().max(1) as f64;
    let (mean, p99) = latency_stats(served);
    let sum = |f: fn(&Served) -> u64| served.iter().map(f).sum::<u64>();
    let refill_bytes = sum(|s| s.refill_bytes);
    let streamed = sum(|s| s.dram_weight_bytes);
    let from_pb = sum(|s| s.pb_read_bytes);
    let dram = sum(|s| s.dram_bytes) + refill_bytes;
    let d = config.derived();
    ServeSummary {
        policy: policy.to_string(),
        backend: "abs".into(),
        queries: served.len(),
        served_accuracy: served
            .iter()
            .map(|s| table.candidates[s.candidate].accuracy)
            .sum::<f64>()
            / n,
        latency_mean_cycles: mean,
        latency_p99_cycles: p99,
        latency_mean_us: mean * d.cycle_ns / 1000.0,
        latency_p99_us: p99 as f64 * d.cycle_ns / 1000.0,
        slo_attainment: served.iter().filter(|s| s.slo_met).count() as f64 / n,
        latency_slo_attainment: served.iter().filter(|s| s.latency_met).count() as f64 / n,
        dram_bytes_per_query: dram as f64 / n,
        dram_weight_bytes_per_query: (streamed + refill_bytes) as f64 / n,
        pb_hit_ratio: if from_pb + streamed == 0 {
            0.0
        } else {
            from_pb as f64 / (from_pb + streamed) as f64
        },
        refill_bytes,
        offchip_energy_uj: dram as f64 * config.spec.dram.energy_pj_per_byte / 1e6,
        outputs_verified: 0,
        device_faults: served.iter().filter(|s| s.failed).count(),
    }
}
