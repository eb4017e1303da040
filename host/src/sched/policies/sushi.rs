//! SushiSched's own policy.
use std::sync::Arc;

use crate::compile::tiles::{TileId, TileSet};
use crate::sched::policy::{Now, PbContent, Policy, column};
use crate::sched::select::{Mode, plan, select, select_within};
use crate::sched::table::LatencyTable;
use crate::sched::tile_plan::{PlanScratch, TileModel};

/// SushiSched: cache-aware selection, the cache re-planned every `period` queries over the last
/// `window` queries.
///
/// Plans choose from one of two spaces: any set of weight tiles that fits the PB (the policy
/// `sushi`; [`crate::sched::tile_plan`] states the algorithm), or one of the latency table's
/// SubGraphs (`sushi-subgraph`, [`plan`]). Selection reads the cycles of each candidate under
/// what is held: the table's column for a SubGraph, the tile model's estimate for a tile set.
#[derive(Debug, Clone)]
pub struct Sushi {
    /// Selection mode.
    pub mode: Mode,
    /// Queries between plans.
    pub period: usize,
    /// Queries the plan looks at.
    pub window: usize,
    planning: Planning,
}

/// What a SushiSched plan chooses from.
#[derive(Debug, Clone)]
enum Planning {
    /// One of the latency table's SubGraphs.
    SubGraphs,
    /// Any set of tiles that fits the PB.
    Tiles(Box<TileState>),
}

/// The tile planner's model and what it keeps between decisions.
#[derive(Debug, Clone)]
struct TileState {
    model: Arc<TileModel>,
    scratch: PlanScratch,
    /// The content the fields below describe (None: the empty PB).
    held: Option<Arc<TileSet>>,
    held_bits: Vec<u64>,
    /// The model's cycles of every candidate with `held` in the PB (empty until first synced).
    cycles: Vec<u64>,
    /// The content the last plan would hold if refills were free: what the next runs deposit
    /// as they stream it.
    target: Option<Arc<TileSet>>,
}

impl TileState {
    /// Brings the held bitmap and the candidates' cycles up to `content`.
    fn sync(&mut self, content: &PbContent) {
        let tiles = match content {
            PbContent::Tiles(t) => Some(t),
            PbContent::SubGraph(_) => None,
        };
        let same = match (&self.held, tiles) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
            (None, None) => !self.cycles.is_empty(),
            _ => false,
        };
        if same {
            return;
        }
        self.held = tiles.cloned();
        self.held_bits = self
            .model
            .bitmap(self.held.as_deref().map_or(&[], |t| t.tiles()));
        self.cycles = (0..self.model.candidates())
            .map(|c| self.model.cycles(c, &self.held_bits))
            .collect();
    }
}

impl Sushi {
    /// SushiSched planning over weight tiles with `model`.
    pub fn tiles(mode: Mode, period: usize, window: usize, model: Arc<TileModel>) -> Self {
        Sushi {
            mode,
            period,
            window,
            planning: Planning::Tiles(Box::new(TileState {
                model,
                scratch: PlanScratch::default(),
                held: None,
                held_bits: Vec::new(),
                cycles: Vec::new(),
                target: None,
            })),
        }
    }

    /// SushiSched planning over the latency table's SubGraphs.
    pub fn subgraphs(mode: Mode, period: usize, window: usize) -> Self {
        Sushi {
            mode,
            period,
            window,
            planning: Planning::SubGraphs,
        }
    }

    /// The tiles the runs until the next plan deposit as they stream them (tile plans only).
    pub(crate) fn deposit_target_for(&self, held: &PbContent) -> Option<Arc<TileSet>> {
        let Planning::Tiles(state) = &self.planning else {
            return None;
        };
        let target = state.target.as_ref()?;
        match held {
            PbContent::Tiles(t) if t.as_ref() == target.as_ref() => None,
            _ => Some(target.clone()),
        }
    }

    /// Whether plans choose tile sets (else SubGraphs).
    pub fn plans_tiles(&self) -> bool {
        matches!(self.planning, Planning::Tiles(_))
    }

    /// The plan at query `i` over the window `lo..hi` (clamped to the trace), or `current` when
    /// `i` is not a planning point.
    pub(crate) fn plan_at(
        &mut self,
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
        let queries = &now.queries[window];
        match &mut self.planning {
            Planning::SubGraphs => {
                PbContent::SubGraph(plan(table, queries, column(current), self.mode))
            }
            Planning::Tiles(state) => {
                state.sync(current);
                // The window's demand: the SubNet each query gets with an empty PB (as for
                // SubGraph plans; see `plan`), counted per candidate.
                let mut counts = vec![0u32; table.candidates.len()];
                for q in queries {
                    counts[select(table, q, 0, self.mode, 0)] += 1;
                }
                let demand: Vec<(usize, u32)> = counts
                    .iter()
                    .enumerate()
                    .filter(|&(_, &n)| n > 0)
                    .map(|(c, &n)| (c, n))
                    .collect();
                // A refill runs while the accelerator waits for query `i`; past its arrival it
                // delays `i` and every query queued behind it.
                let arrival = now.queries.get(i).map_or(now.cycle, |q| q.arrival_cycle);
                let idle_cycles = arrival.saturating_sub(now.cycle);
                let queued = now.queries[i.min(now.queries.len())..]
                    .iter()
                    .take_while(|q| q.arrival_cycle <= now.cycle)
                    .count() as u64;
                let held: &[TileId] = state.held.as_deref().map_or(&[], |t| t.tiles());
                // What pays for a refill now, before the next query.
                let now_plan = state
                    .model
                    .plan(
                        &mut state.scratch,
                        &demand,
                        held,
                        &state.held_bits,
                        idle_cycles,
                        queued.max(1),
                    )
                    .map(|p| Arc::new(TileSet::new(p.tiles)));
                // What the next runs should leave in the PB, their loads depositing it as they
                // stream it: the plan as if refills cost nothing, since these cost nothing. When
                // the wait covers a refill of the whole PB, that is the plan above.
                let refill_free =
                    state.model.refill_cycles(state.model.capacity_tiles()) <= idle_cycles;
                state.target = if refill_free {
                    now_plan.clone()
                } else {
                    state
                        .model
                        .plan(
                            &mut state.scratch,
                            &demand,
                            held,
                            &state.held_bits,
                            u64::MAX,
                            1,
                        )
                        .map(|p| Arc::new(TileSet::new(p.tiles)))
                };
                match now_plan {
                    Some(t) => PbContent::Tiles(t),
                    None => current.clone(),
                }
            }
        }
    }

    /// The candidate for query `now.i` with `held` in the PB (cache-aware: the cycles under
    /// `held`).
    pub(crate) fn select_for(
        &mut self,
        table: &LatencyTable,
        now: &Now<'_>,
        held: &PbContent,
    ) -> usize {
        let q = &now.queries[now.i];
        match &mut self.planning {
            Planning::Tiles(state) if matches!(held, PbContent::Tiles(_)) => {
                state.sync(held);
                let budget = q.latency_target_cycles.saturating_sub(now.waited_cycles());
                let cycles = &state.cycles;
                select_within(table, q, self.mode, budget, |s| cycles[s])
            }
            _ => select(table, q, column(held), self.mode, now.waited_cycles()),
        }
    }
}

impl Policy for Sushi {
    fn name(&self) -> &str {
        match self.planning {
            Planning::Tiles(_) => "sushi",
            Planning::SubGraphs => "sushi-subgraph",
        }
    }
    fn cache(&mut self, table: &LatencyTable, now: &Now<'_>, current: &PbContent) -> PbContent {
        let i = now.i;
        self.plan_at(table, now, i.saturating_sub(self.window)..i, current, false)
    }
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, held: &PbContent) -> usize {
        self.select_for(table, now, held)
    }
    fn deposit_target(
        &mut self,
        _: &LatencyTable,
        _: &Now<'_>,
        held: &PbContent,
        _: usize,
    ) -> Option<Arc<TileSet>> {
        self.deposit_target_for(held)
    }
}
