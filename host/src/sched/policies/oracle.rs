//! SushiSched planning on the future window.
use super::sushi::Sushi;
use crate::sched::policy::{Now, PbContent, Policy};
use crate::sched::table::LatencyTable;

/// SushiSched that plans on the *next* window: it sees the future, so it is a reference point
/// for planning, not an online policy, and not a bound (a bound on DRAM weight bytes for fixed
/// selections is [`crate::sched::bound`]).
#[derive(Debug, Clone)]
pub struct Oracle {
    /// Selection mode, period and window as [`Sushi`]'s.
    pub inner: Sushi,
}

impl Policy for Oracle {
    fn name(&self) -> &str {
        "oracle (future window)"
    }
    fn cache(&mut self, table: &LatencyTable, now: &Now<'_>, current: &PbContent) -> PbContent {
        let i = now.i;
        self.inner
            .plan_at(table, now, i..i + self.inner.window, current, true)
    }
    fn select(&mut self, table: &LatencyTable, now: &Now<'_>, held: &PbContent) -> usize {
        self.inner.select(table, now, held)
    }
    fn deposit_target(
        &mut self,
        _: &LatencyTable,
        _: &Now<'_>,
        held: &PbContent,
        _: usize,
    ) -> Option<std::sync::Arc<crate::compile::tiles::TileSet>> {
        self.inner.deposit_target_for(held)
    }
}
