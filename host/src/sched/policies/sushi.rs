//! SushiSched's own policy.
use crate::sched::policy::{Now, PbContent, Policy, column};
use crate::sched::select::plan;
use crate::sched::select::{Mode, select};
use crate::sched::table::LatencyTable;

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
    pub(crate) fn plan_at(
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
